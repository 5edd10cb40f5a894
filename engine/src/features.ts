/**
 * Complexity features of a prompt and the complexity score routes match on, computed by the
 * core (engine/assembly/features.ts gives each feature's exact definition). Feature and weight
 * names are the ones a policy writes, so they are snake_case here too.
 */
import * as f from './features-abi.js';
import { coreBytes, textCore, writeText } from './text-core.js';

/** Script names by SCRIPT_* id. */
export const SCRIPT_NAMES = ['none', 'latin', 'cyrillic', 'greek', 'arabic', 'hebrew', 'devanagari', 'cjk', 'hangul', 'thai', 'other'] as const;

/** The script most letters of a prompt belong to; `cjk` covers Han, Hiragana and Katakana. */
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/** Every feature of the FEATURES record, in slot order. */
export const FEATURE_NAMES = [
  'tokens', 'turns', 'chars', 'code_density', 'math_density', 'questions', 'reasoning', 'constraints',
  'script', 'non_latin_share', 'complexity',
] as const;

/** The name of a feature. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** The complexity features of one prompt. */
export interface ComplexityFeatures {
  /** Prompt tokens, as given. */
  tokens: number;
  /** User turns, as given. */
  turns: number;
  /** Unicode code points of the text. */
  chars: number;
  /** Share of characters on code-like lines, 0..1. */
  code_density: number;
  /** Share of math characters (digits, operators, LaTeX, math symbols), 0..1. */
  math_density: number;
  /** Questions: runs of `?` plus sentences opened by a question word without one. */
  questions: number;
  /** Reasoning cues ("step by step", "prove", "compare", ...). */
  reasoning: number;
  /** Constraints on the answer ("must", "at most", "json", ...). */
  constraints: number;
  script: ScriptName;
  /** Share of letters outside the Latin script, 0..1. */
  non_latin_share: number;
  /** The complexity score under the default weights, 0..1. */
  complexity: number;
}

/** The inputs of the score's weighted sum, in WEIGHTS order; the bias follows them. */
export const COMPLEXITY_WEIGHT_NAMES = [
  'tokens', 'turns', 'code_density', 'math_density', 'questions', 'reasoning', 'constraints', 'non_latin_share',
] as const;

/** The name of a weight of the complexity score, 'bias' for its constant term. */
export type ComplexityWeightName = (typeof COMPLEXITY_WEIGHT_NAMES)[number] | 'bias';

/** A full set of complexity weights. */
export type ComplexityWeights = Readonly<Record<ComplexityWeightName, number>>;

const SLOTS: Readonly<Record<Exclude<FeatureName, 'script'>, number>> = {
  tokens: f.FEAT_TOKENS,
  turns: f.FEAT_TURNS,
  chars: f.FEAT_CHARS,
  code_density: f.FEAT_CODE_DENSITY,
  math_density: f.FEAT_MATH_DENSITY,
  questions: f.FEAT_QUESTIONS,
  reasoning: f.FEAT_REASONING,
  constraints: f.FEAT_CONSTRAINTS,
  non_latin_share: f.FEAT_NON_LATIN_SHARE,
  complexity: f.FEAT_COMPLEXITY,
};

const WEIGHT_SLOTS: Readonly<Record<ComplexityWeightName, number>> = {
  tokens: f.WGT_TOKENS,
  turns: f.WGT_TURNS,
  code_density: f.WGT_CODE_DENSITY,
  math_density: f.WGT_MATH_DENSITY,
  questions: f.WGT_QUESTIONS,
  reasoning: f.WGT_REASONING,
  constraints: f.WGT_CONSTRAINTS,
  non_latin_share: f.WGT_NON_LATIN_SHARE,
  bias: f.WGT_BIAS,
};

const WEIGHT_NAMES: readonly ComplexityWeightName[] = [...COMPLEXITY_WEIGHT_NAMES, 'bias'];

