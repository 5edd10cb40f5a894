// Exact BPE token counting for OpenAI's o200k_base and cl100k_base: the count tiktoken's
// encode_ordinary gives (https://github.com/openai/tiktoken, src/lib.rs), for any text. Each
// piece the pre-tokenizer finds (pretokenize.ts) is one token when the vocabulary has it whole,
// and otherwise as many as the BPE merge leaves (bpe.ts); lookups go through vocab.ts.
//
// The host loads each vocabulary once per instance: reserveVocab(encoding, len) -> ptr, copies
// engine/build/<encoding>.bin there, loadVocab(encoding, len) -> VOCAB_* code (vocab.ts).
// countTokens then needs no allocation but the BPE scratch, which grows by doubling to the
// longest piece ever merged and is reused.
import { nextPieceO200k, nextPieceCl100k } from "./pretokenize";
import {
  NO_RANK, VOCAB_OK, VOCAB_BAD_ENCODING, VOCAB_NOT_RESERVED, PAIR_TABLE_SIZE,
  validate, buildPairTable, useVocab, setReadLimit, rankOf, rankOfHashed, pairRank, hashBytes, loadTail, longestToken,
} from "./vocab";
import { mergeCount } from "./bpe";

export const ENCODING_O200K: u32 = 0;
export const ENCODING_CL100K: u32 = 1;
const ENCODINGS: u32 = 2;

/** countTokens' answer for an unknown encoding or one whose vocabulary is not loaded. */
export const TOKENS_UNAVAILABLE: u32 = 0xffffffff;

// Per encoding: the binary's buffer and capacity, its 2-byte pair table, and whether the binary
// in the buffer passed loadVocab.
const vocabBuffers = new StaticArray<usize>(ENCODINGS);
const vocabCapacities = new StaticArray<u32>(ENCODINGS);
const pairTables = new StaticArray<usize>(ENCODINGS);
const vocabLoaded = new StaticArray<bool>(ENCODINGS);

// Piece cache, per encoding: text repeats its pieces (" the", an identifier in code), so the
// count of each piece of up to 16 bytes is kept in a direct-mapped table. A hit costs one cache
// line; a miss costs a probe of the vocabulary's megabytes and, for a piece that is not a token,
// a BPE merge. 2^16 entries (2 MiB) measured faster on unseen English prompts than 2^12..2^15:
// fewer common words evict each other, and the extra entries still sit in L3.
//
//   0                8                16       20       24       32
//   +----------------+----------------+--------+--------+--------+
//   | bytes 0..8     | bytes 8..16    |  len   | tokens | unused |   one entry; len 0 = empty
//   +----------------+----------------+--------+--------+--------+
const CACHE_BITS: u32 = 16;
const CACHE_ENTRY_SIZE: usize = 32;
const CACHE_MAX_PIECE: u32 = 16;
const pieceCaches = new StaticArray<usize>(ENCODINGS);
let pieceCache: usize = 0;

/** Address of a buffer of `len` bytes for the vocabulary binary of `encoding` (0 for an unknown encoding). */
export function reserveVocab(encoding: u32, len: u32): usize {
  if (encoding >= ENCODINGS) return 0;
  if (len > unchecked(vocabCapacities[encoding]) || unchecked(vocabBuffers[encoding]) == 0) {
    // 8 spare bytes: a lookup compares the blob's last token a whole word at a time.
    unchecked(vocabBuffers[encoding] = heap.alloc(<usize>max<u32>(len, 8) + 8));
    unchecked(vocabCapacities[encoding] = len);
  }
  // The host is about to overwrite it: nothing may read it until loadVocab has checked it again.
  unchecked(vocabLoaded[encoding] = false);
  return unchecked(vocabBuffers[encoding]);
}

/** Activates the vocabulary written at reserveVocab's address; VOCAB_OK (0) or the VOCAB_* reason it was refused. */
export function loadVocab(encoding: u32, len: u32): u32 {
  if (encoding >= ENCODINGS) return VOCAB_BAD_ENCODING;
  const base = unchecked(vocabBuffers[encoding]);
  if (base == 0 || len > unchecked(vocabCapacities[encoding])) return VOCAB_NOT_RESERVED;
  unchecked(vocabLoaded[encoding] = false);
  const status = validate(base, len, encoding);
  if (status != VOCAB_OK) return status;
  if (unchecked(pairTables[encoding]) == 0) unchecked(pairTables[encoding] = heap.alloc(PAIR_TABLE_SIZE));
  buildPairTable(base, unchecked(pairTables[encoding]));
  // A new vocabulary may count pieces differently: forget every cached count.
  if (unchecked(pieceCaches[encoding]) == 0) unchecked(pieceCaches[encoding] = heap.alloc(CACHE_ENTRY_SIZE << CACHE_BITS));
  memory.fill(unchecked(pieceCaches[encoding]), 0, CACHE_ENTRY_SIZE << CACHE_BITS);
  unchecked(vocabLoaded[encoding] = true);
  return VOCAB_OK;
}

/**
 * Tokens of the UTF-8 text at [ptr, ptr+len) under `encoding`, as tiktoken's encode_ordinary
 * counts them; TOKENS_UNAVAILABLE when that encoding's vocabulary is not loaded.
 */
export function countTokens(encoding: u32, ptr: usize, len: u32): u32 {
  if (encoding >= ENCODINGS || !unchecked(vocabLoaded[encoding])) return TOKENS_UNAVAILABLE;
  useVocab(unchecked(vocabBuffers[encoding]), unchecked(pairTables[encoding]));
  pieceCache = unchecked(pieceCaches[encoding]);
  const end = ptr + <usize>len;
  setReadLimit(end);
  let tokens: u32 = 0;
  let p = ptr;
  // One loop per encoding, so the matcher is a direct call the optimizer can inline.
  if (encoding == ENCODING_O200K) {
    while (p < end) {
      const q = nextPieceO200k(p, end);
      tokens += piece(p, <u32>(q - p));
      p = q;
    }
  } else {
    while (p < end) {
      const q = nextPieceCl100k(p, end);
      tokens += piece(p, <u32>(q - p));
      p = q;
    }
  }
  return tokens;
}

/** Tokens of one piece: tiktoken looks the whole piece up first and merges only on a miss. */
@inline function piece(p: usize, len: u32): u32 {
  if (len == 1) return 1;
  if (len == 2) return pairRank(p) != NO_RANK ? 1 : 2;
  if (len > CACHE_MAX_PIECE) return rankOf(p, len) != NO_RANK ? 1 : mergeCount(p, len);
  const h = hashBytes(p, len);
  let w0: u64, w1: u64 = 0;
  if (len < 8) {
    w0 = loadTail(p, len);
  } else {
    w0 = load<u64>(p);
    if (len > 8) w1 = len == 16 ? load<u64>(p, 8) : loadTail(p + 8, len - 8);
  }
  const entry = pieceCache + (<usize>(<u32>(h >> 20) & ((1 << CACHE_BITS) - 1)) << 5);
  if (load<u32>(entry, 16) == len && load<u64>(entry) == w0 && load<u64>(entry, 8) == w1) return load<u32>(entry, 20);
  const tokens = len <= longestToken() && rankOfHashed(p, len, h) != NO_RANK ? 1 : mergeCount(p, len);
  store<u64>(entry, w0);
  store<u64>(entry, w1, 8);
  store<u32>(entry, len, 16);
  store<u32>(entry, tokens, 20);
  return tokens;
}
