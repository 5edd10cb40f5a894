import { describe, expect, it } from 'vitest';
import { RetryBudgets } from '../../../../server/dispatch/retry-budget.js';

const settings = { ratio: 0.2, windowS: 10, floor: 3 };

describe('RetryBudgets', () => {
  it('allows retries up to the floor, then up to the ratio of the window\'s requests', () => {
    let now = 1_000_000;
    const b = new RetryBudgets(() => now);
    for (let i = 0; i < 3; i++) expect(b.tryRetry('p', settings)).toBe(true);
    expect(b.tryRetry('p', settings)).toBe(false);
    for (let i = 0; i < 100; i++) b.request('p', settings);
    // 20% of 100 requests, 3 already taken.
    let granted = 0;
    while (b.tryRetry('p', settings)) granted++;
    expect(granted).toBe(17);
    now += 500;
    expect(b.tryRetry('p', settings)).toBe(false);
  });

  it('forgets requests and retries older than the window', () => {
    let now = 5_000_000;
    const b = new RetryBudgets(() => now);
    for (let i = 0; i < 50; i++) b.request('p', settings);
    while (b.tryRetry('p', settings));
    now += 10_000;
    // A fresh window: the floor again.
    expect([b.tryRetry('p', settings), b.tryRetry('p', settings), b.tryRetry('p', settings), b.tryRetry('p', settings)]).toEqual([true, true, true, false]);
  });

  it('keeps one budget per provider', () => {
    const b = new RetryBudgets(() => 0);
    for (let i = 0; i < 3; i++) b.tryRetry('a', settings);
    expect(b.tryRetry('a', settings)).toBe(false);
    expect(b.tryRetry('b', settings)).toBe(true);
  });
});
