// The pre-tokenizers: tiktoken splits text with a regex before BPE, and these two hand-written
// matchers find exactly the pieces that regex finds, one call per piece. The patterns, from
// openai/tiktoken tiktoken_ext/openai_public.py (npm tiktoken 1.0.22 embeds the same strings):
//
// o200k_base, seven alternatives tried in order at the current position:
//   1  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//   2  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//   3  \p{N}{1,3}
//   4   ?[^\s\p{L}\p{N}]+[\r\n/]*
//   5  \s*[\r\n]+
//   6  \s+(?!\S)
//   7  \s+
//
// cl100k_base:
//   1  (?i:'s|'t|'re|'ve|'m|'ll|'d)
//   2  [^\r\n\p{L}\p{N}]?\p{L}+
//   3  \p{N}{1,3}
//   4   ?[^\s\p{L}\p{N}]+[\r\n]*
//   5  \s*[\r\n]+
//   6  \s+(?!\S)
//   7  \s+
//
// tiktoken matches them with fancy-regex over the regex crate: the first alternative that matches
// wins (leftmost-first), and inside one alternative the backtracking order decides, so each
// function below answers "the first way this alternative can match", not "the longest". What
// that means, alternative by alternative:
// - An optional prefix is tried with the character first, then without.
// - o200k 1: UPPER* takes the whole run of [Lu Lt Lm Lo M]; if the next character is Ll the
//   LOWER+ runs from there, otherwise UPPER* gives characters back until one of them is also in
//   the LOWER class (Lm, Lo, M): the match ends after the last such character of the run.
// - (?i:...) is Unicode simple case folding, so 's also matches 'S and 'ſ (U+017F); nothing
//   else folds to t, r, e, v, m, l or d (checked against CaseFolding.txt of Unicode 16).
// - 5: \s* gives back until a \r or \n follows, so the match ends after the LAST \r or \n of the
//   whitespace run.
// - 6: \s+ gives back one character so that whitespace (not \S) follows: the run minus its last
//   character, or the whole run at the end of the text; a lone character falls through to 7.
// - \s is Unicode White_Space (U+0085 yes, U+FEFF and U+200B no); classes come from the
//   Unicode 16.0 tables in generated/unicode.ts.
// Every character matches some alternative and none matches the empty string, so the pieces
// tile the text and each call consumes at least one character.
import {
  C_UPPER, C_LOWER, C_LETTER, C_MARK, C_NUMBER, C_SPACE, C_NEWLINE, C_OTHER,
  CLASS_STAGE1, CLASS_STAGE2, CLASS_BLOCK_SHIFT, CLASS_BLOCK_MASK,
} from "./generated/unicode";

// A decoded character, packed: code point (bits 0..20) | byte width (21..23) | class (24..31).
const WIDTH_SHIFT: u32 = 21;
const CLASS_SHIFT: u32 = 24;
/** What a byte that does not start a valid UTF-8 sequence decodes to: one byte of U+FFFD. */
const INVALID: u32 = 0xfffd | (1 << WIDTH_SHIFT) | (C_OTHER << CLASS_SHIFT);

// Class sets as bit masks over (1 << class).
const UPPER_SET: u32 = (1 << C_UPPER) | (1 << C_LETTER) | (1 << C_MARK);   // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
const LOWER_SET: u32 = (1 << C_LOWER) | (1 << C_LETTER) | (1 << C_MARK);   // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
const LETTER_SET: u32 = (1 << C_UPPER) | (1 << C_LOWER) | (1 << C_LETTER); // \p{L}
const PREFIX_SET: u32 = (1 << C_OTHER) | (1 << C_MARK) | (1 << C_SPACE);   // [^\r\n\p{L}\p{N}]
const PUNCT_SET: u32 = (1 << C_OTHER) | (1 << C_MARK);                     // [^\s\p{L}\p{N}]
const SPACE_SET: u32 = (1 << C_SPACE) | (1 << C_NEWLINE);                  // \s
const NUMBER_SET: u32 = 1 << C_NUMBER;

@inline function widthOf(c: u32): usize {
  return <usize>((c >> WIDTH_SHIFT) & 7);
}

@inline function setOf(c: u32): u32 {
  return <u32>1 << (c >> CLASS_SHIFT);
}

@inline function codePointOf(c: u32): u32 {
  return c & 0x1fffff;
}

@inline function classOfCodePoint(cp: u32): u32 {
  const block = <u32>load<u16>(CLASS_STAGE1 + (<usize>(cp >> CLASS_BLOCK_SHIFT) << 1));
  return <u32>load<u8>(CLASS_STAGE2 + <usize>((block << CLASS_BLOCK_SHIFT) | (cp & CLASS_BLOCK_MASK)));
}

