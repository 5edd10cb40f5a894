/**
 * The one core instance that complexity features and embeddings share, and the writing of text
 * into its memory. It holds no program: these exports read only the text they are given.
 */
import type { CoreExports } from './abi.js';
import { instantiateCore } from './wasm.js';

let core: CoreExports | undefined;
let bytes = new Uint8Array(0);
const utf8 = new TextEncoder();

/** The shared core instance, created on first use. */
export function textCore(): CoreExports {
  core ??= instantiateCore();
  return core;
}

/** A byte view of the shared core's memory; call again after any core call, which may grow it. */
export function coreBytes(): Uint8Array {
  const buffer = textCore().memory.buffer;
  if (bytes.buffer !== buffer) bytes = new Uint8Array(buffer);
  return bytes;
}

/** Where writeText put a text, and the start of the scratch reserved after it. */
export interface WrittenText {
  ptr: number;
  len: number;
  /** 8-aligned address of the `scratch` bytes asked for, just past the text. */
  scratch: number;
}

/**
 * Writes `text` as UTF-8 into the core's text buffer (reserveText), with `scratch` more bytes
 * behind it for the call's own records: the text buffer is the host's to use between calls.
 */
export function writeText(text: string, scratch = 0): WrittenText {
  // 3 bytes per UTF-16 code unit is UTF-8's worst case (a surrogate pair is 4 bytes for 2 units).
  const room = text.length * 3;
  const ptr = textCore().reserveText(room + 8 + scratch);
  const { written } = utf8.encodeInto(text, coreBytes().subarray(ptr, ptr + room));
  return { ptr, len: written, scratch: (ptr + written + 7) & ~7 };
}
