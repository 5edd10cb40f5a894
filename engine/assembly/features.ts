// Complexity features of a prompt, in one pass over its UTF-8 text, and the complexity score a
// policy routes on. Record layouts in features-layout.ts. No allocation per call: the scratch
// (per-script letter counts, pattern indexes, the fast paths' class tables) is static or made
// once at start. Lookahead stays local (a pattern's length at a word or line start), so the pass
// is linear in the text. Fast paths (below) take the characters that only add to counters.
//
// Definitions (a "character" is a Unicode code point; a "line" ends at "\n", which belongs to it):
//   tokens, turns    as the caller gives them (the core's o200k_base count; user turns).
//   chars            characters in the text.
//   code_density     characters on code-like lines / chars. A line is code-like when it is
//                    inside a ``` or ~~~ fence or is a fence line; or is indented by 4+ columns
//                    (tab = 4) and not blank; or starts (after indentation) with one of
//                    CODE_STARTS (case-sensitive); or ends with `{`, `}` or `;` and holds no
//                    LaTeX command; or contains `=>`, `==`, `!=`, `&&`, `||`, `::`, or a `{`
//                    whose last non-space before it is `)`.
//   math_density     math characters / chars. Math characters: ASCII digits; + = ^ < > %;
//                    - * / when the last non-space before them on the line is a digit or `)`,
//                    or the next character (one space skipped) is a digit or `(`;
//                    a LaTeX command of LATEX (backslash and name); the math code points of
//                    isMathSymbol (± × ÷ √ ∑ ∫ ≤ ...); Greek letters unless Greek is the
//                    prompt's dominant script (then they are letters, else they are not).
//   questions        runs of ? (also ？ and ؟) plus sentences that open with an English question
//                    word (PHRASES marked ?) and end without one. A sentence ends at . ! ? 。 ！ or a
//                    newline, and opens at its first letter.
//   reasoning        occurrences of the PHRASES marked !, constraints those marked #: ASCII
//                    case-insensitive, each starting a word; a cue ending in * is a stem (any
//                    continuation matches: compar* = compare, comparison), others must end a
//                    word; ' matches ' and ’; a space matches one white-space character.
//   script           SCRIPT_* with the most letters (chars.ts scriptOf; ties: lower id).
//   non_latin_share  letters not in the Latin script / letters (0 without letters).
//   complexity       complexityScore() under the default weights.
import {
  FEAT_TOKENS, FEAT_TURNS, FEAT_CHARS, FEAT_CODE_DENSITY, FEAT_MATH_DENSITY, FEAT_QUESTIONS,
  FEAT_REASONING, FEAT_CONSTRAINTS, FEAT_SCRIPT, FEAT_NON_LATIN_SHARE, FEAT_COMPLEXITY,
  SCRIPT_NONE, SCRIPT_LATIN, SCRIPT_GREEK, SCRIPT_COUNT,
  WGT_TOKENS, WGT_TURNS, WGT_CODE_DENSITY, WGT_MATH_DENSITY, WGT_QUESTIONS, WGT_REASONING,
  WGT_CONSTRAINTS, WGT_NON_LATIN_SHARE, WGT_BIAS,
} from "./features-layout";
import { decodeAt, decodedLen, isSpace, isSymbol, scriptOf } from "./chars";

// The default weights, in WEIGHTS order (tokens, turns, code, math, questions, reasoning,
// constraints, non-Latin share, bias), from bench/complexity-fit.ts on the RouteLLM pool of
// ../shared/data/routing (10,820 MMLU, GSM8K and MT-Bench prompts): a logistic regression for
// "Mixtral 8x7B wrong where GPT-4 Turbo was right", weights >= 0. Turns, reasoning, constraints
// and non-Latin share are hand-set, not fitted: those benchmarks are single-turn English
// questions that never ask for steps or formats. AUC of the score for "Mixtral wrong": 0.654 on
// a held-out fifth (0.669 for an unconstrained fit that gives those four negative weights).
const DEFAULT_WEIGHTS = memory.data<f64>([
  2.605, 1.0, 0.303, 1.750, 0.158, 1.0, 0.5, 0.5, -2.844,
]);

/** Address of the default weights (WEIGHTS layout: WEIGHT_COUNT weights, then the bias). */
export function defaultWeightsPtr(): usize { return DEFAULT_WEIGHTS; }

// ---- the score's inputs, each normalized to [0, 1] ----
//   tokens                         log2(1 + tokens) / log2(1 + 16383), capped at 1
//   turns                          log2(max(turns, 1)) / 4, capped (1 turn: 0, 16: 1)
//   code_density, non_latin_share  as they are
//   math_density                   sqrt(math_density / 0.25), capped at 1
//   questions, reasoning,
//   constraints                    log2(1 + count) / 4, capped (15 or more: 1)
// Logarithms because the first question or cue says more than the tenth.

