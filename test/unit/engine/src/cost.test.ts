import { describe, expect, it } from 'vitest';
import { costUsd, formatUsd } from '../../../../engine/src/cost.js';

const card = { inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25, batchDiscount: 0.5 };

describe('cost', () => {
  it('prices input and output tokens per million', () => {
    expect(costUsd(card, { inputTokens: 1000, outputTokens: 200 })).toBeCloseTo(0.0045, 12);
    expect(costUsd({ ...card, inputPerMTok: 0, outputPerMTok: 0, cachedInputPerMTok: 0 }, { inputTokens: 1e6, outputTokens: 1e6 })).toBe(0);
  });

  it('prices the cached part of the prompt at the cached-input price', () => {
    // 1000 prompt tokens of which 600 cached: 400 x 2.5 + 600 x 1.25 + 200 x 10, per million.
    expect(costUsd(card, { inputTokens: 1000, cachedInputTokens: 600, outputTokens: 200 })).toBeCloseTo((400 * 2.5 + 600 * 1.25 + 200 * 10) / 1e6, 12);
    // A provider reporting more cached than prompt tokens cannot make the cost negative.
    expect(costUsd(card, { inputTokens: 10, cachedInputTokens: 50, outputTokens: 0 })).toBeCloseTo((10 * 1.25) / 1e6, 12);
  });

  it('prices the part of the prompt written to the cache at the cache write price', () => {
    const anthropic = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75, batchDiscount: 0.5 };
    // 3000 prompt tokens: 1000 read from the cache, 1500 written to it, 500 plain; 100 output.
    const usage = { inputTokens: 3000, cachedInputTokens: 1000, cacheWriteInputTokens: 1500, outputTokens: 100 };
    expect(costUsd(anthropic, usage)).toBeCloseTo((500 * 3 + 1000 * 0.3 + 1500 * 3.75 + 100 * 15) / 1e6, 12);
    expect(costUsd(anthropic, usage, true)).toBeCloseTo((500 * 3 + 1000 * 0.3 + 1500 * 3.75 + 100 * 15) / 2e6, 12);
    // Without a cache write price on the card, writes are input.
    expect(costUsd(card, { inputTokens: 1000, cacheWriteInputTokens: 400, outputTokens: 0 })).toBeCloseTo((1000 * 2.5) / 1e6, 12);
    // Reads and writes together cannot exceed the prompt: the writes are cut to what is left.
    expect(costUsd(anthropic, { inputTokens: 100, cachedInputTokens: 80, cacheWriteInputTokens: 50, outputTokens: 0 })).toBeCloseTo((80 * 0.3 + 20 * 3.75) / 1e6, 12);
  });

  it('applies the batch discount on request', () => {
    expect(costUsd(card, { inputTokens: 1000, outputTokens: 200 }, true)).toBeCloseTo(0.00225, 12);
  });

  it('formats without exponents', () => {
    expect(formatUsd(1.5e-7)).toBe('0.00000015');
    expect(formatUsd(12.345678912)).toBe('12.34567891');
  });
});
