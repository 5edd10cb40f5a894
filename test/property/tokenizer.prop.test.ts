import fc from 'fast-check';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ENCODINGS, countTokens, type EncodingName } from '../../engine/src/tokenizer.js';

const reference = new Map<EncodingName, Tiktoken>();
beforeAll(() => {
  for (const e of ENCODINGS) reference.set(e, get_encoding(e));
});
afterAll(() => {
  for (const enc of reference.values()) enc.free();
});

/** True when the core and tiktoken's encode_ordinary count `text` alike under both encodings. */
function agrees(text: string): boolean {
  for (const encoding of ENCODINGS) {
    const got = countTokens(text, encoding);
    const want = reference.get(encoding)!.encode_ordinary(text).length;
    if (got !== want) throw new Error(`${encoding}: counted ${got}, tiktoken ${want}, for ${JSON.stringify(text)}`);
  }
  return true;
}

// The characters the two regexes treat specially, weighted towards the ones whose handling is
// subtle: apostrophes and the contraction letters in both cases (and ſ, which folds to s),
// digits of several scripts, \r and \n, whitespace that is (U+0085) and is not (U+FEFF) \s,
// letters of every category, marks, and the punctuation that starts or ends pieces.
const tricky = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("'", "'", '’') },
  { weight: 8, arbitrary: fc.constantFrom('s', 'S', 'ſ', 't', 'T', 'r', 'R', 'e', 'E', 'v', 'V', 'm', 'M', 'l', 'L', 'd', 'D') },
  { weight: 4, arbitrary: fc.constantFrom('0', '1', '7', '9', '٣', '²', 'Ⅻ', '١', '５') },
  { weight: 6, arbitrary: fc.constantFrom('\r', '\n', '\r\n') },
  { weight: 8, arbitrary: fc.constantFrom(' ', ' ', ' ', '\t', '\u0085', '\u00a0', '\u3000', '\u2028', '\u000b', '\u1680') },
  { weight: 2, arbitrary: fc.constantFrom('\ufeff', '\u200b', '\u200d', '\u180e') },
  { weight: 8, arbitrary: fc.constantFrom('a', 'x', 'Q', 'é', 'É', 'ǅ', 'ʰ', 'ß', 'ẞ', 'İ', 'ı', 'Σ', 'σ', 'ж', 'Ж', '中', 'の', 'ア', 'ก', 'न', 'ا', '한', '\u{10d50}', '\ua7ce') },
  { weight: 4, arbitrary: fc.constantFrom('\u0301', '\u0308', 'ั', '้', '्', 'ि', 'ः', '\u064b', '\u20dd', '\ufe0f') },
  { weight: 6, arbitrary: fc.constantFrom('.', ',', '!', '?', '/', '/', '-', '_', '(', '"', '<', '|', '>', '@', '#', '…', '—', '😀', '👍🏽', '🇺🇸') },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udc00', '\ufffd') },
  { weight: 3, arbitrary: fc.constantFrom('the', 'The', ' the', "it's", "IT'S", "'ll", "'RE", 'http://a.b/c', '<|endoftext|>', '123', '12345') },
);

describe('countTokens agrees with tiktoken encode_ordinary (o200k_base and cl100k_base)', () => {
  it('on arbitrary full-Unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), agrees), { numRuns: 1000 });
  });

  it('on arbitrary strings of printable graphemes', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), agrees), { numRuns: 500 });
  });

  it('on strings built from the characters the regexes treat specially', () => {
    fc.assert(fc.property(fc.array(tricky, { maxLength: 40 }).map((cs) => cs.join('')), agrees), { numRuns: 3000 });
  });

  it('on long runs, where pieces get long and the merge takes its heap path', () => {
    const run = fc.tuple(fc.array(tricky, { minLength: 1, maxLength: 3 }), fc.integer({ min: 20, max: 700 }))
      .map(([unit, times]) => unit.join('').repeat(times));
    fc.assert(fc.property(fc.array(fc.oneof(run, tricky), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('')), agrees), { numRuns: 300 });
  });
});