@inline function log2Saturating(count: f64, full: f64): f64 {
  return min(1.0, Math.log2(1.0 + count) / Math.log2(1.0 + full));
}

// A prompt of 16,383 tokens (or more) is as long as the score can tell apart.
const TOKENS_FULL: f64 = 16383;
// 16 user turns or more.
const TURNS_FULL_LOG2: f64 = 4;
// 15 questions, cues or constraints or more.
const COUNT_FULL: f64 = 15;
// A quarter of the characters being math is "all math": formulas are interleaved with words and
// spaces even in the densest prompts. The square root makes the first formulas count most: on
// the fitting data it ranks cheap-model failures better than the linear share (AUC +0.005).
const MATH_FULL: f64 = 0.25;

/**
 * The complexity score in [0, 1] of the FEATURES record at `features` under `weights` (WEIGHTS
 * layout): the logistic function of the bias plus the weighted sum of the normalized inputs.
 * Logistic rather than clamped linear because the default weights are a logistic regression's,
 * so the score reads as the fitted probability that a cheap model gets the prompt wrong; and
 * because it never saturates, the order of two hard prompts survives where a clamp would tie them.
 */
export function complexityScore(features: usize, weights: usize): f64 {
  const turns = max(1.0, load<f64>(features, FEAT_TURNS));
  let z = load<f64>(weights, WGT_BIAS);
  z += load<f64>(weights, WGT_TOKENS) * log2Saturating(load<f64>(features, FEAT_TOKENS), TOKENS_FULL);
  z += load<f64>(weights, WGT_TURNS) * min(1.0, Math.log2(turns) / TURNS_FULL_LOG2);
  z += load<f64>(weights, WGT_CODE_DENSITY) * load<f64>(features, FEAT_CODE_DENSITY);
  z += load<f64>(weights, WGT_MATH_DENSITY) * min(1.0, Math.sqrt(load<f64>(features, FEAT_MATH_DENSITY) / MATH_FULL));
  z += load<f64>(weights, WGT_QUESTIONS) * log2Saturating(load<f64>(features, FEAT_QUESTIONS), COUNT_FULL);
  z += load<f64>(weights, WGT_REASONING) * log2Saturating(load<f64>(features, FEAT_REASONING), COUNT_FULL);
  z += load<f64>(weights, WGT_CONSTRAINTS) * log2Saturating(load<f64>(features, FEAT_CONSTRAINTS), COUNT_FULL);
  z += load<f64>(weights, WGT_NON_LATIN_SHARE) * load<f64>(features, FEAT_NON_LATIN_SHARE);
  // A NaN weight must not leak a NaN score into route matching.
  if (isNaN(z)) return 0;
  return 1.0 / (1.0 + Math.exp(-z));
}

// ---- phrase tables ----

// First character: what the phrase counts as. '?' question word (only at a sentence start),
// '!' reasoning cue, '#' constraint. A trailing '*' makes the phrase a stem.
const KIND_QUESTION: u32 = 1;
const KIND_REASONING: u32 = 2;
const KIND_CONSTRAINT: u32 = 4;
const PHRASES: StaticArray<string> = [
  "?what", "?why", "?how", "?who", "?whom", "?whose", "?which", "?when", "?where",
  // Cues that ask for a chain of reasoning rather than a recalled fact.
  "!step by step", "!step-by-step", "!think through", "!think carefully", "!prove*", "!proving",
  "!proof*", "!derive*", "!deriving", "!derivation*", "!explain why", "!explain how", "!analy*",
  "!compar*", "!contrast*", "!justif*", "!trade-off*", "!tradeoff*", "!trade off*",
  "!pros and cons", "!evaluat*", "!critique*", "!critici*", "!assess*", "!reasoning",
  "!reason about", "!in detail", "!implication*", "!show that", "!demonstrate that",
  // Constraints on the form or content of the answer.
  "#must", "#should", "#shall", "#at most", "#at least", "#exactly", "#no more than",
  "#no less than", "#no fewer than", "#do not", "#don't", "#never", "#always", "#only",
  "#format*", "#json", "#yaml", "#csv", "#markdown", "#bullet*", "#maximum", "#minimum",
  "#limit*", "#require*", "#ensure", "#make sure", "#avoid*", "#without", "#strictly",
  "#respond with", "#reply with", "#answer with",
];

// Line openings (after indentation) that mark code; case-sensitive, so prose is rarely caught.
const CODE_STARTS: StaticArray<string> = [
  "def ", "class ", "function ", "func ", "fn ", "import ", "#include", "#define", "#!/",
  "SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "const ", "let ", "var ", "return ",
  "return;", "public ", "private ", "protected ", "static ", "package ", "using ", "async ",
  "export ", "try:", "try {", "except", "catch", "elif ", "else:", "else {", "for (", "if (",
  "while (", "switch (", "print(", "printf(", "console.", "//", "/*", "<?php", "<html", "<div",
  "#[", "impl ", "struct ", "enum ", "interface ",
];

