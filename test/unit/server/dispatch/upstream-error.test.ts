import { describe, expect, it } from 'vitest';
import { failureFromStatus, failureFromTransport } from '../../../../server/dispatch/upstream-error.js';

const info = { message: 'upstream says no', type: 'x_error', code: null };

describe('failureFromStatus', () => {
  it.each([
    [500, 'SY_UPSTREAM_FAILED', true],
    [503, 'SY_UPSTREAM_FAILED', true],
    [429, 'SY_UPSTREAM_RATE_LIMITED', true],
    [408, 'SY_UPSTREAM_TIMEOUT', true],
    [401, 'SY_UPSTREAM_AUTH', true],
    [403, 'SY_UPSTREAM_AUTH', true],
    [400, 'SY_UPSTREAM_REJECTED', false],
    [404, 'SY_UPSTREAM_REJECTED', false],
    [422, 'SY_UPSTREAM_REJECTED', false],
  ])('HTTP %i becomes %s, failover %s', (status, code, failover) => {
    const f = failureFromStatus(status, info, 'm (p)', undefined);
    expect(f.error.code).toBe(code);
    expect(f.failover).toBe(failover);
  });

  it('says which candidate failed, except on a rejection the client must read as its own', () => {
    expect(failureFromStatus(502, info, 'gpt-4o (openai)', undefined).error.message).toBe('gpt-4o (openai): HTTP 502 x_error: upstream says no');
    expect(failureFromStatus(400, info, 'gpt-4o (openai)', undefined).error.message).toBe('upstream says no');
  });

  it('passes Retry-After seconds on, and ignores a date or garbage', () => {
    expect(failureFromStatus(429, info, 'w', '7').error.retryAfterS).toBe(7);
    expect(failureFromStatus(429, info, 'w', 'soon').error.retryAfterS).toBeNull();
  });

  it('reads retry-after-ms before Retry-After, for the wait and for the client', () => {
    const f = failureFromStatus(429, info, 'w', '7', undefined, '1500');
    expect(f.hints.retryAfterMs).toBe(1_500);
    expect(f.error.retryAfterS).toBe(2);
  });

  it('x-should-retry: true makes any status retryable, without letting a rejection fail over or count against the breaker', () => {
    const f = failureFromStatus(400, info, 'w', undefined, 'true');
    expect(f.kind).toEqual({ failover: false, retryable: true, unhealthy: false });
    expect(f.hints.shouldRetry).toBe(true);
    expect(failureFromStatus(401, info, 'w', undefined, 'true').kind).toEqual({ failover: true, retryable: true, unhealthy: false });
    expect(failureFromStatus(503, info, 'w', undefined, 'false').hints.shouldRetry).toBe(false);
    expect(failureFromStatus(400, info, 'w', undefined).kind.retryable).toBe(false);
  });
});

describe('failureFromTransport', () => {
  it('timeouts become 504s, everything else 502s; both fail over', () => {
    const timeout = failureFromTransport(Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'w');
    expect([timeout.error.code, timeout.error.status, timeout.failover]).toEqual(['SY_UPSTREAM_TIMEOUT', 504, true]);
    const refused = failureFromTransport(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'w');
    expect([refused.error.code, refused.error.status, refused.failover]).toEqual(['SY_UPSTREAM_FAILED', 502, true]);
    expect(refused.error.message).toBe('w: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1');
  });
});
