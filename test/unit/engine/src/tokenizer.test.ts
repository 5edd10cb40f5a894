import { readFileSync } from 'node:fs';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENCODINGS, ENCODING_IDS, TOKENS_UNAVAILABLE, countTokens, encodingForModel, loadVocabularies, type EncodingName,
} from '../../../../engine/src/tokenizer.js';
import { instantiateCore } from '../../../../engine/src/wasm.js';
import { packagePath } from '../../../../engine/src/package-root.js';

/** The tokenizer's core exports, whether or not abi.ts lists them. */
interface TokenizerCore {
  memory: WebAssembly.Memory;
  reserveText(len: number): number;
  reserveVocab(encoding: number, len: number): number;
  loadVocab(encoding: number, len: number): number;
  countTokens(encoding: number, ptr: number, len: number): number;
}

const reference = new Map<EncodingName, Tiktoken>();
beforeAll(() => {
  for (const e of ENCODINGS) reference.set(e, get_encoding(e));
});
afterAll(() => {
  for (const enc of reference.values()) enc.free();
});

/** What tiktoken (the Rust core, via npm `tiktoken`) counts. */
function expected(text: string, encoding: EncodingName): number {
  return reference.get(encoding)!.encode_ordinary(text).length;
}

function expectAgreement(texts: readonly string[]): void {
  for (const encoding of ENCODINGS) {
    const got = texts.map((t) => [t, countTokens(t, encoding)]);
    const want = texts.map((t) => [t, expected(t, encoding)]);
    expect(got, encoding).toEqual(want);
  }
}

// xorshift32, so the "random" cases are the same on every run.
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

function randomWord(length: number, alphabet: string, seed: number): string {
  const next = random(seed);
  const chars = [...alphabet];
  return Array.from({ length }, () => chars[Math.floor(next() * chars.length)]).join('');
}