const LATEX: StaticArray<string> = [
  "frac", "dfrac", "tfrac", "sum", "prod", "int", "iint", "oint", "sqrt", "lim", "infty",
  "partial", "nabla", "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "theta",
  "lambda", "mu", "sigma", "phi", "varphi", "omega", "pi", "cdot", "times", "div", "pm", "mp",
  "leq", "le", "geq", "ge", "neq", "ne", "approx", "equiv", "sim", "propto", "in", "notin",
  "subset", "subseteq", "cup", "cap", "forall", "exists", "log", "ln", "exp", "sin", "cos", "tan",
  "binom", "mathbb", "mathbf", "mathrm", "mathcal", "vec", "hat", "bar", "left", "right", "begin",
  "end", "det", "max", "min", "to", "rightarrow", "Rightarrow", "implies", "iff", "mod", "pmod",
  "dots", "ldots", "cdots",
];

// PHRASES indices bucketed by their first letter: bucketStart[l]..bucketStart[l+1] in phraseOrder;
// CODE_STARTS likewise by first byte in codeStart/codeOrder. Each word or line start then only
// tries the few patterns that can match it.
const bucketStart = new StaticArray<i32>(27);
const phraseOrder = new StaticArray<i32>(PHRASES.length);
const codeStart = new StaticArray<i32>(129);
const codeOrder = new StaticArray<i32>(CODE_STARTS.length);
// Letters of the text per SCRIPT_*, at a fixed address so the scan loops reach it in one load.
const SCRIPT_COUNTS = memory.data(<i32>SCRIPT_COUNT * 4, 4);

@inline function charAt(s: string, i: i32): u32 {
  return <u32>load<u16>(changetype<usize>(s) + (<usize>i << 1));
}

/** Fills `start` (buckets + 1 entries) and `order` so bucket b's patterns are order[start[b]..start[b+1]). */
function buildIndex(patterns: StaticArray<string>, at: i32, base: u32, buckets: i32, start: StaticArray<i32>, order: StaticArray<i32>): void {
  for (let i = 0; i < patterns.length; i++) unchecked(start[<i32>(charAt(unchecked(patterns[i]), at) - base) + 1]++);
  for (let b = 1; b <= buckets; b++) unchecked(start[b] += start[b - 1]);
  const fill = new StaticArray<i32>(buckets);
  for (let i = 0; i < patterns.length; i++) {
    const b = <i32>(charAt(unchecked(patterns[i]), at) - base);
    unchecked(order[start[b] + fill[b]] = i);
    unchecked(fill[b]++);
  }
}
buildIndex(PHRASES, 1, 0x61, 26, bucketStart, phraseOrder);
buildIndex(CODE_STARTS, 0, 0, 128, codeStart, codeOrder);

@inline function foldAscii(b: u32): u32 {
  return b - 0x41 < 26 ? b | 0x20 : b;
}

/** True when the code point at `q` (or the end of the text) does not continue a word. */
function atWordEnd(q: usize, end: usize): bool {
  if (q >= end) return true;
  const cp = decodeAt(q, end);
  return isSpace(cp) || isSymbol(cp);
}

/** True when the pattern `pat` (from its character `from`) matches the text at `p`, rules above. */
function matches(p: usize, end: usize, pat: string, from: i32, caseSensitive: bool): bool {
  const n = pat.length;
  let q = p;
  for (let i = from; i < n; i++) {
    const c = charAt(pat, i);
    if (c == 0x2a && i == n - 1 && !caseSensitive) return true; // '*': a stem
    if (q >= end) return false;
    const b = <u32>load<u8>(q);
    if (c == 0x20 && !caseSensitive) {
      if (!isSpace(b)) return false;
      q++;
    } else if (c == 0x27 && !caseSensitive) {
      if (b == 0x27) q++;
      else if (b == 0xe2 && q + 2 < end && load<u8>(q, 1) == 0x80 && load<u8>(q, 2) == 0x99) q += 3; // ’
      else return false;
    } else {
      if ((caseSensitive ? b : foldAscii(b)) != c) return false;
      q++;
    }
  }
  return caseSensitive || atWordEnd(q, end);
}

/** KIND_* bits of the phrases that start at `p` (an ASCII letter that starts a word). */
function phrasesAt(p: usize, end: usize): u32 {
  const l = <i32>(foldAscii(<u32>load<u8>(p)) - 0x61);
  let kinds: u32 = 0;
  for (let k = unchecked(bucketStart[l]), e = unchecked(bucketStart[l + 1]); k < e; k++) {
    const pat = unchecked(PHRASES[unchecked(phraseOrder[k])]);
    const marker = charAt(pat, 0);
    const kind = marker == 0x3f ? KIND_QUESTION : marker == 0x21 ? KIND_REASONING : KIND_CONSTRAINT;
    if ((kinds & kind) == 0 && matches(p, end, pat, 1, false)) kinds |= kind;
  }
  return kinds;
}

