/**
 * How long to wait before retrying the same candidate, or whether to fail over at once:
 * exponential backoff with full jitter (a random wait up to base x 2^n, so retries from many
 * requests spread out instead of arriving together), a provider's Retry-After (or OpenAI's
 * retry-after-ms) honoured when it fits under the cap, and its x-should-retry header taken at
 * its word both ways, as the OpenAI SDKs take it.
 */
export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

/** What a failed attempt said about retrying. */
export interface RetryHints {
  /** Retry-After in ms, when the provider sent one. */
  retryAfterMs: number | null;
  /** x-should-retry: true or false when the provider said, else null. */
  shouldRetry: boolean | null;
}

/**
 * The wait before retry number `retry` (0-based), or null when the candidate should not be
 * retried: the provider said not to, or asks for a longer wait than the cap allows.
 */
export function backoffMs(retry: number, hints: RetryHints, settings: BackoffSettings, random: () => number = Math.random): number | null {
  if (hints.shouldRetry === false) return null;
  if (hints.retryAfterMs !== null) return hints.retryAfterMs <= settings.maxMs ? hints.retryAfterMs : null;
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * The provider's requested wait in ms: `retry-after-ms` (milliseconds, sent by OpenAI) when it
 * reads as a number, else Retry-After (delta-seconds or an HTTP date); null when neither does.
 * The order is the OpenAI SDKs' (openai-node `retryRequest`): the finer header wins.
 */
export function parseRetryWait(retryAfterMs: string | undefined, retryAfter: string | undefined, now: number = Date.now()): number | null {
  if (retryAfterMs !== undefined && retryAfterMs.trim() !== '') {
    const ms = Number(retryAfterMs);
    if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  }
  return parseRetryAfter(retryAfter, now);
}

/** Retry-After as ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | null {
  if (value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
