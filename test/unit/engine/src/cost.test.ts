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

  it('applies the batch discount on request', () => {
    expect(costUsd(card, { inputTokens: 1000, outputTokens: 200 }, true)).toBeCloseTo(0.00225, 12);
  });

  it('formats without exponents', () => {
    expect(formatUsd(1.5e-7)).toBe('0.00000015');
    expect(formatUsd(12.345678912)).toBe('12.34567891');
  });
});
