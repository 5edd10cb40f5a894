// UTF-8 decoding and the character classes that features.ts and embed.ts share. Classes come
// from code point ranges of the Unicode 16 block charts, not from the full property tables: the
// core stays small, and what is approximated (marks and digits of rarer scripts) is said below.
import {
  SCRIPT_NONE, SCRIPT_LATIN, SCRIPT_CYRILLIC, SCRIPT_GREEK, SCRIPT_ARABIC, SCRIPT_HEBREW,
  SCRIPT_DEVANAGARI, SCRIPT_CJK, SCRIPT_HANGUL, SCRIPT_THAI, SCRIPT_OTHER,
} from "./features-layout";

/** Bytes the last decodeAt() consumed (1..4). */
export let decodedLen: u32 = 1;

const REPLACEMENT: u32 = 0xfffd;

@inline function cont(p: usize, end: usize): i32 {
  if (p >= end) return -1;
  const b = <i32>load<u8>(p);
  return (b & 0xc0) == 0x80 ? b & 0x3f : -1;
}

/**
 * The code point starting at `p` (p < end). A malformed or truncated sequence decodes to
 * U+FFFD and consumes one byte, so decoding always advances and never reads past `end`.
 */
export function decodeAt(p: usize, end: usize): u32 {
  const b0 = <u32>load<u8>(p);
  if (b0 < 0x80) { decodedLen = 1; return b0; }
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(p + 1, end);
    if (c1 >= 0) { decodedLen = 2; return ((b0 & 0x1f) << 6) | <u32>c1; }
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(p + 1, end);
    const c2 = cont(p + 2, end);
    if (c1 >= 0 && c2 >= 0) {
      const cp = ((b0 & 0x0f) << 12) | (<u32>c1 << 6) | <u32>c2;
      // Overlong forms and UTF-16 surrogates are not valid UTF-8.
      if (cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff)) { decodedLen = 3; return cp; }
    }
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(p + 1, end);
    const c2 = cont(p + 2, end);
    const c3 = cont(p + 3, end);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) {
      const cp = ((b0 & 0x07) << 18) | (<u32>c1 << 12) | (<u32>c2 << 6) | <u32>c3;
      if (cp >= 0x10000 && cp <= 0x10ffff) { decodedLen = 4; return cp; }
    }
  }
  decodedLen = 1;
  return REPLACEMENT;
}

/** True for ASCII and Unicode white space (Unicode's White_Space property) and U+200B/U+FEFF. */
export function isSpace(cp: u32): bool {
  if (cp < 0x80) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0d);
  return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200b) ||
    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

/** ASCII letter or digit. */
@inline export function isAsciiAlnum(c: u32): bool {
  return (c - 0x30 < 10) || ((c | 0x20) - 0x61 < 26);
}

/**
 * True for punctuation, symbols, controls, emoji and private use: what separates words. Every
 * other non-space code point is part of a word (letters, digits, combining marks).
 */
export function isSymbol(cp: u32): bool {
  if (cp < 0x80) return !isAsciiAlnum(cp) && !isSpace(cp);
  if (cp < 0xc0) return cp != 0xaa && cp != 0xb5 && cp != 0xba; // Latin-1 punctuation and signs
  if (cp < 0x2000) return cp == 0xd7 || cp == 0xf7 || cp == 0x37e || cp == 0x387 ||
    (cp >= 0x55a && cp <= 0x55f) || cp == 0x589 || cp == 0x5be || cp == 0x5c0 || cp == 0x5c3 ||
    cp == 0x5c6 || (cp >= 0x5f3 && cp <= 0x5f4) || (cp >= 0x600 && cp <= 0x60f) || cp == 0x61b ||
    (cp >= 0x61d && cp <= 0x61f) || (cp >= 0x66a && cp <= 0x66d) || cp == 0x6d4 ||
    (cp >= 0x964 && cp <= 0x965) || cp == 0x970 || cp == 0xe3f || cp == 0xe4f || (cp >= 0xe5a && cp <= 0xe5b);
  if (cp < 0x2c00) return cp != 0x200c && cp != 0x200d; // punctuation, symbols, arrows, math, shapes (joiners stay in words)
  if (cp >= 0x2e00 && cp <= 0x2e7f) return true; // supplemental punctuation
  if (cp >= 0x3000 && cp <= 0x303f) return !(cp >= 0x3005 && cp <= 0x3007); // CJK punctuation, but 々〆〇
  if (cp >= 0xd800 && cp <= 0xf8ff) return true; // surrogates, private use
  if (cp >= 0xfe10 && cp <= 0xfe1f) return true;
  if (cp >= 0xfe30 && cp <= 0xfe6f) return true;
  if (cp >= 0xff00 && cp <= 0xffef) return !((cp >= 0xff10 && cp <= 0xff19) || (cp >= 0xff21 && cp <= 0xff3a) ||
    (cp >= 0xff41 && cp <= 0xff5a) || (cp >= 0xff66 && cp <= 0xffdc)); // fullwidth punctuation
  if (cp >= 0xfff0 && cp <= 0xffff) return true; // specials, U+FFFD among them
  if (cp >= 0x1d000 && cp <= 0x1d7ff) return true; // musical and mathematical alphanumeric symbols
  if (cp >= 0x1f000 && cp <= 0x1fbff) return true; // emoji and pictographs
  return cp >= 0xe0000; // tags, variation selectors supplement, private use planes
}

