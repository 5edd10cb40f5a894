import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCRIPT_NAMES, computeFeatures, scoreComplexity, type ComplexityFeatures } from '../../engine/src/features.js';
import { CODE_STARTS, LATEX, PHRASES, referenceFeatures } from '../fixtures/features-reference/features-reference.js';

// The core takes most characters on fast paths (runs of letters, spaces, plain punctuation and
// classified non-ASCII, indentation) and leaves the rest to its full state machine; these
// properties hold every feature to a plain reference of the documented definitions, on prompts
// built to cross every border between the two: word starts that may or may not open a phrase,
// sentence ends with a question pending, math and code marks, fences, indentation, LaTeX,
// white space of every kind, scripts and symbols met for the first time and again.

const phraseTexts = PHRASES.map((p) => p.slice(1).replace(/\*$/, ''));
const pieces = {
  words: ['the', 'The', 'a', 'is', 'x', 'X', 'in', 'at', 'do', 'no', 'an', 'th', 'wh', 'sh', 'mus', 'shoulder', 'Mustard',
    'approve', 'However', 'whatever', 'Supercalifragilisticexpialidocious', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ', 'x'.repeat(40)],
  phrases: [...phraseTexts, ...phraseTexts.map((p) => p.toUpperCase()), 'Step-By-Step', 'step\tby\nstep', 'don’t', 'comparison',
    'proves', 'formatting', 'Analyze', 'trade-offs', 'pros  and cons', 'in\u00a0detail'],
  space: [' ', ' ', ' ', '  ', '    ', '\t', '\n', '\n', '\n\n', '\r\n', '\u000b', '\f', '\u00a0', '\u3000', '\u2003', '\u200b', '\ufeff',
    '\u0085', '\u2028', '\u1680'],
  punctuation: ['.', '.', ',', '!', '?', '??', '？', '؟', '。', '！', ';', ':', '::', '=', '==', '=>', '!=', '&&', '||', '&', '|', '{', '}',
    '(', ')', ') {', '){', ') x {', '& &', '| |', ': :', '= =', '! =', '= >', '[', ']', '-', '*', '/', '+', '^', '<', '>', '%', '_', '"', "'", '’', '@', '#', '$', '`', '~', '\\'],
  code: ['```', '~~~', '```py', '``', '~~', ...CODE_STARTS, 'Select ', 'def', 'console.log(x);'],
  latex: [...[...LATEX].map((name) => `\\${name}`), '\\hello', '\\fraction', '\\Frac', '\\abcdefghijklmnopq', '\\frac{1}{2}'],
  numbers: ['0', '7', '42', '3.14', '1e5', '(2', '- 3', '2x', 'x2', '16 - 3', '3*4/2'],
  math: ['≥', '≤', '±', '×', '÷', '√', '∑', '∫', '²', '½', '°', '¬', '′', '⁴', '⌈', '⟨', '⨯', '𝑥', '∞'],
  scripts: ['α', 'β', 'Ω', 'Καλημέρα', 'λόγος', 'ἀρχή', 'Привет', 'мир', '東京', 'ひらがな', 'カタカナ', '한국어', 'مرحبا', 'שלום',
    'नमस्ते', 'สวัสดี', 'გამარჯობა', 'é', 'ß', 'Ž', 'ﬁ', 'Ａ', '１', '\u0301', '\u0483', '々', 'ـ', '\u200d'],
  symbols: ['😀', '👍🏽', '𝔸', '\u{20000}', '\u{e0001}', '\ud800', '\udc00', '\u0000', '\u007f', '\ufffd', '\u00ad', '\u2026', '€'],
};
const piece = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...pieces.words) },
  { weight: 5, arbitrary: fc.constantFrom(...pieces.phrases) },
  { weight: 12, arbitrary: fc.constantFrom(...pieces.space) },
  { weight: 8, arbitrary: fc.constantFrom(...pieces.punctuation) },
  { weight: 3, arbitrary: fc.constantFrom(...pieces.code) },
  { weight: 2, arbitrary: fc.constantFrom(...pieces.latex) },
  { weight: 3, arbitrary: fc.constantFrom(...pieces.numbers) },
  { weight: 2, arbitrary: fc.constantFrom(...pieces.math) },
  { weight: 3, arbitrary: fc.constantFrom(...pieces.scripts) },
  { weight: 1, arbitrary: fc.constantFrom(...pieces.symbols) },
);
// Lines whose ends the code test reads: indentation, then pieces, then a mark and white space.
const line = fc.tuple(
  fc.constantFrom('', ' ', '    ', '   \t', '\t', '\u3000', ' \u00a0', '   \r', '\f\f\f\f', '\u000b   '),
  fc.array(piece, { maxLength: 12 }),
  fc.constantFrom('', ';', '{', '}', ')', '-', '\\pi', '2'),
  fc.constantFrom('', ' ', '\t', '\u00a0', '\u3000', '\u2003 ', '\r'),
).map(([indent, middle, mark, trail]) => indent + middle.join('') + mark + trail);
const prompt = fc.oneof(
  { weight: 6, arbitrary: fc.array(piece, { maxLength: 80 }).map((p) => p.join('')) },
  { weight: 3, arbitrary: fc.array(line, { maxLength: 12 }).map((l) => l.join('\n')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
);

/** The reference's features in the shape computeFeatures returns, the score included. */
function expected(text: string, tokens: number, turns: number): ComplexityFeatures {
  const { script, ...rest } = referenceFeatures(text);
  const features: ComplexityFeatures = { tokens, turns, ...rest, script: SCRIPT_NAMES[script] ?? 'other', complexity: 0 };
  return { ...features, complexity: scoreComplexity(features) };
}

describe('complexity features against the reference definitions', () => {
  it('computes every feature as defined, the first time a character is met and every time after', () => {
    fc.assert(fc.property(prompt, fc.nat(100_000), fc.nat(40), (text, tokens, turns) => {
      const want = expected(text, tokens, turns);
      // The second call sees non-ASCII characters the first one classified.
      expect(computeFeatures(text, tokens, turns)).toEqual(want);
      expect(computeFeatures(text, tokens, turns)).toEqual(want);
    }), { numRuns: 800 });
  });

  it('holds on long prompts where runs cross the 16-byte steps of the letter scan', () => {
    const long = fc.array(fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...pieces.words, ...pieces.phrases) },
      { weight: 2, arbitrary: fc.constantFrom(' ', '\n', '.', ',', '?', '    ') },
      { weight: 1, arbitrary: piece },
    ), { minLength: 50, maxLength: 400 }).map((p) => p.join(''));
    fc.assert(fc.property(long, (text) => {
      expect(computeFeatures(text, 10, 1)).toEqual(expected(text, 10, 1));
    }), { numRuns: 100 });
  });

  it('agrees with the reference on a few prompts read by eye', () => {
    for (const text of [
      'What is 2+2? Explain why, step by step.\n```\nx = 1\n```\n',
      '    indented code;\nLet $x = \\frac{1}{2}$ and α ≥ 0.\nDon’t answer in JSON, at most 3 bullets',
      '東京は日本の首都です。どう思いますか？ Привет, мир! which one\nhow so',
    ]) expect(computeFeatures(text, 7, 2)).toEqual(expected(text, 7, 2));
  });
});