/** The character at `p` (< end), packed as above; never reads at or past `end`. */
@inline function charAt(p: usize, end: usize): u32 {
  const b0 = <u32>load<u8>(p);
  // Block 0 of the class table is U+0000..U+00FF, so an ASCII byte indexes it directly.
  if (b0 < 0x80) return b0 | (1 << WIDTH_SHIFT) | (<u32>load<u8>(CLASS_STAGE2 + <usize>b0) << CLASS_SHIFT);
  return wideCharAt(p, end, b0);
}

// The host's TextEncoder only ever writes valid UTF-8; anything else still decodes, one byte at
// a time as U+FFFD, so no byte sequence can make the matchers read past `end` or trap.
function wideCharAt(p: usize, end: usize, b0: u32): u32 {
  const avail = end - p;
  if (b0 >= 0xc2 && b0 < 0xe0) {
    if (avail < 2) return INVALID;
    const b1 = <u32>load<u8>(p, 1);
    if ((b1 & 0xc0) != 0x80) return INVALID;
    const cp = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
    return cp | (2 << WIDTH_SHIFT) | (classOfCodePoint(cp) << CLASS_SHIFT);
  }
  if (b0 >= 0xe0 && b0 < 0xf0) {
    if (avail < 3) return INVALID;
    const b1 = <u32>load<u8>(p, 1);
    const b2 = <u32>load<u8>(p, 2);
    if (((b1 & 0xc0) != 0x80) || ((b2 & 0xc0) != 0x80)) return INVALID;
    const cp = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
    return cp | (3 << WIDTH_SHIFT) | (classOfCodePoint(cp) << CLASS_SHIFT);
  }
  if (b0 >= 0xf0 && b0 < 0xf5) {
    if (avail < 4) return INVALID;
    const b1 = <u32>load<u8>(p, 1);
    const b2 = <u32>load<u8>(p, 2);
    const b3 = <u32>load<u8>(p, 3);
    if (((b1 & 0xc0) != 0x80) || ((b2 & 0xc0) != 0x80) || ((b3 & 0xc0) != 0x80)) return INVALID;
    const cp = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
    if (cp > 0x10ffff) return INVALID;
    return cp | (4 << WIDTH_SHIFT) | (classOfCodePoint(cp) << CLASS_SHIFT);
  }
  return INVALID;
}

/** End of the optional (?i:'s|'t|'re|'ve|'m|'ll|'d) at `p`: p itself when there is none. */
@inline function contraction(p: usize, end: usize): usize {
  if (p + 1 >= end || load<u8>(p) != 0x27) return p;
  const raw = <u32>load<u8>(p, 1);
  const b1 = raw | 0x20; // ASCII case fold; only letters can fold onto the letters below
  if (b1 == 0x73 || b1 == 0x74 || b1 == 0x6d || b1 == 0x64) return p + 2; // s t m d
  if (p + 2 >= end) return p;
  const b2 = <u32>load<u8>(p, 2);
  if ((b1 == 0x72 || b1 == 0x76) && (b2 | 0x20) == 0x65) return p + 3;   // re ve
  if (b1 == 0x6c && (b2 | 0x20) == 0x6c) return p + 3;                   // ll
  if (raw == 0xc5 && b2 == 0xbf) return p + 3;                           // ſ (U+017F) folds to s
  return p;
}

/** o200k alternative 1 without its prefix, from `start`; 0 when it does not match there. */
function o200kLowerWord(start: usize, end: usize): usize {
  let p = start;
  let afterLower: usize = 0; // just past the last run character that is also in LOWER_SET
  let c: u32 = 0;
  while (p < end) {
    c = charAt(p, end);
    const set = setOf(c);
    if ((set & UPPER_SET) == 0) {
      if (set & (1 << C_LOWER)) {
        p += widthOf(c);
        while (p < end) {
          // Most of a lowercase run in prose is ASCII a-z (\p{Ll}): skip it without the class table.
          if (<u32>load<u8>(p) - 0x61 < 26) { p++; continue; }
          c = charAt(p, end);
          if ((setOf(c) & LOWER_SET) == 0) break;
          p += widthOf(c);
        }
        return contraction(p, end);
      }
      break;
    }
    p += widthOf(c);
    if (set & LOWER_SET) afterLower = p;
  }
  return afterLower == 0 ? 0 : contraction(afterLower, end);
}

/** o200k alternative 2 without its prefix, from `start`; 0 when it does not match there. */
function o200kUpperWord(start: usize, end: usize): usize {
  let p = start;
  while (p < end) {
    const c = charAt(p, end);
    if ((setOf(c) & UPPER_SET) == 0) break;
    p += widthOf(c);
  }
  if (p == start) return 0;
  while (p < end) {
    const c = charAt(p, end);
    if ((setOf(c) & LOWER_SET) == 0) break;
    p += widthOf(c);
  }
  return contraction(p, end);
}

