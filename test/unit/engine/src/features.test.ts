import { describe, expect, it } from 'vitest';
import {
  COMPLEXITY_WEIGHT_NAMES, DEFAULT_COMPLEXITY_WEIGHTS, FEATURE_NAMES, complexityWeightVector, computeFeatures,
  readFeatures, scoreComplexity,
} from '../../../../engine/src/features.js';
import * as f from '../../../../engine/src/features-abi.js';

const feat = (text: string, tokens = 10, turns = 1) => computeFeatures(text, tokens, turns);
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('computeFeatures: counts given by the caller', () => {
  it('passes tokens and turns through and counts code points, not bytes or UTF-16 units', () => {
    const r = feat('héllo 東京 😀', 123, 4);
    expect(r.tokens).toBe(123);
    expect(r.turns).toBe(4);
    expect(r.chars).toBe(10);
  });

  it('has every named feature and nothing else', () => {
    expect(Object.keys(feat('x')).sort()).toEqual([...FEATURE_NAMES].sort());
  });

  it('refuses counts the core cannot hold', () => {
    expect(() => computeFeatures('x', -1, 1)).toThrow(RangeError);
    expect(() => computeFeatures('x', 1, 1.5)).toThrow(RangeError);
  });

  it('handles empty text', () => {
    const r = feat('', 0, 0);
    expect(r).toMatchObject({ chars: 0, code_density: 0, math_density: 0, questions: 0, reasoning: 0, constraints: 0, script: 'none', non_latin_share: 0 });
    expect(r.complexity).toBeCloseTo(sigmoid(DEFAULT_COMPLEXITY_WEIGHTS.bias), 12);
  });
});

describe('code_density', () => {
  it('counts the characters of fenced blocks, fence lines included', () => {
    // "Intro line\n" 11 chars of prose, then 4 + 6 + 4 of fence and code.
    expect(feat('Intro line\n```\nx = 1\n```\n').code_density).toBeCloseTo(14 / 25, 12);
    expect(feat('Intro\n~~~\nanything at all\n~~~').code_density).toBeCloseTo((4 + 16 + 3) / 29, 12);
  });

  it('counts lines indented by 4 columns or a tab, not blank ones', () => {
    expect(feat('text\n    indented\n').code_density).toBeCloseTo(13 / 18, 12);
    expect(feat('text\n\tindented').code_density).toBeCloseTo(9 / 14, 12);
    expect(feat('text\n    \nmore').code_density).toBe(0);
  });

  it('counts lines that open with a code keyword or carry code punctuation', () => {
    for (const line of ['def foo(x):', 'SELECT name FROM users', '#include <stdio.h>', 'import numpy as np',
      'x = compute();', 'if (a) {', 'const f = (a) => a + 1', 'a == b', 'std::vector<int> v', 'ok && done']) {
      expect([line, feat(line).code_density]).toEqual([line, 1]);
    }
  });

  it('leaves prose, capitalized keywords and LaTeX alone', () => {
    for (const line of ['Define the term "class" for me.', 'Select the best answer.', 'Import duties rose in 2023.',
      'Let x = \\frac{1}{2}', 'I like apples, pears and plums']) {
      expect([line, feat(line).code_density]).toEqual([line, 0]);
    }
  });
});

describe('math_density', () => {
  it('counts digits and operators', () => {
    expect(feat('2+2=4').math_density).toBe(1);
    expect(feat('x^2 < 100%').math_density).toBeCloseTo(7 / 10, 12);
  });

  it('counts - * / only next to a number', () => {
    expect(feat('16 - 3').math_density).toBeCloseTo(4 / 6, 12);
    expect(feat('3*4/2').math_density).toBe(1);
    expect(feat('well-known and/or *bold*').math_density).toBe(0);
  });

  it('counts known LaTeX commands, backslash and name', () => {
    // \frac (5) + 1 + 2 of 11 characters; \hello is no command.
    expect(feat('\\frac{1}{2}').math_density).toBeCloseTo(7 / 11, 12);
    expect(feat('\\hello').math_density).toBe(0);
  });

  it('counts math symbols, and Greek letters unless the prompt is Greek', () => {
    expect(feat('√2 ≈ 1.41').math_density).toBeCloseTo(6 / 9, 12);
    expect(feat('let α be small').math_density).toBeCloseTo(1 / 14, 12);
    expect(feat('Καλημέρα κόσμε').math_density).toBe(0);
  });

  it('is zero for prose', () => {
    expect(feat('The quick brown fox jumps over the lazy dog.').math_density).toBe(0);
  });
});

