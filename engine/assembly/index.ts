// The ABI of the Switchyard core, and nothing else. The host:
//   1. reserveProgram(len) -> ptr, writes the compiled program there, loadProgram(len);
//   2. loads each tokenizer vocabulary once: reserveVocab(encoding, len), loadVocab(...);
//   3. per request: writes REQUEST at requestPtr(), the UTF-8 text at reserveText(len), the
//      segment table at reserveSegments(n), SNAPSHOT at reserveSnapshot(entries), then calls
//      decide() once and reads DECISION at decisionPtr().
// Every argument and result is a number, so no loader glue sits on the hot path.
import {
  ABI_VERSION as VERSION, REQUEST_SIZE, DECISION_SIZE, SNAP_ENTRY_SIZE, SEGMENT_SIZE, LOAD_TRUNCATED,
} from "./layout";
import { activate } from "./program";
import { evaluate } from "./decide";

const requestRegion = heap.alloc(REQUEST_SIZE);
const decisionRegion = heap.alloc(DECISION_SIZE);
let snapshotRegion: usize = 0;
let snapshotCapacity: u32 = 0;
let textRegion: usize = 0;
let textCapacity: u32 = 0;
let segmentRegion: usize = 0;
let segmentCapacity: u32 = 0;
let programRegion: usize = 0;

/** The ABI version the host must match. */
export const ABI_VERSION: u32 = VERSION;

/** Address of the REQUEST record. */
export function requestPtr(): usize { return requestRegion; }

/** Address of the DECISION record. */
export function decisionPtr(): usize { return decisionRegion; }

/** Address of a text buffer of at least `len` bytes; grows only, so it is reused across calls. */
export function reserveText(len: u32): usize {
  if (len > textCapacity) {
    // Doubling keeps the number of regrowths logarithmic in the largest prompt seen.
    let cap = textCapacity == 0 ? <u32>4096 : textCapacity;
    while (cap < len) cap <<= 1;
    textRegion = heap.alloc(cap);
    textCapacity = cap;
  }
  return textRegion;
}

/** Address of a segment table of at least `count` entries; grows only. */
export function reserveSegments(count: u32): usize {
  if (count > segmentCapacity || segmentRegion == 0) {
    let cap = segmentCapacity == 0 ? <u32>64 : segmentCapacity;
    while (cap < count) cap <<= 1;
    segmentRegion = heap.alloc(cap * SEGMENT_SIZE);
    segmentCapacity = cap;
  }
  return segmentRegion;
}

/** Address of a zeroed snapshot region holding `entries` per-model entries. */
export function reserveSnapshot(entries: u32): usize {
  const size = entries * SNAP_ENTRY_SIZE;
  if (entries > snapshotCapacity || snapshotRegion == 0) {
    snapshotRegion = heap.alloc(max<u32>(size, SNAP_ENTRY_SIZE));
    snapshotCapacity = entries;
  }
  memory.fill(snapshotRegion, 0, size);
  return snapshotRegion;
}

/** Address of a buffer for a program of `len` bytes. */
export function reserveProgram(len: u32): usize {
  programRegion = heap.alloc(max<u32>(len, 8));
  return programRegion;
}

/** Validates and activates the program written at reserveProgram's address; a LOAD_* code. */
export function loadProgram(len: u32): u32 {
  if (programRegion == 0) return LOAD_TRUNCATED;
  return activate(programRegion, len);
}

/**
 * Decides for the request in REQUEST against the first `snapshotEntries` snapshot entries (a
 * model past them counts as closed, no data); returns the DECISION status.
 */
export function decide(snapshotEntries: u32): u32 {
  return evaluate(requestRegion, textRegion, reserveSegments(0), snapshotRegion, min<u32>(snapshotEntries, snapshotCapacity), decisionRegion);
}

// Token counting, features and embedding: callable on their own (countTokens, embedText, ...)
// as well as from decide.
export { reserveVocab, loadVocab, countTokens } from "./tokenizer";
export { embedText, cosine, vectorPtr } from "./embed";
export { computeFeatures, complexityScore, defaultWeightsPtr } from "./features";
export { loadExpressions, evalExpression } from "./expr";