/** True when a line starting at `p` (after indentation, an ASCII byte) opens with one of CODE_STARTS. */
function startsCode(p: usize, end: usize): bool {
  const b = <i32>load<u8>(p);
  for (let k = unchecked(codeStart[b]), e = unchecked(codeStart[b + 1]); k < e; k++) {
    if (matches(p, end, unchecked(CODE_STARTS[unchecked(codeOrder[k])]), 0, true)) return true;
  }
  return false;
}

/** True when a ``` or ~~~ fence starts at `p`. */
@inline function isFence(p: usize, end: usize): bool {
  if (p + 2 >= end) return false;
  const b = load<u8>(p);
  return (b == 0x60 || b == 0x7e) && load<u8>(p, 1) == b && load<u8>(p, 2) == b;
}

/** Characters of a LaTeX command of LATEX whose name starts at `p` (after the backslash), or 0. */
function latexNameLen(p: usize, end: usize): u32 {
  let q = p;
  while (q < end && q - p < 16 && (<u32>load<u8>(q) | 0x20) - 0x61 < 26) q++;
  const n = <i32>(q - p);
  if (n == 0 || n >= 16) return 0;
  for (let i = 0; i < LATEX.length; i++) {
    const s = unchecked(LATEX[i]);
    if (s.length != n) continue;
    let same = true;
    for (let j = 0; j < n; j++) {
      if (<u32>load<u8>(p + <usize>j) != charAt(s, j)) { same = false; break; }
    }
    if (same) return <u32>n;
  }
  return 0;
}

/** True for the Unicode code points that only appear in mathematics (Greek letters aside). */
function isMathSymbol(cp: u32): bool {
  if (cp < 0x2000) {
    return cp == 0xb1 || cp == 0xd7 || cp == 0xf7 || cp == 0xac || cp == 0xb0 || cp == 0xb2 || cp == 0xb3 ||
      cp == 0xb9 || (cp >= 0xbc && cp <= 0xbe);
  }
  return (cp >= 0x2032 && cp <= 0x2034) || (cp >= 0x2070 && cp <= 0x209f) || (cp >= 0x2150 && cp <= 0x22ff) ||
    (cp >= 0x2308 && cp <= 0x230b) || (cp >= 0x27c0 && cp <= 0x27ef) || (cp >= 0x2980 && cp <= 0x2aff) ||
    (cp >= 0x1d400 && cp <= 0x1d7ff);
}

@inline function isDigit(c: u32): bool { return c - 0x30 < 10; }

/** True when the ASCII byte after `p`, one space skipped, is a digit or an opening parenthesis. */
@inline function numberFollows(p: usize, end: usize): bool {
  let q = p;
  if (q < end && load<u8>(q) == 0x20) q++;
  if (q >= end) return false;
  const b = <u32>load<u8>(q);
  return isDigit(b) || b == 0x28;
}

// ---- fast paths ----
// Most characters of a prompt change nothing but a few counters. scanRun() passes over runs of
// them and skipIndent() over indentation, each in a loop of its own: V8 keeps a small loop's
// state in registers, while the full state machine in computeFeatures, with its calls and some
// thirty live values, keeps its state on the stack and costs about 20 ns a character. The fast
// paths stop wherever the state machine must decide, and hand it the state it would have built.
// They change no result: test/property/features.prop.test.ts compares every feature with a plain
// reference of the definitions.

// ASCII_KIND: what a byte is to scanRun().
const K_STOP: u8 = 0;   // "\n", ?, \, bytes that start no 1-3 byte sequence: the state machine's
const K_LETTER: u8 = 1;
const K_SPACE: u8 = 2;
const K_PLAIN: u8 = 3;  // punctuation that only becomes the last non-space character
const K_DIGIT: u8 = 4;
const K_MATH: u8 = 5;   // + ^ < %
const K_EQUALS: u8 = 6; // = (also math; code after = or !)
const K_GREATER: u8 = 7; // > (also math; code after =)
const K_DOUBLE: u8 = 8; // & | : (code when doubled)
const K_BRACE: u8 = 9;  // { (code after a ")")
const K_SIGN: u8 = 10;  // - * / (math next to a number)
const K_END: u8 = 11;   // . ! (end a sentence)
const K_MULTI: u8 = 12; // lead byte of a 2- or 3-byte sequence
const ASCII_KIND = memory.data(256);

