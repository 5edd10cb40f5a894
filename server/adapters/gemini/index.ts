/** The adapter for Gemini's generateContent API. */
import type { Adapter } from '../types.js';
import { fromError } from './error.js';
import { toRequest } from './request.js';
import { fromResponse } from './response.js';
import { createStreamDecoder } from './stream.js';

/** Gemini generateContent: conversations with tools, media, JSON output and logprobs, streamed or not. */
export const geminiAdapter: Adapter = {
  kind: 'gemini',
  toRequest,
  fromResponse,
  createStreamDecoder,
  fromError,
};
