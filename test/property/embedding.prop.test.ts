import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMBED_DIM, cosineSimilarity, embed } from '../../engine/src/embedding.js';

// Text of every kind: ASCII words, any Unicode (lone surrogates included, which TextEncoder turns
// into U+FFFD), and mixes of scripts the embedding segments differently.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.constantFrom('the', 'Cat', '東京', '서울', 'Привет', '?', ' ', '\n', '42', 'é', '😀', '\u0301'), { maxLength: 40 }).map((w) => w.join('')),
);

/** True when `s` has something other than white space, so its embedding is not zero. */
const hasContent = (s: string): boolean => embed(s).some((x) => x !== 0);

describe('embedding properties', () => {
  it('cosine lies in [-1, 1] and is symmetric', () => {
    fc.assert(fc.property(text, text, (a, b) => {
      const ea = embed(a);
      const eb = embed(b);
      const ab = cosineSimilarity(ea, eb);
      expect(ab).toBeGreaterThanOrEqual(-1);
      expect(ab).toBeLessThanOrEqual(1);
      expect(cosineSimilarity(eb, ea)).toBe(ab);
    }), { numRuns: 300 });
  });

  it('self-similarity is exactly 1 for any text with a non-space character', () => {
    // The core's white space: JavaScript's \s plus U+0085 and U+200B.
    fc.assert(fc.property(text.filter((s) => s.replace(/[\s\u0085\u200b]/gu, '') !== ''), (s) => {
      expect(hasContent(s)).toBe(true);
      expect(cosineSimilarity(embed(s), embed(s))).toBe(1);
    }), { numRuns: 300 });
  });

  it('holds for arbitrary vectors too: bounded, symmetric, 0 against zero', () => {
    const vector = fc.float32Array({ minLength: EMBED_DIM, maxLength: EMBED_DIM, min: -1e3, max: 1e3, noNaN: true });
    fc.assert(fc.property(vector, vector, (a, b) => {
      const ab = cosineSimilarity(a, b);
      expect(Math.abs(ab)).toBeLessThanOrEqual(1);
      expect(cosineSimilarity(b, a)).toBe(ab);
      expect(cosineSimilarity(a, new Float32Array(EMBED_DIM))).toBe(0);
    }), { numRuns: 100 });
  });
});
