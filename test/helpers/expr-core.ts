/**
 * Runs compiled conditions in a real core: loads a section with loadExpressions and evaluates
 * with evalExpression, the FEATURES record, NUM and STR slots and their text written into the
 * core's scratch text buffer at deliberately unaligned, separate offsets.
 */
import type { CoreExports } from '../../engine/src/abi.js';
import { FEATURES_SIZE } from '../../engine/src/features-abi.js';
import { instantiateCore } from '../../engine/src/wasm.js';

/** A FEATURES record by byte offset (FEAT_*); missing slots are 0. */
export type FeatureValues = Readonly<Record<number, number>>;

export interface ExprInputs {
  features?: FeatureValues;
  nums: ArrayLike<number>;
  strs: readonly string[];
}

const utf8 = new TextEncoder();

export class ExprCore {
  readonly core: CoreExports = instantiateCore();

  /** Copies `section` into the core; the EXPR_LOAD_* code. */
  load(section: Uint8Array): number {
    const ptr = this.core.reserveText(Math.max(section.length, 1));
    new Uint8Array(this.core.memory.buffer).set(section, ptr);
    return this.core.loadExpressions(ptr, section.length);
  }

  /** evalExpression(index) over `inputs`: 1, 0 or -1. */
  eval(index: number, inputs: ExprInputs): number {
    const encoded = inputs.strs.map((s) => utf8.encode(s));
    const textBytes = encoded.reduce((n, b) => n + b.length, 0);
    // Regions apart and off 8-byte alignment, as the host's text buffer may place them.
    const featuresAt = 3;
    const numsAt = featuresAt + FEATURES_SIZE + 5;
    const strsAt = numsAt + inputs.nums.length * 8 + 7;
    const textAt = strsAt + encoded.length * 8 + 11;
    const base = this.core.reserveText(textAt + textBytes + 16);
    const buffer = this.core.memory.buffer;
    const view = new DataView(buffer);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0, base, base + textAt);
    for (const [offset, value] of Object.entries(inputs.features ?? {})) view.setFloat64(base + featuresAt + Number(offset), value, true);
    for (let i = 0; i < inputs.nums.length; i++) view.setFloat64(base + numsAt + i * 8, inputs.nums[i]!, true);
    let at = 0;
    encoded.forEach((b, i) => {
      view.setUint32(base + strsAt + i * 8, at, true);
      view.setUint32(base + strsAt + i * 8 + 4, b.length, true);
      bytes.set(b, base + textAt + at);
      at += b.length;
    });
    return this.core.evalExpression(index, base + featuresAt, base + numsAt, base + strsAt, base + textAt);
  }
}
