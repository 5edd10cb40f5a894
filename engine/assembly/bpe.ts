// The BPE merge of one piece, counting the tokens it ends as. The semantics are tiktoken's
// _byte_pair_merge (https://github.com/openai/tiktoken, src/lib.rs): start from single bytes and,
// while some two adjacent parts concatenate to a token, merge the pair whose token has the lowest
// rank -- the leftmost such pair on a tie. Two paths reproduce that order of merges exactly:
// - short pieces: tiktoken's own loop (scan for the minimum, merge, re-rank both neighbours),
//   quadratic but over a few dozen bytes that stay in cache;
// - long pieces: the same merges taken from a binary min-heap over a doubly linked list of parts,
//   O(n log n): a megabyte-long "word" takes well under a second, where tiktoken's loop would
//   take hours (and its regex gives up first).
import { NO_RANK, rankOf, pairRank } from "./vocab";

/**
 * Longest piece merged by the quadratic loop. On random words of 8..256 letters the two paths
 * measure within noise of each other below ~64 bytes; past that the loop's n^2 shows.
 */
const SHORT_PIECE: u32 = 48;
const NONE: u32 = 0xffffffff;
/** Longest piece merged at all: 28 bytes of scratch per byte stays under the runtime's 1 GiB. */
const LONGEST_PIECE: u32 = 1 << 25;

// Short path: part starts (with a sentinel at the piece's end) and, per part, the rank of it
// merged with its right neighbour (NO_RANK for the last part).
const shortStarts = heap.alloc((SHORT_PIECE + 1) << 2);
const shortRanks = heap.alloc((SHORT_PIECE + 1) << 2);

// Long path scratch, grown by doubling and reused, so counting allocates nothing once the
// longest piece seen fits. A part is named by the offset of its first byte in the piece:
//   next[i], prev[i]  the neighbouring parts (n past the end; prev wraps to NONE before 0)
//   rank[i]           rank of part i merged with part next[i]; NO_RANK when that is not a
//                     token, or once part i has been absorbed
//   heap              u64 keys rank << 32 | i, so comparing keys orders by rank, then leftmost
// Keys are never updated in place: a re-ranked part gets a new key and a popped key whose rank
// is no longer rank[i] is skipped. A stale key cannot become valid again, because a live part's
// pair only ever grows and so never has the same token twice. The heap holds at most n-1 keys
// at the start and each merge pops one and pushes at most two, so 2n keys always fit:
// 28 bytes of scratch per byte of the longest piece.
let scratchCap: u32 = 0;
let nextBase: usize = 0;
let prevBase: usize = 0;
let rankBase: usize = 0;
let heapBase: usize = 0;
let heapSize: u32 = 0;

/** Number of tokens BPE makes of the `len` (>= 2) bytes at `p`. */
export function mergeCount(p: usize, len: u32): u32 {
  return len <= SHORT_PIECE ? mergeShort(p, len) : mergeLong(p, len);
}

@inline function at(base: usize, i: u32): u32 {
  return load<u32>(base + (<usize>i << 2));
}

@inline function put(base: usize, i: u32, v: u32): void {
  store<u32>(base + (<usize>i << 2), v);
}

function mergeShort(p: usize, n: u32): u32 {
  const starts = shortStarts;
  const ranks = shortRanks;
  for (let i: u32 = 0; i < n; i++) {
    put(starts, i, i);
    put(ranks, i, i + 1 < n ? pairRank(p + <usize>i) : NO_RANK);
  }
  put(starts, n, n);
  let parts = n;
  while (true) {
    let best = NO_RANK;
    let b: u32 = 0;
    for (let i: u32 = 0; i + 1 < parts; i++) {
      const r = at(ranks, i);
      if (r < best) { best = r; b = i; }
    }
    if (best == NO_RANK) break;
    // Drop the start of part b+1 (b absorbs it); the ranks shift with the parts.
    memory.copy(starts + (<usize>(b + 1) << 2), starts + (<usize>(b + 2) << 2), <usize>(parts - b - 1) << 2);
    memory.copy(ranks + (<usize>(b + 1) << 2), ranks + (<usize>(b + 2) << 2), <usize>(parts - b - 2) << 2);
    parts--;
    const sb = at(starts, b);
    put(ranks, b, b + 1 < parts ? rankOf(p + <usize>sb, at(starts, b + 2) - sb) : NO_RANK);
    if (b > 0) {
      const sa = at(starts, b - 1);
      put(ranks, b - 1, rankOf(p + <usize>sa, at(starts, b + 1) - sa));
    }
  }
  return parts;
}