describe('countTokens agrees with tiktoken encode_ordinary', () => {
  it('on contractions in every case, including the case-folded ſ', () => {
    expectAgreement([
      "'s 't 're 've 'm 'll 'd", "'S 'T 'RE 'rE 'Re 'VE 'vE 'M 'LL 'lL 'Ll 'D", "'ſ", "dog'ſ", "DOG'ſ", "x'ſx",
      "it's IT'S It'S don't DON'T we're WE'RE we'Re they've THEY'VE I'm I'M we'll WE'LL we'LL he'd HE'D",
      "'", "''", "'''s", "'re'", "'r", "'l", "'v", "'ve'", "'lL'", "ſ's", "'s's", "rock'n'roll", "o'clock",
      "’s it’s", "the dog's 'S'", "ÉCOLE'S", "naïve'll", "中文's", "123's", " 's", "\n's", "!'s", "'s!",
      "ǅ's", "ʰ'll", "a\u0301's", "'ſſ", "'Ss", "'SS", "'ß", "'K", "'İ",
      // Where the fold shows in the count: " I'" is an o200k token, but only inside one piece.
      " I'ſ", "e1 I'ſ", "x I'ſſſIó", " I'S", " I'SS",
    ]);
  });

  it('on letters of every category and on combining marks', () => {
    expectAgreement([
      'e\u0301te\u0301', 'é', '\u0301', '\u0301abc', 'a\u0301\u0301\u0301', ' \u0301', '!\u0301', '\u0301\u0301 x', '1\u0301',
      'ǅungla ǅUNGLA', 'ʰello ʰʰʰ', 'ABCdef', 'ABC', 'ABC DEF', 'ÀÉÎÕÜ', 'HELLO world', 'camelCaseWord', 'XMLHttpRequest',
      'ﬁnance', 'ŉ', 'ΣΑΣ σας', 'İstanbul ısı', 'ẞtraße', 'Ǆ', 'ᾼ', 'Aʰb', 'AʰB', 'ʰA', 'aʰB', 'A\u0301B', 'Ab\u0301C',
      // U+A7CE and U+10940 are letters since Unicode 17 (Node's RegExp) but unassigned in 16.0 (tiktoken).
      'x\ua7ce y \ua7cey', '\u{10940}\u{10941}a', 'a\u0897b', '\u{16ff0}\u{16ff1}',
      // Letters new in Unicode 16.0 (Garay, Todhri), which older tables would not know.
      '\u{10d50}\u{10d70}\u{10d71} \u{105c0}\u{105c1}',
    ]);
  });

  it('on every script', () => {
    expectAgreement([
      '你好，世界！这是一个测试。', '日本語のテキストです。カタカナとひらがな、漢字。', 'ｶﾀｶﾅ ＡＢＣ', '안녕하세요 세계! 한국어 텍스트', '각',
      'مرحبا بالعالم', 'مَرْحَبًا بِكُمْ', 'שָׁלוֹם עוֹלָם', 'नमस्ते दुनिया, हिन्दी में क्षत्रिय और स्त्री',
      'স্বাগতম বাংলা', 'வணக்கம் உலகம்', 'สวัสดีชาวโลก ภาษาไทยเป็นภาษาที่ไม่มีช่องว่าง', 'ສະບາຍດີ', 'မင်္ဂလာပါ',
      'გამარჯობა', 'Բարեւ', 'Привет, мир! ЁЖИК ёжик', 'Καλημέρα κόσμε ΑΒΓ', 'ሰላም', 'ᓀᐦᐃᔭᐍᐏᐣ', '𝐀𝐁𝐂 𝒂𝒃𝒄',
      '👩‍👩‍👧‍👦 family', '👍🏽👍🏿', '🇺🇸🇯🇵🇩🇪', '🏳️‍🌈', '❤️ ✨', '1️⃣ #️⃣', '🧑🏻‍💻 coding', '😀😃😄😁',
    ]);
  });

  it('on digit runs of every length and every kind of number', () => {
    const runs = Array.from({ length: 25 }, (_, i) => '1234567890'.repeat(3).slice(0, i + 1));
    expectAgreement([
      ...runs, ...runs.map((r) => ` ${r}`), ...runs.map((r) => `x${r}y`),
      '٣٤٥٦٧', '²³¹', 'Ⅻ Ⅷ', '½ ¾', '１２３４５', '१२३४५६', '𝟏𝟐𝟑', '1,234,567.89', '3.14159265', '0x1F2E', '12ab34', 'a1b2c3',
      '2024-01-15T10:30:00Z', '+1 (555) 123-4567', '1e-10', '١٢٣abc',
    ]);
  });

  it('on whitespace runs of every kind', () => {
    expectAgreement([
      ' ', '  ', '   x', '    x', '\t', '\t\t', '\tx', '\t\tx', '\n', '\n\n', '\n\n\n', '\r\n', '\r\n\r\n', '\r', '\r\r\n',
      ' \n', '  \n  ', 'a  \nb', 'a \r\n b', 'a\n \n b', '\n  \n  x', ' \t\n \t x', 'trailing   ', 'trailing   \n',
      'line  \nline  \r\nline', 'x\u0085y', 'x \u0085 y', 'x\u0085\u0085', '\u00a0', 'a\u00a0b', 'a \u00a0b', '\u3000\u3000x', 'a\u3000b',
      'a\ufeffb', '\ufeff', ' \ufeff', '\u200b', 'a\u200bb', '\u2028', 'a\u2029b', '\v\f', 'a\v\fb', '\u1680x', '\u2000\u200a x',
      '\u180e', ' \u202f \u205f', '   ', ' '.repeat(17), '\n'.repeat(9) + 'x', ' \n'.repeat(7), '\t \t \n \t',
    ]);
  });

  it('on punctuation, slashes, URLs and code', () => {
    expectAgreement([
      '!!!', '...', ' ...', ' !x', '?!\n/', 'a/b/c', '//comment\n//', '/\n/\n', '!!\r\n/\r\n', ' /// ', '!/x', '!\n\n/\n',
      'http://example.com/path?q=1&r=2#frag', 'C:\\Users\\name\\file.txt', '~/.config/app.json', '<div class="x">hi</div>',
      'function f(a, b) {\n  return a + b; // sum\n}\n', 'def f(x):\n\treturn {"k": [1, 2.5, None]}\n',
      '{"name":"switchyard","version":"0.1.0","nested":{"a":[1,2,3]}}', 'SELECT * FROM t WHERE id = 42;',
      'aGVsbG8gd29ybGQhIFRoaXMgaXMgYmFzZTY0IGVuY29kZWQgdGV4dC4=', '550e8400-e29b-41d4-a716-446655440000',
      'deadbeefcafebabe0123456789abcdef', '«quoted» „deutsch“ “curly”', '—–-', '…', '©®™', '$€¥£', '∑∫√∞≠',
      '¿Qué? ¡Sí!', '#hashtag @mention', 'snake_case_name CONSTANT_NAME', '__init__', '==>', '!=', '&&||',
    ]);
  });

  it('on text that looks like special tokens (counted as ordinary text)', () => {
    expectAgreement([
      '<|endoftext|>', 'a<|endoftext|>b', '<|fim_prefix|>x<|fim_middle|>y<|fim_suffix|>', '<|endofprompt|>',
      '<|im_start|>user\nhi<|im_end|>', '<|endoftext|><|endoftext|>', '< |endoftext| >',
    ]);
  });

  it('on lone surrogates, which both sides see as U+FFFD', () => {
    expectAgreement(['\ud800', 'a\udc00b', '\ud83d', '\ud83d!', '\udfff\ud800', 'x\ud800\ud800y', ' \udc00', '\ufffd', '😀\ud800😀']);
  });

  it('on prose', () => {
    expectAgreement([
      "Hello, World! I'm here. It's 3:45pm and we've got 12 apples.",
      'The quick brown fox jumps over the lazy dog.\n\nTHE QUICK BROWN FOX!\r\n',
      'Über die Brücke gehen Straßenbahnen; «élève», naïve café, coöperate, façade.',
    ]);
  });

  it('on long words: merged the same way as tiktoken merges them', () => {
    expectAgreement([
      'a'.repeat(3000), '!'.repeat(3000), 'ab'.repeat(1500), 'Ã'.repeat(1000), 'ʰ'.repeat(1000), '中'.repeat(1000),
      ' '.repeat(2000) + 'x', '\n'.repeat(1000), '9'.repeat(3001), '\u0301'.repeat(500),
      randomWord(2500, 'abcdefghijklmnopqrstuvwxyz', 1), randomWord(2500, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 2),
      randomWord(1500, 'éèàçœ', 3), randomWord(2000, '!@#$%^&*()[]{}<>', 4), randomWord(1000, 'أبتثجحخ', 5),
      randomWord(3000, '0123456789abcdef', 6), // hex: letters and digit runs interleave
    ]);
  });

  it('on this repository\'s own sources, a file at a time', () => {
    const files = ['README.md', 'engine/assembly/pretokenize.ts', 'engine/assembly/bpe.ts', 'engine/src/tokenizer.ts', 'package.json'];
    expectAgreement(files.map((f) => readFileSync(packagePath(f), 'utf8')));
  });
});

