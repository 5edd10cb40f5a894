import { describe, expect, it } from 'vitest';
import { backoffMs, parseRetryAfter, parseRetryWait } from '../../../../server/dispatch/backoff.js';

const settings = { baseMs: 100, maxMs: 2_000 };
const none = { retryAfterMs: null, shouldRetry: null };

describe('backoffMs', () => {
  it('waits a random time up to base x 2^retry (full jitter), capped', () => {
    expect(backoffMs(0, none, settings, () => 0.999)).toBe(99);
    expect(backoffMs(3, none, settings, () => 0.5)).toBe(400);
    expect(backoffMs(10, none, settings, () => 0.999)).toBe(1_998);
    expect(backoffMs(2, none, settings, () => 0)).toBe(0);
  });

  it('honours Retry-After under the cap, and fails over instead of waiting longer', () => {
    expect(backoffMs(0, { retryAfterMs: 1_500, shouldRetry: null }, settings)).toBe(1_500);
    expect(backoffMs(0, { retryAfterMs: 30_000, shouldRetry: null }, settings)).toBeNull();
  });

  it('never retries when the provider says x-should-retry: false', () => {
    expect(backoffMs(0, { retryAfterMs: 10, shouldRetry: false }, settings)).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    expect(parseRetryAfter('Sat, 28 Nov 2026 12:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter('-1')).toBeNull();
  });
});

describe('parseRetryWait', () => {
  it('prefers retry-after-ms (milliseconds, as OpenAI sends) over Retry-After', () => {
    expect(parseRetryWait('250', '3')).toBe(250);
    expect(parseRetryWait('12.6', undefined)).toBe(13);
    expect(parseRetryWait('0', '3')).toBe(0);
  });

  it('falls back to Retry-After when retry-after-ms is absent or unreadable', () => {
    expect(parseRetryWait(undefined, '3')).toBe(3_000);
    expect(parseRetryWait('soon', '2')).toBe(2_000);
    expect(parseRetryWait('-5', undefined)).toBeNull();
    expect(parseRetryWait(undefined, undefined)).toBeNull();
  });
});
