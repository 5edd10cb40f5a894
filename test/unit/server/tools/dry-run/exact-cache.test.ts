import { describe, expect, it } from 'vitest';
import { ExactCache } from '../../../../../server/tools/dry-run/exact-cache.js';

describe('ExactCache', () => {
  it('holds an answer for its TTL, inclusive', () => {
    const cache = new ExactCache(1000);
    expect(cache.has('k', 0)).toBe(false);
    cache.set('k', 0);
    expect(cache.has('k', 1000)).toBe(true);
    expect(cache.has('k', 1001)).toBe(false);
  });

  it('evicts what has expired, so its size follows the prompts within one TTL, not the log', () => {
    const cache = new ExactCache(10_000);
    let largest = 0;
    for (let i = 0; i < 200_000; i++) {
      const at = i * 1000;
      if (!cache.has(`prompt-${i}`, at)) cache.set(`prompt-${i}`, at);
      largest = Math.max(largest, cache.size);
    }
    // One prompt a second for a 10-second TTL: 11 live at most.
    expect(largest).toBe(11);
    expect(cache.peak).toBe(11);
  });

  it('a key set again after it expired keeps its new expiry when the old one is evicted', () => {
    const cache = new ExactCache(1000);
    cache.set('k', 0);
    expect(cache.has('k', 1500)).toBe(false);
    cache.set('k', 1500);
    cache.set('other', 1600);
    expect(cache.has('k', 2400)).toBe(true);
    expect(cache.has('k', 2600)).toBe(false);
    expect(cache.size).toBe(1);
  });
});
