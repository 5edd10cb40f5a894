// Byte string -> rank lookup over a vocabulary binary written by engine/gen/vocab.mjs. The table
// is laid out at generation time, so loading is the host's memcpy plus validate() here, which
// checks every slot once; after that no lookup can read outside the binary or probe forever.
//
// VOCAB binary, little-endian:
//
//   0        4        8        12       16       20       24       28       32
//   +--------+--------+--------+--------+--------+--------+--------+--------+
//   | magic  | format |encoding| tokens |max_len |tbl_bits|blob_len|checksum|
//   +--------+--------+--------+--------+--------+--------+--------+--------+
//   | slots: 2^tbl_bits u64, open addressing with linear probing          |  32
//   +---------------------------------------------------------------------+
//   | blob: the bytes of every token longer than 4 bytes, blob_len bytes    |
//   +---------------------------------------------------------------------+
//
// One slot (u64); an all-zero slot is empty (no token has length 0):
//
//   0                               32        40                  58     64
//   +-------------------------------+---------+-------------------+------+
//   | payload: the bytes, packed LE |  len    |       rank        | tag  |
//   | (len <= 4) or blob offset     | 1..255  |     < 2^18        | 6 b  |
//   +-------------------------------+---------+-------------------+------+
//
// A slot's home is the top tbl_bits of hashBytes(token); tag is its low 6 bits, so a probe
// rarely reads the blob for a token that merely shares a length. Tokens of <= 4 bytes (a
// quarter of o200k, most of what BPE merges look up) compare in the slot without touching the blob.

/** The layout version; engine/gen/vocab.mjs writes the same number. */
export const VOCAB_FORMAT: u32 = 1;
export const VOCAB_MAGIC: u32 = 0x50425953; // "SYBP"
export const VOCAB_HEADER_SIZE: u32 = 32;
/** rankOf's answer for a byte string that is not a token. */
export const NO_RANK: u32 = 0xffffffff;

// loadVocab results (tokenizer.ts returns them to the host).
export const VOCAB_OK: u32 = 0;
/** The encoding argument is neither ENCODING_O200K nor ENCODING_CL100K. */
export const VOCAB_BAD_ENCODING: u32 = 1;
/** loadVocab without a reserveVocab of at least `len` bytes for that encoding. */
export const VOCAB_NOT_RESERVED: u32 = 2;
/** Shorter than its header, or its length is not what the header's sizes add up to. */
export const VOCAB_TRUNCATED: u32 = 3;
export const VOCAB_BAD_MAGIC: u32 = 4;
/** Written for another layout version: regenerate with engine/gen/vocab.mjs. */
export const VOCAB_BAD_FORMAT: u32 = 5;
/** A binary of the other encoding (e.g. cl100k_base loaded as o200k_base). */
export const VOCAB_WRONG_ENCODING: u32 = 6;
/** A slot whose length, rank or blob range is impossible, or a token count that disagrees. */
export const VOCAB_BAD_TABLE: u32 = 7;
/** The words after the header do not hash to the header's checksum. */
export const VOCAB_BAD_CHECKSUM: u32 = 8;

const RANK_BITS: u32 = 18;
const MIN_TABLE_BITS: u32 = 10;
const MAX_TABLE_BITS: u32 = 24;
const MAX_TOKEN_LEN: u32 = 255;
const K1: u64 = 0x9e3779b97f4a7c15;
const K2: u64 = 0xbf58476d1ce4e5b9;
const K3: u64 = 0x94d049bb133111eb;
const LEN_TAG_MASK: u64 = (<u64>0xff << 32) | (<u64>0x3f << 58);
const SHORT_KEY_MASK: u64 = LEN_TAG_MASK | 0xffffffff;

// The active vocabulary (useVocab); read by every lookup, so kept in globals rather than behind
// a pointer.
let slotsBase: usize = 0;
let slotMask: u32 = 0;
let hashShift: u64 = 0;
let blobBase: usize = 0;
let maxTokenLen: u32 = 0;
let pairsBase: usize = 0;
/** Loads up to here may read a few bytes past a key and mask them off (see loadTail). */
let readLimit: usize = 0;

