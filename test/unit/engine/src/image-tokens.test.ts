import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_RATE, imageRateFor, imageUnits, patchesFor, patchTokens } from '../../../../engine/src/image-tokens.js';

describe('imageRateFor', () => {
  it('matches the longest prefix, whole name or up to a dash', () => {
    expect(imageRateFor('gpt-4o').rate).toEqual({ formula: 'tiles', base: 85, tile: 170 });
    expect(imageRateFor('gpt-4o-mini-2024-07-18').rate).toEqual({ formula: 'tiles', base: 2833, tile: 5667 });
    expect(imageRateFor('gpt-4.1-mini-2025-04-14').rate).toEqual({ formula: 'patches', multiplier: 162, budget: 1536, maxSide: 2048 });
    expect(imageRateFor('gpt-4.1-2025-04-14').rate).toEqual({ formula: 'tiles', base: 85, tile: 170 });
    expect(imageRateFor('o1-pro').rate).toEqual({ formula: 'tiles', base: 75, tile: 150 });
    expect(imageRateFor('computer-use-preview').rate).toEqual({ formula: 'tiles', base: 65, tile: 129 });
    expect(imageRateFor('openai/gpt-5-mini')).toEqual({ rate: { formula: 'patches', multiplier: 162, budget: 1536, maxSide: 2048 }, known: true });
  });

  it('falls back to the GPT-4o formula, unknown, for other names', () => {
    expect(imageRateFor('gpt-5.2')).toEqual({ rate: DEFAULT_IMAGE_RATE, known: false });
    expect(imageRateFor('gpt-4o2')).toEqual({ rate: DEFAULT_IMAGE_RATE, known: false });
    expect(imageRateFor('claude-sonnet-4-5')).toEqual({ rate: DEFAULT_IMAGE_RATE, known: false });
  });
});

describe('patchesFor (OpenAI guide examples, 1,536-patch budget)', () => {
  it.each([
    [1024, 1024, 1024],
    [1800, 2400, 1452],
    // Fitted in 2048 px first: 2048 x 754, 64 x 24 patches, exactly the budget.
    [4000, 1474, 1536],
    [20, 20, 1],
  ])('%i x %i -> %i patches', (w, h, n) => {
    expect(patchesFor(w, h)).toBe(n);
  });

  it('never exceeds the budget', () => {
    for (const [w, h] of [[4096, 4096], [5000, 37], [1537 * 32, 32], [3000, 2999]] as const) expect(patchesFor(w, h)).toBeLessThanOrEqual(1536);
  });

  it('bills ceil(patches x multiplier)', () => {
    expect(patchTokens(1024, 162)).toBe(1659);
    expect(patchTokens(100, 162)).toBe(162);
  });
});

describe('imageUnits', () => {
  it('is exact only for a known size at high detail, or low detail on a tile model', () => {
    const tiles = { formula: 'tiles', base: 85, tile: 170 } as const;
    expect(imageUnits(tiles, 'https://example.com/a.png', 'low')).toEqual({ units: 0, exact: true });
    expect(imageUnits(tiles, 'https://example.com/a.png', 'high')).toEqual({ units: 4, exact: false });
    const patches = imageRateFor('o4-mini').rate;
    expect(imageUnits(patches, 'https://example.com/a.png', 'low')).toEqual({ units: Math.ceil(1024 * 1.72), exact: false });
  });
});
