import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMBED_DIM, cosineSimilarity, embed } from '../../../../engine/src/embedding.js';
import { instantiateCore } from '../../../../engine/src/wasm.js';

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const sim = (a: string, b: string): number => cosineSimilarity(embed(a), embed(b));

describe('embed', () => {
  it('returns EMBED_DIM components of unit L2 norm', () => {
    expect(EMBED_DIM).toBe(512);
    for (const text of ['hi', 'How do I reset my password?', '東京', '?!', 'a'.repeat(5000), 'x '.repeat(3000)]) {
      const v = embed(text);
      expect(v).toHaveLength(EMBED_DIM);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('gives the zero vector for empty or blank text, and similarity 0 against it', () => {
    for (const text of ['', '   ', '\n\t \u3000']) expect(norm(embed(text))).toBe(0);
    expect(sim('', 'hello')).toBe(0);
    expect(sim('', '')).toBe(0);
  });

  it('is deterministic within a process and across core instances', () => {
    const text = 'Deterministic: the same bytes, the same vector. 同じ入力、同じベクトル。';
    const a = embed(text);
    embed('something else in between');
    expect(embed(text)).toEqual(a);
    // A text with tens of thousands of distinct features makes the core grow its tables mid-call.
    const huge = Array.from({ length: 6000 }, (_, i) => `w${i * 7919}`).join(' ');
    expect(norm(embed(huge))).toBeCloseTo(1, 5);
    expect(embed(text)).toEqual(a);

    const core = instantiateCore();
    const bytes = new TextEncoder().encode(text);
    const ptr = core.reserveText(bytes.length);
    new Uint8Array(core.memory.buffer).set(bytes, ptr);
    const at = core.embedText(ptr, bytes.length);
    expect(new Float32Array(core.memory.buffer.slice(at, at + EMBED_DIM * 4))).toEqual(a);
  });

  it('keeps its pinned output: changing the embedding invalidates every stored cache vector', () => {
    // Integer hashing and IEEE arithmetic in a fixed order give these bytes on every platform.
    // If this changes on purpose, semantic caches built with the old vectors must be rebuilt.
    const digest = createHash('sha256').update(embed('The quick brown fox jumps over the lazy dog.')).digest('hex');
    expect(digest).toMatchInlineSnapshot(`"5dac1a5f737a7947c76fadf90a4a8d4dee7e341a94abbfc23895084b4141f0f2"`);
  });

  it('ignores case and surrounding white space', () => {
    expect(sim('How do I reset my password?', '  how do i RESET my password?\n')).toBe(1);
  });
});

describe('cosineSimilarity', () => {
  it('is exactly 1 for identical texts', () => {
    for (const text of ['x', 'Summarize the attached report in five bullet points.', '東京は日本の首都です', '?!']) {
      expect(sim(text, text)).toBe(1);
    }
  });

  it('scores paraphrases above unrelated texts of the same shape', () => {
    const cases: [string, string, string][] = [
      ['How can I cancel my subscription?', 'How do I cancel my subscription plan?', 'How can I grow tomatoes indoors?'],
      ['Write a SQL query that counts orders per customer.', 'SQL query to count the orders of each customer', 'Write a haiku about autumn leaves.'],
      ['What is the population of Canada?', 'How many people live in Canada?', 'What is the speed of light?'],
      ['Give me a recipe for chocolate chip cookies.', 'Chocolate chip cookie recipe, please.', 'Give me directions to the airport.'],
      ['Explain the difference between TCP and UDP.', 'What are the differences between UDP and TCP?', 'Explain the rules of chess.'],
    ];
    // A lexical embedding: a paraphrase sharing few words (population / how many people live)
    // scores low in absolute terms, but still clearly above an unrelated question.
    for (const [text, paraphrase, unrelated] of cases) {
      const p = sim(text, paraphrase);
      const u = sim(text, unrelated);
      expect([text, p > u + 0.1]).toEqual([text, true]);
    }
  });

  it('works for CJK through character n-grams', () => {
    const base = '東京は日本の首都です';
    expect(sim(base, '日本の首都は東京です')).toBeGreaterThan(sim(base, '今日は雨が降っています') + 0.2);
    expect(sim('我想学习中文', '我要学习中文')).toBeGreaterThan(sim('我想学习中文', '明天天气很好') + 0.2);
    expect(sim('서울은 한국의 수도입니다', '한국의 수도는 서울입니다')).toBeGreaterThan(sim('서울은 한국의 수도입니다', '오늘은 비가 옵니다'));
  });

  it('matches a float64 dot product of the vectors, and is symmetric', () => {
    const a = embed('The cache compares embeddings of prompts.');
    const b = embed('Prompts are compared by their embeddings in the cache.');
    let dot = 0;
    for (let i = 0; i < EMBED_DIM; i++) dot += a[i]! * b[i]!;
    expect(cosineSimilarity(a, b)).toBeCloseTo(dot, 6);
    expect(cosineSimilarity(a, b)).toBe(cosineSimilarity(b, a));
  });

  it('does not need normalized input and stays in [-1, 1]', () => {
    const a = embed('scale me');
    const scaled = a.map((x) => x * 37.5);
    expect(cosineSimilarity(a, scaled)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(a, a.map((x) => -x))).toBe(-1);
  });

  it('refuses vectors of the wrong size', () => {
    expect(() => cosineSimilarity(new Float32Array(3), new Float32Array(EMBED_DIM))).toThrow(RangeError);
  });
});
