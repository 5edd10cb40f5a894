/** The adapter for Anthropic's Messages API. */
import type { Adapter } from '../types.js';
import { fromError } from './error.js';
import { toRequest } from './request.js';
import { fromResponse } from './response.js';
import { createStreamDecoder } from './stream.js';

/** Anthropic Messages API: text, images, tools and tool results, streamed or not. */
export const anthropicAdapter: Adapter = {
  kind: 'anthropic',
  toRequest,
  fromResponse,
  createStreamDecoder,
  fromError,
};