function ensureScratch(n: u32): void {
  if (n <= scratchCap) return;
  // The stub runtime refuses blocks of 1 GiB or more; say so rather than overflow the sizes.
  if (n > LONGEST_PIECE) abort("a single piece of more than 32 MiB");
  let cap = scratchCap == 0 ? <u32>1024 : scratchCap;
  while (cap < n) cap <<= 1;
  const bytes = <usize>cap << 2;
  nextBase = heap.alloc(bytes * 7);
  prevBase = nextBase + bytes;
  rankBase = prevBase + bytes;
  heapBase = rankBase + bytes;
  scratchCap = cap;
}

@inline function keyAt(k: u32): u64 {
  return load<u64>(heapBase + (<usize>k << 3));
}

@inline function setKey(k: u32, key: u64): void {
  store<u64>(heapBase + (<usize>k << 3), key);
}

function push(key: u64): void {
  let k = heapSize++;
  while (k > 0) {
    const parent = (k - 1) >> 1;
    const above = keyAt(parent);
    if (above <= key) break;
    setKey(k, above);
    k = parent;
  }
  setKey(k, key);
}

function siftDown(k: u32, key: u64): void {
  while (true) {
    let child: u32 = 2 * k + 1;
    if (child >= heapSize) break;
    let c = keyAt(child);
    if (child + 1 < heapSize) {
      const d = keyAt(child + 1);
      if (d < c) { child++; c = d; }
    }
    if (key <= c) break;
    setKey(k, c);
    k = child;
  }
  setKey(k, key);
}

/** Removes the minimum key. */
@inline function pop(): void {
  heapSize--;
  if (heapSize > 0) siftDown(0, keyAt(heapSize));
}

/** Sets part's pair rank, queueing the pair when it is a token. */
@inline function rerank(part: u32, r: u32): void {
  put(rankBase, part, r);
  if (r != NO_RANK) push((<u64>r << 32) | <u64>part);
}

function mergeLong(p: usize, n: u32): u32 {
  ensureScratch(n);
  heapSize = 0;
  for (let i: u32 = 0; i < n; i++) {
    put(nextBase, i, i + 1);
    put(prevBase, i, i - 1);
    const r = i + 1 < n ? pairRank(p + <usize>i) : NO_RANK;
    put(rankBase, i, r);
    if (r != NO_RANK) setKey(heapSize++, (<u64>r << 32) | <u64>i);
  }
  for (let k = heapSize >> 1; k > 0;) {
    k--;
    siftDown(k, keyAt(k));
  }
  let parts = n;
  while (heapSize > 0) {
    const key = keyAt(0);
    pop();
    const i = <u32>key;
    if (at(rankBase, i) != <u32>(key >> 32)) continue; // stale
    const j = at(nextBase, i);     // absorbed into i
    const k = at(nextBase, j);     // i's new right neighbour (n past the end)
    put(rankBase, j, NO_RANK);
    put(nextBase, i, k);
    if (k < n) put(prevBase, k, i);
    parts--;
    rerank(i, k < n ? rankOf(p + <usize>i, at(nextBase, k) - i) : NO_RANK);
    const h = at(prevBase, i);
    if (h != NONE) rerank(h, rankOf(p + <usize>h, k - h));
  }
  return parts;
}