describe('questions', () => {
  it('counts runs of question marks, ASCII, fullwidth and Arabic', () => {
    expect(feat('Really?? Sure? ok').questions).toBe(2);
    expect(feat('这是什么？').questions).toBe(1);
    expect(feat('ما هذا؟').questions).toBe(1);
  });

  it('counts sentences opened by a question word without a question mark, once', () => {
    expect(feat('What is X? Why? How does it work.').questions).toBe(3);
    expect(feat('Which of the following is true\nA. 1\nB. 2').questions).toBe(1);
    expect(feat('how many legs does a spider have').questions).toBe(1);
  });

  it('ignores question words inside a sentence and words that only start like one', () => {
    expect(feat('Explain how it works. However, it is fine. Whatever.').questions).toBe(0);
  });
});

describe('reasoning and constraints', () => {
  it('counts reasoning cues case-insensitively, stems included', () => {
    expect(feat('Think STEP BY STEP and prove it. Compare A and B; explain why.').reasoning).toBe(4);
    expect(feat('A comparison, a derivation and a justification.').reasoning).toBe(3);
    expect(feat('Analyze the trade-offs.').reasoning).toBe(2);
  });

  it('needs a cue to start a word', () => {
    expect(feat('I approve and will improve this.').reasoning).toBe(0);
  });

  it('counts constraints, with either apostrophe', () => {
    const r = feat('You must reply in JSON. Do not use more than 3 items; at most 50 words. Don’t add notes, don\'t apologize.');
    expect(r.constraints).toBe(6);
    expect(feat('Mustard and shoulders, formatting aside.').constraints).toBe(1);
  });
});

describe('script and non_latin_share', () => {
  const cases: [string, string][] = [
    ['Hello world', 'latin'],
    ['Привет, как дела?', 'cyrillic'],
    ['Καλημέρα κόσμε', 'greek'],
    ['مرحبا بالعالم', 'arabic'],
    ['שלום עולם', 'hebrew'],
    ['नमस्ते दुनिया', 'devanagari'],
    ['東京は日本の首都です', 'cjk'],
    ['カタカナとひらがな', 'cjk'],
    ['안녕하세요 세계', 'hangul'],
    ['สวัสดีชาวโลก', 'thai'],
    ['გამარჯობა მსოფლიო', 'other'],
    ['123 + 456 = ?!', 'none'],
  ];
  it.each(cases)('%s -> %s', (text, script) => {
    expect(feat(text).script).toBe(script);
  });

  it('is the share of letters outside Latin', () => {
    expect(feat('Hello мир').non_latin_share).toBeCloseTo(3 / 8, 12);
    expect(feat('Hello world').non_latin_share).toBe(0);
    expect(feat('東京 Tokyo').non_latin_share).toBeCloseTo(2 / 7, 12);
    expect(feat('1 2 3').non_latin_share).toBe(0);
    expect(feat('ＡＢ１２').non_latin_share).toBe(0);
  });

  it('picks the script with the most letters', () => {
    expect(feat('Tokyo is 東京').script).toBe('latin');
    expect(feat('東京都庁 is big').script).toBe('latin');
    expect(feat('東京都庁は big').script).toBe('cjk');
  });
});

