import { describe, expect, it } from 'vitest';
import { costUsd, formatUsd } from '../../../../engine/src/cost.js';

describe('cost', () => {
  it('prices input and output tokens per million', () => {
    expect(costUsd({ inputPerMTok: 2.5, outputPerMTok: 10 }, { inputTokens: 1000, outputTokens: 200 })).toBeCloseTo(0.0045, 12);
    expect(costUsd({ inputPerMTok: 0, outputPerMTok: 0 }, { inputTokens: 1e6, outputTokens: 1e6 })).toBe(0);
  });

  it('formats without exponents', () => {
    expect(formatUsd(1.5e-7)).toBe('0.00000015');
    expect(formatUsd(12.345678912)).toBe('12.34567891');
  });
});
