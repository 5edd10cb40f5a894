/** The adapter for OpenAI and every OpenAI-compatible server. */
import type { Adapter } from '../types.js';
import { fromError } from './error.js';
import { toRequest } from './request.js';
import { fromResponse } from './response.js';
import { createStreamDecoder } from './stream.js';

/** OpenAI chat completions: the canonical schema itself, so mostly a pass-through. */
export const openaiAdapter: Adapter = {
  kind: 'openai',
  toRequest,
  fromResponse,
  createStreamDecoder,
  fromError,
};