describe('complexity score', () => {
  it('stays in [0, 1] and matches scoreComplexity under the defaults', () => {
    for (const text of ['', 'hi', 'Prove that √2 is irrational, step by step.', '```\ncode\n```']) {
      const r = feat(text, 5000, 3);
      expect(r.complexity).toBeGreaterThan(0);
      expect(r.complexity).toBeLessThan(1);
      expect(scoreComplexity(r)).toBeCloseTo(r.complexity, 15);
    }
  });

  it('is higher for obviously harder prompts of the same length', () => {
    const easy = feat('What is the capital of France? Tell me in a few words please.', 15);
    const harder = feat('Prove step by step that the sum of 1/n^2 for n = 1 to 100 is below 2. Justify it.', 15);
    expect(harder.complexity).toBeGreaterThan(easy.complexity);
  });

  it('rises with each input alone', () => {
    const base = feat('Tell me about the weather', 20, 1);
    expect(feat('Tell me about the weather', 2000, 1).complexity).toBeGreaterThan(base.complexity);
    expect(feat('Tell me about the weather', 20, 6).complexity).toBeGreaterThan(base.complexity);
    expect(feat('Tell me about the weather step by step and explain why', 20, 1).complexity).toBeGreaterThan(base.complexity);
    expect(feat('Tell me about the weather in 3^2 + 4^2 = 25', 20, 1).complexity).toBeGreaterThan(base.complexity);
    expect(feat('Tell me about the weather. You must answer in JSON', 20, 1).complexity).toBeGreaterThan(base.complexity);
    expect(feat('```\nTell me about the weather\n```', 20, 1).complexity).toBeGreaterThan(base.complexity);
    expect(feat('Расскажи о погоде', 20, 1).complexity).toBeGreaterThan(base.complexity);
  });

  it('grows monotonically with the prompt length', () => {
    let last = -1;
    for (const tokens of [0, 10, 100, 1000, 10000, 100000]) {
      const c = feat('same text', tokens).complexity;
      expect(c).toBeGreaterThanOrEqual(last);
      last = c;
    }
  });
});

describe('complexity weights', () => {
  it('reads the defaults out of the core, every weight non-negative', () => {
    expect(Object.keys(DEFAULT_COMPLEXITY_WEIGHTS)).toEqual([...COMPLEXITY_WEIGHT_NAMES, 'bias']);
    for (const name of COMPLEXITY_WEIGHT_NAMES) expect(DEFAULT_COMPLEXITY_WEIGHTS[name]).toBeGreaterThanOrEqual(0);
    expect(Object.isFrozen(DEFAULT_COMPLEXITY_WEIGHTS)).toBe(true);
    expect(f.WEIGHTS_SIZE).toBe((f.WEIGHT_COUNT + 1) * 8);
  });

  it('lets a policy override any weight and the bias', () => {
    const r = feat('Prove that 2 + 2 = 4 in JSON', 40);
    const zeros = Object.fromEntries([...COMPLEXITY_WEIGHT_NAMES, 'bias'].map((n) => [n, 0]));
    expect(scoreComplexity(r, zeros)).toBe(0.5);
    expect(scoreComplexity(r, { ...zeros, bias: 2 })).toBeCloseTo(sigmoid(2), 15);
    // Only math weighs: sqrt(math_density / 0.25) is the math input.
    expect(scoreComplexity(r, { ...zeros, math_density: 1 })).toBeCloseTo(sigmoid(Math.min(1, Math.sqrt(r.math_density / 0.25))), 12);
    expect(scoreComplexity(r, { math_density: 10 })).toBeGreaterThan(r.complexity);
    expect(scoreComplexity(r, { bias: -50 })).toBeLessThan(1e-15);
  });

  it('returns 0, not NaN, for a NaN weight', () => {
    expect(scoreComplexity(feat('x'), { tokens: Number.NaN })).toBe(0);
  });

  it('builds the full vector in WEIGHTS order and refuses unknown names', () => {
    const v = complexityWeightVector({ reasoning: 7 });
    expect(v).toHaveLength(f.WEIGHT_COUNT + 1);
    expect(v[f.WGT_REASONING / 8]).toBe(7);
    expect(v[f.WGT_BIAS / 8]).toBe(DEFAULT_COMPLEXITY_WEIGHTS.bias);
    expect(() => complexityWeightVector({ reasonning: 1 })).toThrow(/unknown complexity weight "reasonning"/);
  });

  it('reads a FEATURES record from any view', () => {
    const buffer = new ArrayBuffer(8 + f.FEATURES_SIZE);
    const view = new DataView(buffer);
    view.setFloat64(8 + f.FEAT_SCRIPT, f.SCRIPT_HANGUL, true);
    view.setFloat64(8 + f.FEAT_QUESTIONS, 3, true);
    expect(readFeatures(view, 8)).toMatchObject({ script: 'hangul', questions: 3, tokens: 0 });
  });
});