/** Validates the binary at [base, base+len) as `encoding`'s; a VOCAB_* code. */
export function validate(base: usize, len: u32, encoding: u32): u32 {
  if (len < VOCAB_HEADER_SIZE) return VOCAB_TRUNCATED;
  if (load<u32>(base) != VOCAB_MAGIC) return VOCAB_BAD_MAGIC;
  if (load<u32>(base, 4) != VOCAB_FORMAT) return VOCAB_BAD_FORMAT;
  if (load<u32>(base, 8) != encoding) return VOCAB_WRONG_ENCODING;
  const tokens = load<u32>(base, 12);
  const maxLen = load<u32>(base, 16);
  const bits = load<u32>(base, 20);
  const blobLen = load<u32>(base, 24);
  if (bits < MIN_TABLE_BITS || bits > MAX_TABLE_BITS || maxLen == 0 || maxLen > MAX_TOKEN_LEN) return VOCAB_BAD_TABLE;
  const slotCount = <u32>1 << bits;
  // At least one empty slot, or a probe for a missing key would never stop.
  if (tokens >= slotCount || tokens > (<u32>1 << RANK_BITS)) return VOCAB_BAD_TABLE;
  if (<u64>VOCAB_HEADER_SIZE + <u64>slotCount * 8 + <u64>blobLen != <u64>len) return VOCAB_TRUNCATED;
  if ((blobLen & 7) != 0) return VOCAB_BAD_TABLE; // the checksum reads whole words
  if (checksum(base + VOCAB_HEADER_SIZE, base + <usize>len) != load<u32>(base, 28)) return VOCAB_BAD_CHECKSUM;
  const slots = base + VOCAB_HEADER_SIZE;
  let filled: u32 = 0;
  for (let i: u32 = 0; i < slotCount; i++) {
    const slot = load<u64>(slots + (<usize>i << 3));
    if (slot == 0) continue;
    const tokenLen = <u32>(slot >> 32) & 0xff;
    const rank = <u32>(slot >> 40) & ((1 << RANK_BITS) - 1);
    if (tokenLen == 0 || tokenLen > maxLen || rank >= tokens) return VOCAB_BAD_TABLE;
    if (tokenLen > 4 && <u64><u32>slot + <u64>tokenLen > <u64>blobLen) return VOCAB_BAD_TABLE;
    filled++;
  }
  return filled == tokens ? VOCAB_OK : VOCAB_BAD_TABLE;
}

/** Bytes needed by buildPairTable: one u32 rank per possible 2-byte string. */
export const PAIR_TABLE_SIZE: u32 = 65536 * 4;

/**
 * Fills the direct 2-byte table at `pairs` from the validated binary at `base`: BPE starts with
 * a lookup for every adjacent byte pair, and an array index beats any hash probe.
 */
export function buildPairTable(base: usize, pairs: usize): void {
  memory.fill(pairs, 0xff, PAIR_TABLE_SIZE);
  const slots = base + VOCAB_HEADER_SIZE;
  const slotCount = <u32>1 << load<u32>(base, 20);
  for (let i: u32 = 0; i < slotCount; i++) {
    const slot = load<u64>(slots + (<usize>i << 3));
    if ((<u32>(slot >> 32) & 0xff) == 2) {
      store<u32>(pairs + (<usize>(<u32>slot & 0xffff) << 2), <u32>(slot >> 40) & ((1 << RANK_BITS) - 1));
    }
  }
}

/** Makes the validated binary at `base` (with its pair table) the one lookups read. */
export function useVocab(base: usize, pairs: usize): void {
  const bits = load<u32>(base, 20);
  slotsBase = base + VOCAB_HEADER_SIZE;
  slotMask = (<u32>1 << bits) - 1;
  hashShift = <u64>(64 - bits);
  blobBase = slotsBase + (<usize>(slotMask + 1) << 3);
  maxTokenLen = load<u32>(base, 16);
  pairsBase = pairs;
}