describe('countTokens on megabyte-long words', () => {
  // tiktoken aborts on these (fancy-regex's backtrack limit) and its quadratic merge would take
  // hours, so the reference is tiktoken's own count on a shorter run of the same period.
  it('counts a million "!" as tiktoken counts 16,000 of them, times 62.5', () => {
    const reference16k = expected('!'.repeat(16_000), 'o200k_base');
    expect(countTokens('!'.repeat(1_000_000), 'o200k_base')).toBe(reference16k * 62.5);
  });

  it('counts a million letters without failing', () => {
    for (const encoding of ENCODINGS) {
      const same = countTokens('a'.repeat(1_000_000), encoding);
      expect(same).toBe(expected('a'.repeat(8_000), encoding) * 125);
      const mixed = countTokens(randomWord(1_000_000, 'abcdefghijklmnopqrstuvwxyz', 9), encoding);
      expect(mixed).toBeGreaterThan(1_000_000 / 128);
      expect(mixed).toBeLessThan(1_000_000);
    }
  });
});

describe('the core behind countTokens', () => {
  /** A new core instance, and the same instance with its vocabularies loaded when `loaded`. */
  function freshCore(loaded: boolean): TokenizerCore {
    const exports = instantiateCore();
    if (loaded) loadVocabularies(exports);
    return exports as unknown as TokenizerCore;
  }

  function count(core: TokenizerCore, encoding: number, bytes: Uint8Array): number {
    const ptr = core.reserveText(Math.max(bytes.length, 1));
    new Uint8Array(core.memory.buffer, ptr, bytes.length).set(bytes);
    return core.countTokens(encoding, ptr, bytes.length) >>> 0;
  }

  it('answers TOKENS_UNAVAILABLE until the vocabulary is loaded, and for unknown encodings', () => {
    const text = new TextEncoder().encode('hello world');
    expect(count(freshCore(false), ENCODING_IDS.o200k_base, text)).toBe(TOKENS_UNAVAILABLE);
    const core = freshCore(true);
    expect(count(core, ENCODING_IDS.o200k_base, text)).toBe(2);
    expect(count(core, 7, text)).toBe(TOKENS_UNAVAILABLE);
  });

  it('refuses damaged or mismatched vocabulary binaries with a VOCAB_* code, and keeps no half-loaded one', () => {
    const core = freshCore(false);
    const good = readFileSync(packagePath('engine', 'build', 'o200k_base.bin'));
    const load = (encoding: number, bytes: Uint8Array): number => {
      const ptr = core.reserveVocab(encoding, bytes.length) >>> 0;
      if (ptr === 0) return -1;
      new Uint8Array(core.memory.buffer, ptr, bytes.length).set(bytes);
      return core.loadVocab(encoding, bytes.length);
    };
    const damaged = (at: number, value: number): Uint8Array => {
      const copy = Uint8Array.from(good);
      copy[at] = value;
      return copy;
    };
    expect(load(5, good)).toBe(-1); // no buffer for an unknown encoding
    expect(core.loadVocab(5, 10)).toBe(1);
    expect(load(0, good.subarray(0, 20))).toBe(3);
    expect(load(0, good.subarray(0, good.length - 8))).toBe(3);
    expect(load(0, damaged(0, 0))).toBe(4);
    expect(load(0, damaged(4, 9))).toBe(5);
    expect(load(1, good)).toBe(6);
    expect(load(0, damaged(good.length - 1, good[good.length - 1]! ^ 1))).toBe(8);
    expect(count(core, 0, new TextEncoder().encode('hi'))).toBe(TOKENS_UNAVAILABLE);
    expect(load(0, good)).toBe(0);
    expect(count(core, 0, new TextEncoder().encode('hi'))).toBe(1);
  });

  it('never traps on bytes that are not UTF-8', () => {
    const core = freshCore(true);
    const next = random(42);
    const samples = [
      [0xff], [0xc0, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80, 0x80, 0x27, 0xc5],
      [0x27, 0xc5], [0x20, 0xff, 0x20], Array.from({ length: 5000 }, () => Math.floor(next() * 256)),
    ];
    for (const bytes of samples) {
      for (const encoding of ENCODINGS) {
        const n = count(core, ENCODING_IDS[encoding], Uint8Array.from(bytes));
        expect(n).toBeGreaterThan(0);
        expect(n).toBeLessThanOrEqual(bytes.length);
      }
    }
  });

  it('allocates nothing per call once its buffers fit', () => {
    const core = freshCore(true);
    const text = new TextEncoder().encode(readFileSync(packagePath('README.md'), 'utf8') + 'x'.repeat(5000));
    count(core, 0, text);
    count(core, 1, text);
    const size = core.memory.buffer.byteLength;
    for (let i = 0; i < 200; i++) count(core, i & 1, text);
    expect(core.memory.buffer.byteLength).toBe(size);
  });
});

describe('encodingForModel', () => {
  it('maps OpenAI model names to their encoding', () => {
    const o200k = ['gpt-4o', 'gpt-4o-mini', 'gpt-4o-2024-08-06', 'chatgpt-4o-latest', 'gpt-4.1', 'gpt-4.1-nano', 'o1', 'o1-mini',
      'o3', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5.1', 'openai/gpt-4o', 'ft:gpt-4o-mini:org::abc', 'GPT-4o'];
    const cl100k = ['gpt-4', 'gpt-4-turbo', 'gpt-4-0613', 'gpt-4-32k', 'gpt-3.5-turbo', 'gpt-3.5-turbo-16k', 'gpt-35-turbo',
      'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002'];
    const unknown = ['claude-sonnet-4', 'gemini-2.5-pro', 'llama-3.1-70b', 'davinci', 'o100', 'gpt-40', 'gpt-4.2', '', 'mistral-large'];
    expect(o200k.map(encodingForModel)).toEqual(o200k.map(() => 'o200k_base'));
    expect(cl100k.map(encodingForModel)).toEqual(cl100k.map(() => 'cl100k_base'));
    expect(unknown.map(encodingForModel)).toEqual(unknown.map(() => null));
  });
});
