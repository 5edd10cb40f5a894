// Byte layouts of the complexity features and of the text embedding (engine/src/features-abi.ts
// mirrors every number here; test/unit/engine/src/abi.test.ts checks that). Little-endian.
// features.ts defines each feature exactly; this file only says where it lives.

// FEATURES: the complexity features of one prompt, every slot an f64.
//
//   0                 8                 16                24
//   +-----------------+-----------------+-----------------+
//   | tokens          | turns           | chars           |   0
//   +-----------------+-----------------+-----------------+
//   | code_density    | math_density    | questions       |  24
//   +-----------------+-----------------+-----------------+
//   | reasoning       | constraints     | script (id)     |  48
//   +-----------------+-----------------+-----------------+
//   | non_latin_share | complexity      |                    72..88
//   +-----------------+-----------------+
//
// Counts are whole numbers stored as f64 so the record is one type; `script` is a SCRIPT_* id.
export const FEAT_TOKENS: u32 = 0;
export const FEAT_TURNS: u32 = 8;
export const FEAT_CHARS: u32 = 16;
export const FEAT_CODE_DENSITY: u32 = 24;
export const FEAT_MATH_DENSITY: u32 = 32;
export const FEAT_QUESTIONS: u32 = 40;
export const FEAT_REASONING: u32 = 48;
export const FEAT_CONSTRAINTS: u32 = 56;
export const FEAT_SCRIPT: u32 = 64;
export const FEAT_NON_LATIN_SHARE: u32 = 72;
/** The score under the default weights; complexityScore() recomputes it under others. */
export const FEAT_COMPLEXITY: u32 = 80;
export const FEATURES_SIZE: u32 = 88;

// FEAT_SCRIPT values: the script most letters of the prompt belong to (SCRIPT_NONE: no letters).
export const SCRIPT_NONE: u32 = 0;
export const SCRIPT_LATIN: u32 = 1;
export const SCRIPT_CYRILLIC: u32 = 2;
export const SCRIPT_GREEK: u32 = 3;
export const SCRIPT_ARABIC: u32 = 4;
export const SCRIPT_HEBREW: u32 = 5;
export const SCRIPT_DEVANAGARI: u32 = 6;
/** Han, Hiragana and Katakana together: Japanese mixes all three. */
export const SCRIPT_CJK: u32 = 7;
export const SCRIPT_HANGUL: u32 = 8;
export const SCRIPT_THAI: u32 = 9;
export const SCRIPT_OTHER: u32 = 10;
export const SCRIPT_COUNT: u32 = 11;

// WEIGHTS: the complexity score's weights, one f64 per normalized input, then the bias.
//
//   0        8        16       24       32       40       48       56       64       72
//   +--------+--------+--------+--------+--------+--------+--------+--------+--------+
//   | tokens | turns  |  code  |  math  |question|reasong |constrnt|nonlatin|  bias  |
//   +--------+--------+--------+--------+--------+--------+--------+--------+--------+
export const WGT_TOKENS: u32 = 0;
export const WGT_TURNS: u32 = 8;
export const WGT_CODE_DENSITY: u32 = 16;
export const WGT_MATH_DENSITY: u32 = 24;
export const WGT_QUESTIONS: u32 = 32;
export const WGT_REASONING: u32 = 40;
export const WGT_CONSTRAINTS: u32 = 48;
export const WGT_NON_LATIN_SHARE: u32 = 56;
export const WGT_BIAS: u32 = 64;
/** Weighted inputs, the bias not included. */
export const WEIGHT_COUNT: u32 = 8;
export const WEIGHTS_SIZE: u32 = 72;

// EMBEDDING: EMBED_DIM f32 components, L2-normalized (all zero for a text with nothing to embed).
// 512 and not 256: signed feature hashing adds a cosine noise of about 1/sqrt(EMBED_DIM) between
// unrelated texts, and a semantic cache's threshold has to clear it (measured in embed.ts:
// noise sd 0.060 at 256, 0.040 at 512). 2 KB per stored vector; the dot product is 128 SIMD steps.
export const EMBED_DIM: u32 = 512;
export const EMBED_SIZE: u32 = 2048;