// CP_CLASS: what each non-ASCII BMP code point is: bits 0-3 its script, then CP_MATH, CP_WORD and
// its kind (CP_PLAIN, CP_SPACE or CP_STOP; 0 while not met yet). The state machine fills an entry
// from chars.ts the first time it meets the code point, so scanRun() answers exactly as
// scriptOf(), isSymbol(), isSpace() and isMathSymbol() do, without their chains of range tests.
const CP_MATH: u32 = 0x10;
const CP_WORD: u32 = 0x20;
const CP_PLAIN: u32 = 0x40;
const CP_SPACE: u32 = 0x80;
const CP_STOP: u32 = 0xc0; // ？ ؟ 。 ！: the state machine's
const CP_KIND: u32 = 0xc0;
const CP_CLASS = memory.data(0x10000);

/** The CP_CLASS entry of the non-ASCII code point `cp`. */
function classify(cp: u32): u32 {
  const space = isSpace(cp);
  let c = scriptOf(cp);
  if (isMathSymbol(cp)) c |= CP_MATH;
  if (!space && !isSymbol(cp)) c |= CP_WORD;
  if (cp == 0xff1f || cp == 0x61f || cp == 0x3002 || cp == 0xff01) return c | CP_STOP;
  return c | (space ? CP_SPACE : CP_PLAIN);
}

// PHRASE_FILTER: whether any phrase can start at a word whose first letter is l and whose next
// two bytes are of classes c1 and c2 (bit c2 of word l * 32 + c1). Classes: a letter's index,
// or one of PC_*. Most words fail it, and phrasesAt() is not tried on them.
const PC_SPACE: u32 = 26; // what a " " of a phrase matches (isSpace of the byte)
const PC_QUOTE: u32 = 27; // the first byte of what a ' matches
const PC_DASH: u32 = 28;
const PC_OTHER: u32 = 29;
const ALL_CLASSES: u32 = 0xffffffff;
const PHRASE_CLASS = memory.data(256);
const PHRASE_FILTER = memory.data(26 * 32 * 4, 4);

/** Classes of the text bytes that character `k` of `pat` can match; all when unsure. */
function acceptedClasses(pat: string, k: i32): u32 {
  if (k >= pat.length) return ALL_CLASSES; // the word end test accepts bytes of every class
  const c = charAt(pat, k);
  if (c == 0x2a && k == pat.length - 1) return ALL_CLASSES;
  if (c == 0x20) return 1 << PC_SPACE;
  if (c == 0x27) return 1 << PC_QUOTE;
  if (c == 0x2d) return 1 << PC_DASH;
  if (c - 0x61 < 26) return 1 << (c - 0x61);
  return ALL_CLASSES;
}

function buildFastTables(): void {
  for (let b: u32 = 0; b < 256; b++) {
    let k = K_PLAIN;
    if (b >= 0x80) k = b >= 0xc2 && b <= 0xef ? K_MULTI : K_STOP;
    else if ((b | 0x20) - 0x61 < 26) k = K_LETTER;
    else if (isDigit(b)) k = K_DIGIT;
    else if (b == 0x0a || b == 0x3f || b == 0x5c) k = K_STOP;
    else if (b == 0x20 || b - 0x09 < 5) k = K_SPACE;
    else if (b == 0x2b || b == 0x5e || b == 0x3c || b == 0x25) k = K_MATH;
    else if (b == 0x3d) k = K_EQUALS;
    else if (b == 0x3e) k = K_GREATER;
    else if (b == 0x26 || b == 0x7c || b == 0x3a) k = K_DOUBLE;
    else if (b == 0x7b) k = K_BRACE;
    else if (b == 0x2d || b == 0x2a || b == 0x2f) k = K_SIGN;
    else if (b == 0x2e || b == 0x21) k = K_END;
    store<u8>(ASCII_KIND + b, k);
    let c = PC_OTHER;
    if (b < 0x80 && (b | 0x20) - 0x61 < 26) c = (b | 0x20) - 0x61;
    else if (isSpace(b)) c = PC_SPACE; // matches() tests the byte itself, 0x85 and 0xa0 included
    else if (b == 0x27 || b == 0xe2) c = PC_QUOTE;
    else if (b == 0x2d) c = PC_DASH;
    store<u8>(PHRASE_CLASS + b, <u8>c);
  }
  for (let i = 0; i < PHRASES.length; i++) {
    const pat = unchecked(PHRASES[i]);
    const second = acceptedClasses(pat, 2);
    // After a ' (one byte or three) the third byte is not the next phrase character's.
    const c = pat.length > 2 ? charAt(pat, 2) : 0;
    const third = c - 0x61 < 26 || c == 0x20 || c == 0x2d ? acceptedClasses(pat, 3) : ALL_CLASSES;
    const row = PHRASE_FILTER + ((<usize>charAt(pat, 1) - 0x61) << 7);
    for (let k: u32 = 0; k < 32; k++) {
      const at = row + (<usize>k << 2);
      if ((second >> k & 1) != 0) store<u32>(at, load<u32>(at) | third);
    }
  }
}
buildFastTables();

