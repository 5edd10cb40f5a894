/** OpenAI-compatible answers are already canonical; this checks the one thing the gateway relies on. */
import type { ChatCompletion, UpstreamTarget } from '../types.js';
import { malformedBodyError } from './error.js';

/**
 * Returns the current time in Unix seconds, for the `created` of answers whose provider sends
 * none. The one clock read the adapters make, kept here so tests and callers know where it is.
 */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** Returns the upstream body as the canonical completion (it already is one); throws `UpstreamError` when it has no `choices`. */
export function fromResponse(body: unknown, _target: UpstreamTarget): ChatCompletion {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { choices?: unknown }).choices)) {
    throw malformedBodyError('openai', 'a 200 body without a choices array');
  }
  const completion = body as ChatCompletion;
  // Some compatible servers omit `created`; the OpenAI SDKs type it as required.
  return typeof completion.created === 'number' ? completion : { ...completion, created: unixNow() };
}