function view(): DataView {
  const bytes = coreBytes();
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readDefaultWeights(): ComplexityWeights {
  const at = textCore().defaultWeightsPtr();
  const v = view();
  const weights = {} as Record<ComplexityWeightName, number>;
  for (const name of WEIGHT_NAMES) weights[name] = v.getFloat64(at + WEIGHT_SLOTS[name], true);
  return Object.freeze(weights);
}

/** The weights the core uses when a policy overrides none, read from the core itself. */
export const DEFAULT_COMPLEXITY_WEIGHTS: ComplexityWeights = readDefaultWeights();

/**
 * The full weight vector in WEIGHTS order (WEIGHT_COUNT weights, then the bias): `overrides`
 * over the defaults. Throws a RangeError naming an unknown weight.
 */
export function complexityWeightVector(overrides: Readonly<Partial<Record<string, number>>> = {}): number[] {
  for (const name of Object.keys(overrides)) {
    if (!(name in WEIGHT_SLOTS)) {
      throw new RangeError(`unknown complexity weight "${name}"; known: ${WEIGHT_NAMES.join(', ')}`);
    }
  }
  return WEIGHT_NAMES.map((name) => overrides[name] ?? DEFAULT_COMPLEXITY_WEIGHTS[name]);
}

/** The FEATURES record at byte `at` of `v` (a view of core memory) as named features. */
export function readFeatures(v: DataView, at: number): ComplexityFeatures {
  const get = (slot: number): number => v.getFloat64(at + slot, true);
  return {
    tokens: get(f.FEAT_TOKENS),
    turns: get(f.FEAT_TURNS),
    chars: get(f.FEAT_CHARS),
    code_density: get(f.FEAT_CODE_DENSITY),
    math_density: get(f.FEAT_MATH_DENSITY),
    questions: get(f.FEAT_QUESTIONS),
    reasoning: get(f.FEAT_REASONING),
    constraints: get(f.FEAT_CONSTRAINTS),
    script: SCRIPT_NAMES[get(f.FEAT_SCRIPT)] ?? 'other',
    non_latin_share: get(f.FEAT_NON_LATIN_SHARE),
    complexity: get(f.FEAT_COMPLEXITY),
  };
}

/** Writes a FEATURES record at `at`: the inverse of readFeatures (replayed traffic carries features). */
export function writeFeatures(v: DataView, at: number, features: ComplexityFeatures): void {
  const set = (slot: number, value: number): void => v.setFloat64(at + slot, value, true);
  set(f.FEAT_TOKENS, features.tokens);
  set(f.FEAT_TURNS, features.turns);
  set(f.FEAT_CHARS, features.chars);
  set(f.FEAT_CODE_DENSITY, features.code_density);
  set(f.FEAT_MATH_DENSITY, features.math_density);
  set(f.FEAT_QUESTIONS, features.questions);
  set(f.FEAT_REASONING, features.reasoning);
  set(f.FEAT_CONSTRAINTS, features.constraints);
  set(f.FEAT_SCRIPT, Math.max(0, SCRIPT_NAMES.indexOf(features.script)));
  set(f.FEAT_NON_LATIN_SHARE, features.non_latin_share);
  set(f.FEAT_COMPLEXITY, features.complexity);
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${name} must be a whole number in 0..2^32-1, got ${n}`);
}

/** The complexity features of `text` (all message text), given its token count and user turns. */
export function computeFeatures(text: string, tokens: number, turns: number): ComplexityFeatures {
  checkCount('tokens', tokens);
  checkCount('turns', turns);
  const { ptr, len, scratch } = writeText(text, f.FEATURES_SIZE);
  textCore().computeFeatures(ptr, len, tokens, turns, scratch);
  return readFeatures(view(), scratch);
}

/** The complexity score of `features` under `weights` (any not given keep their default). */
export function scoreComplexity(features: ComplexityFeatures, weights: Readonly<Partial<Record<ComplexityWeightName, number>>> = {}): number {
  const { scratch } = writeText('', f.FEATURES_SIZE + f.WEIGHTS_SIZE);
  const v = view();
  for (const [name, slot] of Object.entries(SLOTS)) v.setFloat64(scratch + slot, features[name as keyof typeof SLOTS], true);
  v.setFloat64(scratch + f.FEAT_SCRIPT, Math.max(0, SCRIPT_NAMES.indexOf(features.script)), true);
  const w = scratch + f.FEATURES_SIZE;
  complexityWeightVector(weights).forEach((value, i) => v.setFloat64(w + i * 8, value, true));
  return textCore().complexityScore(scratch, w);
}
