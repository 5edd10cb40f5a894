/**
 * The feature and embedding layouts of the core, mirrored from engine/assembly/features-layout.ts
 * (diagrams and meanings there). test/unit/engine/src/abi.test.ts checks every number here
 * against that file.
 */

export const FEAT_TOKENS = 0;
export const FEAT_TURNS = 8;
export const FEAT_CHARS = 16;
export const FEAT_CODE_DENSITY = 24;
export const FEAT_MATH_DENSITY = 32;
export const FEAT_QUESTIONS = 40;
export const FEAT_REASONING = 48;
export const FEAT_CONSTRAINTS = 56;
export const FEAT_SCRIPT = 64;
export const FEAT_NON_LATIN_SHARE = 72;
export const FEAT_COMPLEXITY = 80;
export const FEATURES_SIZE = 88;

export const SCRIPT_NONE = 0;
export const SCRIPT_LATIN = 1;
export const SCRIPT_CYRILLIC = 2;
export const SCRIPT_GREEK = 3;
export const SCRIPT_ARABIC = 4;
export const SCRIPT_HEBREW = 5;
export const SCRIPT_DEVANAGARI = 6;
export const SCRIPT_CJK = 7;
export const SCRIPT_HANGUL = 8;
export const SCRIPT_THAI = 9;
export const SCRIPT_OTHER = 10;
export const SCRIPT_COUNT = 11;

export const WGT_TOKENS = 0;
export const WGT_TURNS = 8;
export const WGT_CODE_DENSITY = 16;
export const WGT_MATH_DENSITY = 24;
export const WGT_QUESTIONS = 32;
export const WGT_REASONING = 40;
export const WGT_CONSTRAINTS = 48;
export const WGT_NON_LATIN_SHARE = 56;
export const WGT_BIAS = 64;
export const WEIGHT_COUNT = 8;
export const WEIGHTS_SIZE = 72;

export const EMBED_DIM = 512;
export const EMBED_SIZE = 2048;