/**
 * True for Han ideographs, Hiragana and Katakana: scripts written without spaces, where each
 * character stands alone as a unit of meaning (embed.ts makes each one a "word").
 */
export function isIdeographic(cp: u32): bool {
  if (cp < 0x3005) return false;
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x3040 && cp <= 0x30ff) ||
    (cp >= 0x3005 && cp <= 0x3007) || (cp >= 0x31f0 && cp <= 0x31ff) || (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xff66 && cp <= 0xff9f) || (cp >= 0x20000 && cp <= 0x3134f);
}

/**
 * The SCRIPT_* of a letter, SCRIPT_NONE for anything that is not one. Exact for the letter
 * ranges of the named scripts (their digits, signs and combining marks are SCRIPT_NONE); any
 * other word character counts as SCRIPT_OTHER, so marks and digits of scripts that have no id
 * here count as their letters.
 */
export function scriptOf(cp: u32): u32 {
  if (cp < 0x80) return (cp | 0x20) - 0x61 < 26 ? SCRIPT_LATIN : SCRIPT_NONE;
  if (cp < 0x250) {
    if (cp == 0xaa || cp == 0xb5 || cp == 0xba) return SCRIPT_LATIN;
    return cp >= 0xc0 && cp != 0xd7 && cp != 0xf7 ? SCRIPT_LATIN : SCRIPT_NONE;
  }
  if (cp < 0x2b0) return SCRIPT_LATIN; // IPA extensions
  if (cp < 0x370) return SCRIPT_NONE; // modifier letters, combining diacritics
  if (cp < 0x400) {
    return cp == 0x374 || cp == 0x375 || cp == 0x37e || cp == 0x384 || cp == 0x385 || cp == 0x387
      ? SCRIPT_NONE : SCRIPT_GREEK;
  }
  if (cp < 0x530) return cp >= 0x483 && cp <= 0x489 ? SCRIPT_NONE : SCRIPT_CYRILLIC;
  if (cp < 0x590) return isSymbol(cp) ? SCRIPT_NONE : SCRIPT_OTHER; // Armenian
  if (cp < 0x600) return (cp >= 0x5d0 && cp <= 0x5ea) || (cp >= 0x5ef && cp <= 0x5f2) ? SCRIPT_HEBREW : SCRIPT_NONE;
  if (cp < 0x700) {
    return (cp >= 0x620 && cp <= 0x64a) || (cp >= 0x66e && cp <= 0x66f) || (cp >= 0x671 && cp <= 0x6d3) ||
      cp == 0x6d5 || (cp >= 0x6e5 && cp <= 0x6e6) || (cp >= 0x6ee && cp <= 0x6ef) || (cp >= 0x6fa && cp <= 0x6fc) ||
      cp == 0x6ff ? SCRIPT_ARABIC : SCRIPT_NONE;
  }
  if (cp >= 0x750 && cp <= 0x77f) return SCRIPT_ARABIC;
  if (cp >= 0x8a0 && cp <= 0x8ff) return cp <= 0x8c9 ? SCRIPT_ARABIC : SCRIPT_NONE;
  if (cp >= 0x900 && cp <= 0x97f) {
    return (cp >= 0x904 && cp <= 0x939) || cp == 0x93d || cp == 0x950 || (cp >= 0x958 && cp <= 0x961) ||
      (cp >= 0x971 && cp <= 0x97f) ? SCRIPT_DEVANAGARI : SCRIPT_NONE;
  }
  if (cp >= 0xe00 && cp <= 0xe7f) {
    return (cp >= 0xe01 && cp <= 0xe30) || (cp >= 0xe32 && cp <= 0xe33) || (cp >= 0xe40 && cp <= 0xe46)
      ? SCRIPT_THAI : SCRIPT_NONE;
  }
  if (cp >= 0x1100 && cp <= 0x11ff) return SCRIPT_HANGUL;
  if (cp >= 0x1c80 && cp <= 0x1c8f) return SCRIPT_CYRILLIC;
  if (cp >= 0x1e00 && cp <= 0x1eff) return SCRIPT_LATIN;
  if (cp >= 0x1f00 && cp <= 0x1fff) return isSymbol(cp) || cp == 0x1fbd || cp >= 0x1fbf && cp <= 0x1fc1 ||
    cp >= 0x1fcd && cp <= 0x1fcf || cp >= 0x1fdd && cp <= 0x1fdf || cp >= 0x1fed && cp <= 0x1fef ||
    cp >= 0x1ffd ? SCRIPT_NONE : SCRIPT_GREEK;
  if (cp >= 0x2c60 && cp <= 0x2c7f) return SCRIPT_LATIN;
  if (cp >= 0x2de0 && cp <= 0x2dff) return SCRIPT_CYRILLIC;
  if (isIdeographic(cp)) return cp == 0x30fb || cp == 0x30a0 || (cp >= 0x3099 && cp <= 0x309c) ? SCRIPT_NONE : SCRIPT_CJK;
  if (cp >= 0x3130 && cp <= 0x318f) return cp >= 0x3131 && cp <= 0x318e ? SCRIPT_HANGUL : SCRIPT_NONE;
  // CJK radicals and Bopomofo (Chinese phonetic letters).
  if ((cp >= 0x2e80 && cp <= 0x2fdf) || (cp >= 0x3100 && cp <= 0x312f) || (cp >= 0x31a0 && cp <= 0x31bf)) return SCRIPT_CJK;
  if (cp >= 0xa640 && cp <= 0xa69f) return SCRIPT_CYRILLIC;
  if (cp >= 0xa720 && cp <= 0xa7ff) return SCRIPT_LATIN;
  if (cp >= 0xa8e0 && cp <= 0xa8ff) return cp >= 0xa8f2 && cp <= 0xa8fe ? SCRIPT_DEVANAGARI : SCRIPT_NONE;
  if (cp >= 0xa960 && cp <= 0xa97f) return SCRIPT_HANGUL;
  if (cp >= 0xab30 && cp <= 0xab6f) return SCRIPT_LATIN;
  if (cp >= 0xac00 && cp <= 0xd7ff) return cp <= 0xd7a3 || cp >= 0xd7b0 ? SCRIPT_HANGUL : SCRIPT_NONE;
  if (cp >= 0xfb00 && cp <= 0xfb06) return SCRIPT_LATIN;
  if (cp >= 0xfb1d && cp <= 0xfb4f) return SCRIPT_HEBREW;
  if (cp >= 0xfb50 && cp <= 0xfdff) return cp == 0xfd3e || cp == 0xfd3f ? SCRIPT_NONE : SCRIPT_ARABIC;
  if (cp >= 0xfe70 && cp <= 0xfefc) return SCRIPT_ARABIC;
  if (cp >= 0xff10 && cp <= 0xff19) return SCRIPT_NONE; // fullwidth digits
  if (cp >= 0xff21 && cp <= 0xff5a) return cp <= 0xff3a || cp >= 0xff41 ? SCRIPT_LATIN : SCRIPT_NONE;
  if (cp >= 0xffa0 && cp <= 0xffdc) return SCRIPT_HANGUL; // halfwidth Hangul
  if (isSymbol(cp) || isSpace(cp)) return SCRIPT_NONE;
  if (cp >= 0x1ab0 && cp <= 0x1aff || cp >= 0x1dc0 && cp <= 0x1dff || cp >= 0xfe00 && cp <= 0xfe0f || cp >= 0xfe20 && cp <= 0xfe2f) {
    return SCRIPT_NONE; // combining marks and variation selectors
  }
  return SCRIPT_OTHER;
}

/**
 * Simple lowercase of the cased alphabets most prompts use: ASCII, Latin-1, Greek, Cyrillic,
 * and fullwidth ASCII folded to ASCII (as NFKC would). Other code points are returned as is.
 */
export function foldCase(cp: u32): u32 {
  if (cp < 0x80) return cp - 0x41 < 26 ? cp | 0x20 : cp;
  if (cp < 0xc0) return cp;
  if (cp <= 0xde) return cp == 0xd7 ? cp : cp + 0x20;
  if (cp >= 0x391 && cp <= 0x3a9) return cp == 0x3a2 ? cp : cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42f) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40f) return cp + 0x50;
  if (cp >= 0xff01 && cp <= 0xff5e) {
    const a = cp - 0xfee0;
    return a - 0x41 < 26 ? a | 0x20 : a;
  }
  return cp;
}