/** Lets lookups over-read up to `limit` (the end of the text being counted). */
@inline export function setReadLimit(limit: usize): void {
  readLimit = limit;
}

/** Length of the longest token of the active vocabulary. */
@inline export function longestToken(): u32 {
  return maxTokenLen;
}

/** Rank of the 2-byte string at `p`, or NO_RANK. */
@inline export function pairRank(p: usize): u32 {
  return load<u32>(pairsBase + (<usize>load<u16>(p) << 2));
}

/** The `len` (< 8) bytes at `p` as a little-endian word, zero above them. */
@inline export function loadTail(p: usize, len: u32): u64 {
  if (p + 8 <= readLimit) return load<u64>(p) & ((<u64>1 << (<u64>len << 3)) - 1);
  let w: u64 = 0;
  for (let j: i32 = <i32>len - 1; j >= 0; j--) w = (w << 8) | <u64>load<u8>(p + <usize>j);
  return w;
}

/** The hash engine/gen/vocab.mjs placed every token by (same constants, same steps). */
@inline export function hashBytes(p: usize, len: u32): u64 {
  let h: u64 = <u64>len * K1;
  let i: u32 = 0;
  while (i + 8 <= len) {
    h = (h ^ load<u64>(p + <usize>i)) * K2;
    h ^= h >> 29;
    i += 8;
  }
  if (i < len) {
    h = (h ^ loadTail(p + <usize>i, len - i)) * K2;
    h ^= h >> 29;
  }
  h = (h ^ (h >> 32)) * K3;
  return h ^ (h >> 29);
}

/** Rank of the token whose bytes are [p, p+len), or NO_RANK when there is none. */
export function rankOf(p: usize, len: u32): u32 {
  if (len > maxTokenLen || len == 0) return NO_RANK;
  if (len == 2) return pairRank(p);
  return rankOfHashed(p, len, hashBytes(p, len));
}

/** rankOf for a key of 1..longestToken() bytes whose hashBytes the caller already has. */
export function rankOfHashed(p: usize, len: u32, h: u64): u32 {
  let i = <u32>(h >> hashShift);
  const lenTag = (<u64>len << 32) | ((h & 63) << 58);
  if (len <= 4) {
    const key = lenTag | loadTail(p, len);
    while (true) {
      const slot = load<u64>(slotsBase + (<usize>i << 3));
      if ((slot & SHORT_KEY_MASK) == key) return <u32>(slot >> 40) & ((1 << RANK_BITS) - 1);
      if (slot == 0) return NO_RANK;
      i = (i + 1) & slotMask;
    }
  }
  while (true) {
    const slot = load<u64>(slotsBase + (<usize>i << 3));
    if ((slot & LEN_TAG_MASK) == lenTag && sameBytes(p, blobBase + <usize><u32>slot, len)) {
      return <u32>(slot >> 40) & ((1 << RANK_BITS) - 1);
    }
    if (slot == 0) return NO_RANK;
    i = (i + 1) & slotMask;
  }
}

/** True when the `len` bytes at `a` (text) equal those at `b` (blob). */
@inline function sameBytes(a: usize, b: usize, len: u32): bool {
  let i: u32 = 0;
  while (i + 8 <= len) {
    if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false;
    i += 8;
  }
  if (i == len) return true;
  // validate() bounded every token inside the blob and reserveVocab leaves 8 spare bytes after
  // the binary, so reading the rest of b's word is safe; a's is read by loadTail's rules.
  const rest = len - i;
  return loadTail(a + <usize>i, rest) == (load<u64>(b + <usize>i) & ((<u64>1 << (<u64>rest << 3)) - 1));
}

/** Mixes every u64 word of [from, to) as engine/gen/vocab.mjs's checksum() does. */
function checksum(from: usize, to: usize): u32 {
  let h: u64 = 0;
  for (let p = from; p < to; p += 8) {
    h = (h ^ load<u64>(p)) * K2;
    h ^= h >> 29;
  }
  return <u32>(h ^ (h >> 32));
}