/** False when no phrase can start at the ASCII letter at `p`; true near the end of the text. */
@inline function phraseMayStart(p: usize, end: usize): bool {
  if (p + 2 >= end) return true;
  const l = (<usize>load<u8>(p) | 0x20) - 0x61;
  const c1 = <usize>load<u8>(PHRASE_CLASS + <usize>load<u8>(p, 1));
  const c2 = <u32>load<u8>(PHRASE_CLASS + <usize>load<u8>(p, 2));
  return (load<u32>(PHRASE_FILTER + ((l << 5 | c1) << 2)) >> c2 & 1) != 0;
}

// What scanRun() and skipIndent() passed over, besides where they stopped.
let runChars: u32 = 0;
let runLatin: u32 = 0;
let runMath: u32 = 0;
let runIndent: u32 = 0;
let runWord = false;
let runSig: u32 = 0;
let runLast: u32 = 0;
let runSentence = false;
let runCode = false;

/**
 * Passes over the characters from `p` on that computeFeatures would only count, given its state
 * before `p` (prevWord, lastSig, prevCp, sentenceStart, pendingQuestion; outside indentation),
 * and returns where it stopped: at the end, or at a character of the state machine's (K_STOP,
 * a sentence end while a question is pending, a word start where a phrase may begin, a 4-byte,
 * malformed or not yet classified sequence). Letters of scripts other than Latin go straight to
 * SCRIPT_COUNTS, the rest of the state to the run* globals.
 */
function scanRun(p: usize, end: usize, word: bool, sig: u32, last: u32, sentence: bool, pending: bool): usize {
  let chars: u32 = 0;
  let latin: u32 = 0;
  let math: u32 = 0;
  let code = false;
  while (p < end) {
    const b = <u32>load<u8>(p);
    const k = load<u8>(ASCII_KIND + <usize>b);
    if (k == K_LETTER) {
      if (!word && phraseMayStart(p, end)) break;
      let q = p + 1;
      // Sixteen bytes at a time while they are all letters.
      while (q + 16 <= end) {
        const v = v128.load(q);
        const letters = i8x16.bitmask(i8x16.lt_u(i8x16.sub(v128.or(v, i8x16.splat(0x20)), i8x16.splat(0x61)), i8x16.splat(26)));
        q += <usize>ctz(~letters);
        if (letters != 0xffff) break;
      }
      while (q < end && (<u32>load<u8>(q) | 0x20) - 0x61 < 26) q++;
      const n = <u32>(q - p);
      latin += n;
      chars += n;
      p = q;
      sig = last = <u32>load<u8>(q - 1);
      word = true;
      sentence = false;
      continue;
    }
    if (k == K_SPACE) {
      word = false;
    } else if (k == K_MULTI) {
      // A 2- or 3-byte sequence that decodeAt() would decode; anything else is the state machine's.
      let cp: u32;
      let n: usize = 2;
      if (b < 0xe0) {
        if (p + 1 >= end) break;
        const c1 = <u32>load<u8>(p, 1);
        if ((c1 & 0xc0) != 0x80) break;
        cp = (b & 0x1f) << 6 | (c1 & 0x3f);
      } else {
        if (p + 2 >= end) break;
        const c1 = <u32>load<u8>(p, 1);
        const c2 = <u32>load<u8>(p, 2);
        if ((c1 & 0xc0) != 0x80 || (c2 & 0xc0) != 0x80) break;
        cp = (b & 0x0f) << 12 | (c1 & 0x3f) << 6 | (c2 & 0x3f);
        if (cp < 0x800 || cp - 0xd800 < 0x800) break;
        n = 3;
      }
      const c = <u32>load<u8>(CP_CLASS + <usize>cp);
      const kind = c & CP_KIND;
      if (kind == 0 || kind == CP_STOP) break;
      const script = c & 0x0f;
      if (script != SCRIPT_NONE) {
        const at = SCRIPT_COUNTS + (<usize>script << 2);
        store<u32>(at, load<u32>(at) + 1);
        sentence = false;
      }
      math += c >> 4 & 1;
      word = (c & CP_WORD) != 0;
      if (kind != CP_SPACE) sig = cp;
      last = cp;
      chars++;
      p += n;
      continue;
    } else {
      // ASCII punctuation and digits: what the state machine's math and code tests would do.
      if (k == K_PLAIN) {
        // nothing else
      } else if (k == K_DIGIT || k == K_MATH) {
        math++;
      } else if (k == K_SIGN) {
        if (isDigit(sig) || sig == 0x29 || numberFollows(p + 1, end)) math++;
      } else if (k == K_END) {
        if (pending) break;
        sentence = true;
      } else if (k == K_EQUALS) {
        math++;
        if (last == 0x3d || last == 0x21) code = true;
      } else if (k == K_GREATER) {
        math++;
        if (last == 0x3d) code = true;
      } else if (k == K_DOUBLE) {
        if (last == b) code = true;
      } else if (k == K_BRACE) {
        if (sig == 0x29) code = true;
      } else break;
      word = k == K_DIGIT;
      sig = b;
    }
    last = b;
    chars++;
    p++;
  }
  runChars = chars;
  runLatin = latin;
  runMath = math;
  runWord = word;
  runSig = sig;
  runLast = last;
  runSentence = sentence;
  runCode = code;
  return p;
}

