/**
 * OpenAI-compatible answers are already canonical; this checks the one thing the gateway relies
 * on and fills in what compatible servers spell their own way.
 */
import type { ChatCompletion, Usage, UpstreamTarget } from '../types.js';
import { malformedBodyError } from './error.js';

/**
 * Returns the current time in Unix seconds, for the `created` of answers whose provider sends
 * none. The one clock read the adapters make, kept here so tests and callers know where it is.
 */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Returns `usage` with the cached prompt tokens where OpenAI puts them
 * (`prompt_tokens_details.cached_tokens`). DeepSeek reports them as `prompt_cache_hit_tokens`
 * (https://api-docs.deepseek.com/api/create-chat-completion), and the gateway prices cached
 * tokens at their own rate. Returns the same object when there is nothing to fill in.
 */
export function normalizeUsage(usage: Usage): Usage {
  const hits = (usage as { prompt_cache_hit_tokens?: unknown }).prompt_cache_hit_tokens;
  if (typeof hits !== 'number' || usage.prompt_tokens_details?.cached_tokens !== undefined) return usage;
  return { ...usage, prompt_tokens_details: { ...usage.prompt_tokens_details, cached_tokens: hits } };
}

/** Returns the upstream body as the canonical completion (it already is one); throws `UpstreamError` when it has no `choices`. */
export function fromResponse(body: unknown, _target: UpstreamTarget): ChatCompletion {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { choices?: unknown }).choices)) {
    throw malformedBodyError('openai', 'a 200 body without a choices array');
  }
  let completion = body as ChatCompletion;
  // Some compatible servers omit `created`; the OpenAI SDKs type it as required.
  if (typeof completion.created !== 'number') completion = { ...completion, created: unixNow() };
  if (completion.usage != null) {
    const usage = normalizeUsage(completion.usage);
    if (usage !== completion.usage) completion = { ...completion, usage };
  }
  return completion;
}
