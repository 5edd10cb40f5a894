/**
 * Checked expression -> bytecode, and the section every compiled condition goes into: one
 * instruction word per node plus RET, forward jumps for && and ||, literals in a shared pool.
 * Layout and semantics: engine/assembly/expr.ts.
 */
import * as bc from './bytecode.js';
import type { Ir } from './check.js';
import type { SlotSource, SlotTable } from './fields.js';

type Plain =
  | typeof bc.OP_EQ | typeof bc.OP_NE | typeof bc.OP_LT | typeof bc.OP_LE | typeof bc.OP_GT | typeof bc.OP_GE
  | typeof bc.OP_SEQ | typeof bc.OP_SNE | typeof bc.OP_CONTAINS | typeof bc.OP_STARTS | typeof bc.OP_ENDS
  | typeof bc.OP_NOT | typeof bc.OP_RET;

/** One instruction with its operand still symbolic (a slot source, a literal). */
export type Instr =
  | { op: typeof bc.OP_FEAT; offset: number }
  | { op: typeof bc.OP_NUM | typeof bc.OP_STR; slot: SlotSource }
  | { op: typeof bc.OP_CONST; value: number }
  | { op: typeof bc.OP_STRLIT; value: string }
  | { op: typeof bc.OP_IN_NUM; values: readonly number[] }
  | { op: typeof bc.OP_IN_STR; values: readonly string[] }
  | { op: typeof bc.OP_JF | typeof bc.OP_JT; target: number }
  | { op: Plain };

const NUMBER_COMPARE = { '==': bc.OP_EQ, '!=': bc.OP_NE, '<': bc.OP_LT, '<=': bc.OP_LE, '>': bc.OP_GT, '>=': bc.OP_GE } as const;
const METHOD_OPS = { contains: bc.OP_CONTAINS, startsWith: bc.OP_STARTS, endsWith: bc.OP_ENDS } as const;

/** The instructions of one checked expression, RET last. */
export function emitInstructions(ir: Ir): Instr[] {
  const out: Instr[] = [];
  const walk = (node: Ir): void => {
    switch (node.op) {
      case 'const': out.push({ op: bc.OP_CONST, value: node.value }); break;
      case 'text': out.push({ op: bc.OP_STRLIT, value: node.value }); break;
      case 'field': {
        const s = node.source;
        out.push(s.kind === 'feature' ? { op: bc.OP_FEAT, offset: s.offset } : { op: s.kind === 'num' ? bc.OP_NUM : bc.OP_STR, slot: s.slot });
        break;
      }
      case 'compare':
        walk(node.left);
        walk(node.right);
        // The checker lets only == and != through for text.
        out.push({ op: node.text ? (node.cmp === '==' ? bc.OP_SEQ : bc.OP_SNE) : NUMBER_COMPARE[node.cmp] });
        break;
      case 'call':
        walk(node.target);
        walk(node.arg);
        out.push({ op: METHOD_OPS[node.method] });
        break;
      case 'in':
        walk(node.left);
        out.push('texts' in node ? { op: bc.OP_IN_STR, values: node.texts } : { op: bc.OP_IN_NUM, values: node.numbers });
        break;
      case 'not':
        walk(node.operand);
        out.push({ op: bc.OP_NOT });
        break;
      case 'and':
      case 'or': {
        walk(node.left);
        // The jump keeps the left value as the result when it settles the answer.
        const jump: { op: typeof bc.OP_JF | typeof bc.OP_JT; target: number } = { op: node.op === 'and' ? bc.OP_JF : bc.OP_JT, target: -1 };
        out.push(jump);
        walk(node.right);
        jump.target = out.length;
        break;
      }
    }
  };
  walk(ir);
  out.push({ op: bc.OP_RET });
  return out;
}

const U16 = 0xffff;

/** The literal pool: f64 constants and UTF-8 strings, each stored once; `in` lists as runs. */
export class LiteralPool {
  readonly #consts: number[] = [];
  readonly #texts: string[] = [];
  readonly #constIndex = new Map<number, number>();
  readonly #textIndex = new Map<string, number>();
  readonly #runIndex = new Map<string, number>();