/** Passes over the ASCII white space (but "\n") that indents a line from `p`; returns where it stopped. */
function skipIndent(p: usize, end: usize): usize {
  let indent: u32 = 0;
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (b == 0x20) indent += 1;
    else if (b == 0x09) indent += 4;
    else if (b - 0x0b >= 3) break; // \v \f \r are white space that adds no columns
    p++;
  }
  runIndent = indent;
  return p;
}

/** Writes the FEATURES record for the UTF-8 text at [ptr, ptr+len) to `out`; definitions above. */
export function computeFeatures(ptr: usize, len: u32, tokens: u32, turns: u32, out: usize): void {
  const end = ptr + <usize>len;
  memory.fill(SCRIPT_COUNTS, 0, SCRIPT_COUNT * 4);
  let chars: u32 = 0;
  let math: u32 = 0;
  let latin: u32 = 0; // Latin letters the fast path counted
  let codeChars: u32 = 0;
  let questions: u32 = 0;
  let reasoning: u32 = 0;
  let constraints: u32 = 0;
  // Line state: reset at every "\n".
  let lineChars: u32 = 0;
  let indent: u32 = 0;
  let inIndent = true;
  let lineCode = false;
  let lineLatex = false;
  let fenceLine = false;
  let inFence = false;
  let lastSig: u32 = 0; // last non-space character of the line so far
  // Word and sentence state.
  let prevCp: u32 = 0x20;
  let prevWord = false;
  let sentenceStart = true;
  let pendingQuestion = false;

  let p = ptr;
  while (p <= end) {
    const from = p;
    if (inIndent) {
      p = skipIndent(p, end);
      if (p != from) {
        const n = <u32>(p - from);
        chars += n;
        lineChars += n;
        indent += runIndent;
        prevWord = false;
        prevCp = <u32>load<u8>(p - 1);
      }
    } else {
      p = scanRun(p, end, prevWord, lastSig, prevCp, sentenceStart, pendingQuestion);
      if (p != from) {
        chars += runChars;
        lineChars += runChars;
        latin += runLatin;
        math += runMath;
        prevWord = runWord;
        lastSig = runSig;
        prevCp = runLast;
        sentenceStart = runSentence;
        if (runCode) lineCode = true;
      }
    }

    // The state machine, one character.
    const atEnd = p == end;
    let cp: u32 = 0x0a;
    let n: u32 = 1;
    if (!atEnd) {
      cp = <u32>load<u8>(p);
      if (cp >= 0x80) { cp = decodeAt(p, end); n = decodedLen; }
    }
    if (!atEnd) { chars++; lineChars++; }

    if (cp == 0x0a) {
      if (lineChars > 0) {
        // A LaTeX line ends in } as often as code does, so only code's own marks count there.
        const code = inFence || fenceLine || (indent >= 4 && !inIndent) || lineCode ||
          (!lineLatex && (lastSig == 0x7b || lastSig == 0x7d || lastSig == 0x3b));
        if (code) codeChars += lineChars;
        if (fenceLine) inFence = !inFence;
      }
      if (pendingQuestion) { questions++; pendingQuestion = false; }
      lineChars = 0; indent = 0; inIndent = true; lineCode = false; lineLatex = false; fenceLine = false; lastSig = 0;
      sentenceStart = true; prevWord = false; prevCp = cp;
      p += <usize>n;
      if (atEnd) break;
      continue;
    }

    const ascii = cp < 0x80;
    const space = ascii ? cp == 0x20 || cp - 0x09 < 5 : isSpace(cp);
    if (inIndent) {
      if (cp == 0x20) indent += 1;
      else if (cp == 0x09) indent += 4;
      else if (!space) {
        inIndent = false;
        if (isFence(p, end)) fenceLine = true;
        else if (!inFence && ascii && startsCode(p, end)) lineCode = true;
      }
    }

    // Math. A LaTeX command counts whole at its backslash: its name is ASCII letters, which
    // count as nothing else in math.
    if (cp < 0x80) {
      if (isDigit(cp) || cp == 0x2b || cp == 0x3d || cp == 0x5e || cp == 0x3c || cp == 0x3e || cp == 0x25) math++;
      else if (cp == 0x2d || cp == 0x2a || cp == 0x2f) {
        if (isDigit(lastSig) || lastSig == 0x29 || numberFollows(p + 1, end)) math++;
      } else if (cp == 0x5c) {
        const name = latexNameLen(p + 1, end);
        if (name > 0) { math += 1 + name; lineLatex = true; }
      }
    } else if (isMathSymbol(cp)) math++;

    // Letters and words.
    const script = ascii ? ((cp | 0x20) - 0x61 < 26 ? SCRIPT_LATIN : SCRIPT_NONE) : scriptOf(cp);
    if (script != SCRIPT_NONE) {
      const at = SCRIPT_COUNTS + (<usize>script << 2);
      store<u32>(at, load<u32>(at) + 1);
    }
    if (!ascii && cp < 0x10000 && load<u8>(CP_CLASS + <usize>cp) == 0) store<u8>(CP_CLASS + <usize>cp, <u8>classify(cp));
    const wordChar = ascii ? script != SCRIPT_NONE || cp - 0x30 < 10 : !space && !isSymbol(cp);
    if (wordChar && !prevWord && (cp | 0x20) - 0x61 < 26) {
      const kinds = phrasesAt(p, end);
      if ((kinds & KIND_QUESTION) != 0 && sentenceStart) pendingQuestion = true;
      if ((kinds & KIND_REASONING) != 0) reasoning++;
      if ((kinds & KIND_CONSTRAINT) != 0) constraints++;
    }
    if (script != SCRIPT_NONE) sentenceStart = false;

    // Sentence ends.
    if (cp == 0x3f || cp == 0xff1f || cp == 0x61f) {
      if (!(prevCp == 0x3f || prevCp == 0xff1f || prevCp == 0x61f)) questions++;
      pendingQuestion = false;
      sentenceStart = true;
    } else if (cp == 0x2e || cp == 0x21 || cp == 0x3002 || cp == 0xff01) {
      if (pendingQuestion) { questions++; pendingQuestion = false; }
      sentenceStart = true;
    }

    // Code punctuation.
    if (!space) {
      if ((cp == 0x3e && prevCp == 0x3d) || (cp == 0x3d && (prevCp == 0x3d || prevCp == 0x21)) ||
        (cp == 0x26 && prevCp == 0x26) || (cp == 0x7c && prevCp == 0x7c) || (cp == 0x3a && prevCp == 0x3a) ||
        (cp == 0x7b && lastSig == 0x29)) lineCode = true;
      lastSig = cp;
    }
    prevWord = wordChar;
    prevCp = cp;
    p += <usize>n;
  }

  // Dominant script; Greek letters in a prompt that is not mostly Greek are math symbols.
  store<u32>(SCRIPT_COUNTS + (<usize>SCRIPT_LATIN << 2), load<u32>(SCRIPT_COUNTS + (<usize>SCRIPT_LATIN << 2)) + latin);
  let best: u32 = SCRIPT_NONE;
  let bestCount: u32 = 0;
  let letters: u32 = 0;
  for (let s: u32 = 1; s < SCRIPT_COUNT; s++) {
    const c = load<u32>(SCRIPT_COUNTS + (<usize>s << 2));
    letters += c;
    if (c > bestCount) { best = s; bestCount = c; }
  }
  const greek = load<u32>(SCRIPT_COUNTS + (<usize>SCRIPT_GREEK << 2));
  if (best != SCRIPT_GREEK && greek > 0) {
    math += greek;
    letters -= greek;
  }
  const nonLatin = letters - load<u32>(SCRIPT_COUNTS + (<usize>SCRIPT_LATIN << 2));

  const total = <f64>max<u32>(chars, 1);
  store<f64>(out, <f64>tokens, FEAT_TOKENS);
  store<f64>(out, <f64>turns, FEAT_TURNS);
  store<f64>(out, <f64>chars, FEAT_CHARS);
  store<f64>(out, <f64>codeChars / total, FEAT_CODE_DENSITY);
  store<f64>(out, <f64>math / total, FEAT_MATH_DENSITY);
  store<f64>(out, <f64>questions, FEAT_QUESTIONS);
  store<f64>(out, <f64>reasoning, FEAT_REASONING);
  store<f64>(out, <f64>constraints, FEAT_CONSTRAINTS);
  store<f64>(out, <f64>best, FEAT_SCRIPT);
  store<f64>(out, letters == 0 ? 0.0 : <f64>nonLatin / <f64>letters, FEAT_NON_LATIN_SHARE);
  store<f64>(out, complexityScore(out, DEFAULT_WEIGHTS), FEAT_COMPLEXITY);
}