/** End of \p{N}{1,3} whose first character (width w0) is at `s`. */
@inline function numbers(s: usize, w0: usize, end: usize): usize {
  let p = s + w0;
  for (let i = 0; i < 2 && p < end; i++) {
    const c = charAt(p, end);
    if ((setOf(c) & NUMBER_SET) == 0) break;
    p += widthOf(c);
  }
  return p;
}

/** End of the run of [^\s\p{L}\p{N}] from `p`. */
@inline function punctuation(p: usize, end: usize): usize {
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80) {
      if (((1 << load<u8>(CLASS_STAGE2 + <usize>b)) & PUNCT_SET) == 0) break;
      p++;
      continue;
    }
    const c = wideCharAt(p, end, b);
    if ((setOf(c) & PUNCT_SET) == 0) break;
    p += widthOf(c);
  }
  return p;
}

/** End of [\r\n/]* (o200k) from `p`. */
@inline function newlinesOrSlashes(p: usize, end: usize): usize {
  while (p < end) {
    const b = load<u8>(p);
    if (b != 0x0a && b != 0x0d && b != 0x2f) break;
    p++;
  }
  return p;
}

/** End of [\r\n]* (cl100k) from `p`. */
@inline function newlines(p: usize, end: usize): usize {
  while (p < end) {
    const b = load<u8>(p);
    if (b != 0x0a && b != 0x0d) break;
    p++;
  }
  return p;
}

/** Alternatives 5, 6 and 7 (the same in both encodings) at `s`, which holds whitespace. */
function whitespace(s: usize, end: usize): usize {
  let p = s;
  let last = s;           // start of the run's last character
  let afterNewline: usize = 0;
  while (p < end) {
    const c = charAt(p, end);
    const set = setOf(c);
    if ((set & SPACE_SET) == 0) break;
    last = p;
    p += widthOf(c);
    if (set & (1 << C_NEWLINE)) afterNewline = p;
  }
  if (afterNewline != 0) return afterNewline; // \s*[\r\n]+
  if (p == end || last == s) return p;        // \s+(?!\S) at the end of the text, or \s+
  return last;                                // \s+(?!\S)
}

/** End of the o200k_base piece that starts at `s` (s < end). */
export function nextPieceO200k(s: usize, end: usize): usize {
  const c0 = charAt(s, end);
  const set0 = setOf(c0);
  const w0 = widthOf(c0);
  let e: usize = 0;
  // 1 with its prefix, then 1 without, then 2 with, then 2 without.
  const prefixed = (set0 & PREFIX_SET) != 0 && s + w0 < end;
  if (prefixed) {
    e = o200kLowerWord(s + w0, end);
    if (e != 0) return e;
  }
  if (set0 & (UPPER_SET | LOWER_SET)) {
    e = o200kLowerWord(s, end);
    if (e != 0) return e;
  }
  if (prefixed) {
    e = o200kUpperWord(s + w0, end);
    if (e != 0) return e;
  }
  if (set0 & UPPER_SET) {
    e = o200kUpperWord(s, end);
    if (e != 0) return e;
  }
  // Every letter and mark has matched by now.
  if (set0 & NUMBER_SET) return numbers(s, w0, end);
  if (set0 & PUNCT_SET) return newlinesOrSlashes(punctuation(s + w0, end), end);
  if (codePointOf(c0) == 0x20 && s + 1 < end) {
    const c1 = charAt(s + 1, end);
    if (setOf(c1) & PUNCT_SET) return newlinesOrSlashes(punctuation(s + 1 + widthOf(c1), end), end);
  }
  return whitespace(s, end);
}

/** End of the run of \p{L} from `p`. */
@inline function letters(p: usize, end: usize): usize {
  while (p < end) {
    const c = charAt(p, end);
    if ((setOf(c) & LETTER_SET) == 0) break;
    p += widthOf(c);
  }
  return p;
}

/** End of the cl100k_base piece that starts at `s` (s < end). */
export function nextPieceCl100k(s: usize, end: usize): usize {
  const c0 = charAt(s, end);
  const set0 = setOf(c0);
  const w0 = widthOf(c0);
  if (codePointOf(c0) == 0x27) {
    const e = contraction(s, end);
    if (e != s) return e;
  }
  if ((set0 & PREFIX_SET) != 0 && s + w0 < end) {
    const c1 = charAt(s + w0, end);
    if (setOf(c1) & LETTER_SET) return letters(s + w0 + widthOf(c1), end);
  }
  if (set0 & LETTER_SET) return letters(s + w0, end);
  if (set0 & NUMBER_SET) return numbers(s, w0, end);
  if (set0 & PUNCT_SET) return newlines(punctuation(s + w0, end), end);
  if (codePointOf(c0) == 0x20 && s + 1 < end) {
    const c1 = charAt(s + 1, end);
    if (setOf(c1) & PUNCT_SET) return newlines(punctuation(s + 1 + widthOf(c1), end), end);
  }
  return whitespace(s, end);
}