  const(value: number): number {
    return intern(this.#constIndex, value, () => this.#consts.push(value) - 1);
  }

  text(value: string): number {
    return intern(this.#textIndex, value, () => this.#texts.push(value) - 1);
  }

  /** Index of the first of `values`, stored consecutively. */
  constRun(values: readonly number[]): number {
    return intern(this.#runIndex, `n${JSON.stringify(values)}`, () => this.#consts.push(...values) - values.length);
  }

  textRun(values: readonly string[]): number {
    return intern(this.#runIndex, `s${JSON.stringify(values)}`, () => this.#texts.push(...values) - values.length);
  }

  /** const_count u32 | string_count u32 | f64[const_count] | (offset u32, length u32)[string_count] | bytes */
  encode(): Uint8Array {
    const utf8 = new TextEncoder();
    const texts = this.#texts.map((t) => utf8.encode(t));
    const tableAt = 8 + this.#consts.length * 8;
    const bytesAt = tableAt + texts.length * 8;
    const out = new Uint8Array(bytesAt + texts.reduce((n, t) => n + t.length, 0));
    const view = new DataView(out.buffer);
    view.setUint32(0, this.#consts.length, true);
    view.setUint32(4, texts.length, true);
    this.#consts.forEach((c, i) => view.setFloat64(8 + i * 8, c, true));
    let at = 0;
    texts.forEach((t, i) => {
      view.setUint32(tableAt + i * 8, at, true);
      view.setUint32(tableAt + i * 8 + 4, t.length, true);
      out.set(t, bytesAt + at);
      at += t.length;
    });
    return out;
  }
}

function intern<K>(index: Map<K, number>, key: K, add: () => number): number {
  let i = index.get(key);
  if (i === undefined) index.set(key, i = add());
  return i;
}

/**
 * The instruction words of `instrs`, interning their literals and slots; null when an operand
 * does not fit its 16 bits (more than 65535 distinct literals or slots across the policy).
 */
export function encodeInstructions(instrs: readonly Instr[], pool: LiteralPool, slots: SlotTable): Uint32Array | null {
  const words = new Uint32Array(instrs.length);
  for (let i = 0; i < instrs.length; i++) {
    const ins = instrs[i]!;
    let a = 0;
    let b = 0;
    switch (ins.op) {
      case bc.OP_FEAT: b = ins.offset; break;
      case bc.OP_NUM: b = slots.index('num', ins.slot); break;
      case bc.OP_STR: b = slots.index('str', ins.slot); break;
      case bc.OP_CONST: b = pool.const(ins.value); break;
      case bc.OP_STRLIT: b = pool.text(ins.value); break;
      case bc.OP_IN_NUM: a = ins.values.length; b = pool.constRun(ins.values); break;
      case bc.OP_IN_STR: a = ins.values.length; b = pool.textRun(ins.values); break;
      case bc.OP_JF: case bc.OP_JT: b = ins.target; break;
      default: break;
    }
    if (b > U16) return null;
    words[i] = (ins.op | (a << 8) | (b << 16)) >>> 0;
  }
  return words;
}

/** The section: header, each expression's length and code, then the literal pool (8-aligned). */
export function buildSection(codes: readonly Uint32Array[], pool: LiteralPool, slots: SlotTable): Uint8Array {
  const poolBytes = pool.encode();
  const codeBytes = codes.reduce((n, c) => n + 4 + c.length * 4, 0);
  const poolAt = Math.ceil((bc.EXPR_HEADER_SIZE + codeBytes) / 8) * 8;
  const out = new Uint8Array(poolAt + poolBytes.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, codes.length, true);
  view.setUint32(4, slots.numSlots.length, true);
  view.setUint32(8, slots.strSlots.length, true);
  view.setUint32(12, poolAt, true);
  let at = bc.EXPR_HEADER_SIZE;
  for (const code of codes) {
    view.setUint32(at, code.length * 4, true);
    at += 4;
    for (const word of code) {
      view.setUint32(at, word, true);
      at += 4;
    }
  }
  out.set(poolBytes, poolAt);
  return out;
}
