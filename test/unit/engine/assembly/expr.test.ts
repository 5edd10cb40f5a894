import { describe, expect, it } from 'vitest';
import type { RequestFeatures, Snapshot } from '../../../../engine/src/decide.js';
import * as feat from '../../../../engine/src/features-abi.js';
import * as bc from '../../../../engine/src/policy/expr/bytecode.js';
import { ExprCompiler, envValues } from '../../../../engine/src/policy/expr/index.js';
import { ExprCore, type FeatureValues } from '../../../helpers/expr-core.js';

// The interpreter in engine/assembly/expr.ts, driven through the core's exports: the loader's
// verification, every operator, short circuits and the step limit.

const noWhere = () => ({ file: 'p.yaml', line: 1, col: 1 });
const REQUEST: RequestFeatures = { model: 'gpt-4o', messages: [], maxTokens: null, stream: false };

/** Compiles `conditions`, loads them into `core` and returns a runner: index -> 1, 0 or -1. */
function compiled(core: ExprCore, conditions: readonly string[]): (i: number, request?: Partial<RequestFeatures>, features?: FeatureValues, snapshot?: Snapshot) => number {
  const compiler = new ExprCompiler({ models: ['m'], providers: ['p'] });
  for (const c of conditions) {
    const r = compiler.compile(c, noWhere);
    if (!r.ok) throw new Error(`${c}: ${r.errors[0]!.message}`);
  }
  const { section, layout } = compiler.finish();
  expect(core.load(section)).toBe(bc.EXPR_LOAD_OK);
  return (i, request = {}, features = {}, snapshot = undefined) => core.eval(i, { features, ...envValues(layout, { ...REQUEST, ...request }, snapshot) });
}

/** Runs one condition in a fresh core. */
function run(condition: string, request: Partial<RequestFeatures> = {}, features: FeatureValues = {}, snapshot?: Snapshot): number {
  return compiled(new ExprCore(), [condition])(0, request, features, snapshot);
}

const word = (op: number, a = 0, b = 0): number => (op | (a << 8) | (b << 16)) >>> 0;

interface RawSection { codes: number[][]; numSlots?: number; strSlots?: number; consts?: number[]; strings?: string[]; poolAt?: number }

/** A section written by hand, so the loader can be shown malformed ones. */
function raw({ codes, numSlots = 1, strSlots = 1, consts = [0, 1], strings = ['ab'], poolAt }: RawSection): Uint8Array {
  const bytes = strings.map((s) => new TextEncoder().encode(s));
  const codeBytes = codes.reduce((n, c) => n + 4 + c.length * 4, 0);
  const pool = poolAt ?? Math.ceil((16 + codeBytes) / 8) * 8;
  const size = Math.max(pool, 16 + codeBytes) + 8 + consts.length * 8 + strings.length * 8 + bytes.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, codes.length, true);
  v.setUint32(4, numSlots, true);
  v.setUint32(8, strSlots, true);
  v.setUint32(12, pool, true);
  let at = 16;
  for (const code of codes) {
    v.setUint32(at, code.length * 4, true);
    code.forEach((w, i) => v.setUint32(at + 4 + i * 4, w, true));
    at += 4 + code.length * 4;
  }
  v.setUint32(pool, consts.length, true);
  v.setUint32(pool + 4, strings.length, true);
  consts.forEach((c, i) => v.setFloat64(pool + 8 + i * 8, c, true));
  const table = pool + 8 + consts.length * 8;
  let offset = 0;
  bytes.forEach((b, i) => {
    v.setUint32(table + i * 8, offset, true);
    v.setUint32(table + i * 8 + 4, b.length, true);
    out.set(b, table + strings.length * 8 + offset);
    offset += b.length;
  });
  return out;
}

const RET = word(bc.OP_RET);
const TRUE = word(bc.OP_CONST, 0, 1);

describe('loadExpressions', () => {
  it('accepts an empty section and a header-only one: no expressions, every index false', () => {
    const core = new ExprCore();
    expect(core.load(new Uint8Array(0))).toBe(bc.EXPR_LOAD_OK);
    expect(core.eval(0, { nums: [], strs: [] })).toBe(0);
    expect(core.load(raw({ codes: [] }))).toBe(bc.EXPR_LOAD_OK);
    expect(core.load(raw({ codes: [[TRUE, RET]] }))).toBe(bc.EXPR_LOAD_OK);
    expect(core.eval(0, { nums: [0], strs: [''] })).toBe(1);
    expect(core.eval(1, { nums: [0], strs: [''] })).toBe(0);
  });

  it('refuses truncated sections', () => {
    const core = new ExprCore();
    expect(core.load(new Uint8Array(15))).toBe(bc.EXPR_LOAD_TRUNCATED);
    const good = raw({ codes: [[TRUE, RET]] });
    expect(core.load(good.subarray(0, good.length - 1))).toBe(bc.EXPR_LOAD_BAD_OPERAND); // the last string's bytes
    expect(core.load(good.subarray(0, good.length - 3))).toBe(bc.EXPR_LOAD_TRUNCATED); // its table entry
    expect(core.load(raw({ codes: [[TRUE, RET]], strings: [] }).subarray(0, 40))).toBe(bc.EXPR_LOAD_TRUNCATED);
    const longCode = raw({ codes: [[TRUE, RET]] });
    new DataView(longCode.buffer).setUint32(16, 400, true);
    expect(core.load(longCode)).toBe(bc.EXPR_LOAD_TRUNCATED);
    const manyCodes = raw({ codes: [[TRUE, RET]] });
    new DataView(manyCodes.buffer).setUint32(0, 1_000_000, true);
    expect(core.load(manyCodes)).toBe(bc.EXPR_LOAD_TRUNCATED);
    expect(core.load(raw({ codes: [], poolAt: 8 }))).toBe(bc.EXPR_LOAD_TRUNCATED);
  });

  it('refuses unknown opcodes, a missing or early RET and code that is not whole words', () => {
    const core = new ExprCore();
    expect(core.load(raw({ codes: [[word(0xee), RET]] }))).toBe(bc.EXPR_LOAD_BAD_OPCODE);
    expect(core.load(raw({ codes: [[TRUE]] }))).toBe(bc.EXPR_LOAD_BAD_OPCODE);
    expect(core.load(raw({ codes: [[TRUE, RET, RET]] }))).toBe(bc.EXPR_LOAD_BAD_OPCODE);
    expect(core.load(raw({ codes: [[]] }))).toBe(bc.EXPR_LOAD_BAD_OPCODE);
    const odd = raw({ codes: [[TRUE, RET]] });
    new DataView(odd.buffer).setUint32(16, 6, true);
    expect(core.load(odd)).toBe(bc.EXPR_LOAD_BAD_OPCODE);
    expect(core.load(raw({ codes: [[...Array.from({ length: 256 }, () => word(bc.OP_NOT)), RET].slice(-257)] }))).toBe(bc.EXPR_LOAD_TOO_LONG);
  });

  it('refuses operands out of range', () => {
    const core = new ExprCore();
    const bad = (code: number[]): number => core.load(raw({ codes: [code], numSlots: 2, strSlots: 1, consts: [0, 1], strings: ['ab'] }));
    expect(bad([word(bc.OP_NUM, 0, 1), RET])).toBe(bc.EXPR_LOAD_OK);
    expect(bad([word(bc.OP_NUM, 0, 2), RET])).toBe(bc.EXPR_LOAD_BAD_OPERAND);
    expect(bad([word(bc.OP_CONST, 0, 2), RET])).toBe(bc.EXPR_LOAD_BAD_OPERAND);
    expect(bad([word(bc.OP_FEAT, 0, feat.FEAT_COMPLEXITY), RET])).toBe(bc.EXPR_LOAD_OK);
    expect(bad([word(bc.OP_FEAT, 0, feat.FEATURES_SIZE), RET])).toBe(bc.EXPR_LOAD_BAD_OPERAND);
    expect(bad([word(bc.OP_FEAT, 0, 4), RET])).toBe(bc.EXPR_LOAD_BAD_OPERAND);
    expect(bad([word(bc.OP_STR, 0, 1), word(bc.OP_STR, 0, 0), word(bc.OP_SEQ), RET])).toBe(bc.EXPR_LOAD_BAD_OPERAND);
    expect(bad([word(bc.OP_STRLIT, 0, 1), word(bc.OP_STRLIT, 0, 0), word(bc.OP_SEQ), RET])).toBe(bc.EXPR_LOAD_BAD_OPERAND);
    expect(bad([TRUE, word(bc.OP_IN_NUM, 2, 0), RET])).toBe(bc.EXPR_LOAD_OK);
    expect(bad([TRUE, word(bc.OP_IN_NUM, 2, 1), RET])).toBe(bc.EXPR_LOAD_BAD_OPERAND);
    expect(bad([word(bc.OP_STR), word(bc.OP_IN_STR, 2, 0), RET])).toBe(bc.EXPR_LOAD_BAD_OPERAND);
    expect(bad([word(bc.OP_STR), word(bc.OP_IN_STR, 0, 1), RET])).toBe(bc.EXPR_LOAD_OK);
    const longString = (n: number): number => core.load(raw({ codes: [[TRUE, RET]], strings: ['x'.repeat(n)] }));
    expect([longString(bc.EXPR_MAX_STRING_BYTES), longString(bc.EXPR_MAX_STRING_BYTES + 1)]).toEqual([bc.EXPR_LOAD_OK, bc.EXPR_LOAD_BAD_OPERAND]);
  });

  it('refuses jumps that do not go forward onto an instruction', () => {
    const core = new ExprCore();
    expect(core.load(raw({ codes: [[TRUE, word(bc.OP_JF, 0, 3), TRUE, RET]] }))).toBe(bc.EXPR_LOAD_OK);
    expect(core.load(raw({ codes: [[TRUE, word(bc.OP_JF, 0, 1), TRUE, RET]] }))).toBe(bc.EXPR_LOAD_BAD_JUMP);
    expect(core.load(raw({ codes: [[TRUE, word(bc.OP_JT, 0, 0), TRUE, RET]] }))).toBe(bc.EXPR_LOAD_BAD_JUMP);
    expect(core.load(raw({ codes: [[TRUE, word(bc.OP_JT, 0, 4), TRUE, RET]] }))).toBe(bc.EXPR_LOAD_BAD_JUMP);
  });

  it('refuses code whose stack differs between paths or runs short', () => {
    const core = new ExprCore();
    const stack = (code: number[]): number => core.load(raw({ codes: [code] }));
    expect(stack([TRUE, TRUE, RET])).toBe(bc.EXPR_LOAD_BAD_STACK);
    expect(stack([TRUE, word(bc.OP_EQ), RET])).toBe(bc.EXPR_LOAD_BAD_STACK);
    expect(stack([word(bc.OP_STR), RET])).toBe(bc.EXPR_LOAD_BAD_STACK);
    expect(stack([TRUE, TRUE, word(bc.OP_SEQ), RET])).toBe(bc.EXPR_LOAD_BAD_STACK);
    expect(stack([word(bc.OP_STR), word(bc.OP_JF, 0, 2), RET])).toBe(bc.EXPR_LOAD_BAD_STACK);
    expect(stack([word(bc.OP_JF, 0, 1), RET])).toBe(bc.EXPR_LOAD_BAD_STACK);
    // Taken, the jump arrives with two values; falling through, with one.
    expect(stack([TRUE, TRUE, word(bc.OP_JF, 0, 4), word(bc.OP_NOT), RET])).toBe(bc.EXPR_LOAD_BAD_STACK);
    // Same depth at the target either way, but the fall-through path replaced a value below the
    // kept one (EQ consumed it), so the paths disagree on what the stack holds.
    const swap = [TRUE, TRUE, TRUE, word(bc.OP_JF, 0, 7), word(bc.OP_EQ), TRUE, TRUE, word(bc.OP_EQ), word(bc.OP_EQ), RET];
    expect(stack(swap)).toBe(bc.EXPR_LOAD_BAD_STACK);
    // Falling through, NOT would rewrite the value under the kept one.
    expect(stack([TRUE, TRUE, TRUE, word(bc.OP_JF, 0, 6), word(bc.OP_NOT), TRUE, word(bc.OP_EQ), word(bc.OP_EQ), RET])).toBe(bc.EXPR_LOAD_BAD_STACK);
    expect(stack([TRUE, TRUE, TRUE, word(bc.OP_JF, 0, 6), TRUE, word(bc.OP_NOT), word(bc.OP_EQ), word(bc.OP_EQ), RET])).toBe(bc.EXPR_LOAD_OK);
  });

  it('keeps its own copy, and the previous section when a new one is refused', () => {
    const core = new ExprCore();
    const run = compiled(core, ['request.model == "gpt-4o"']);
    // Loading wrote the section into the scratch text buffer; evaluating overwrites that buffer.
    expect(run(0)).toBe(1);
    expect(core.load(raw({ codes: [[word(0xee), RET]] }))).toBe(bc.EXPR_LOAD_BAD_OPCODE);
    expect(run(0)).toBe(1);
    expect(run(0, { model: 'other' })).toBe(0);
  });
});

describe('evalExpression', () => {
  it('compares numbers with every operator', () => {
    const core = new ExprCore();
    const ops = ['==', '!=', '<', '<=', '>', '>='];
    const r = compiled(core, ops.map((op) => `request.tokens.prompt ${op} 100`));
    const truth = (tokens: number): number[] => ops.map((_, i) => r(i, {}, { [feat.FEAT_TOKENS]: tokens }));
    expect(truth(99)).toEqual([0, 1, 1, 1, 0, 0]);
    expect(truth(100)).toEqual([1, 0, 0, 1, 0, 1]);
    expect(truth(101)).toEqual([0, 1, 0, 0, 1, 1]);
  });

  it('compares text by bytes, and searches it with contains, startsWith, endsWith', () => {
    const core = new ExprCore();
    const r = compiled(core, [
      'request.user == "é日"', 'request.user != "é日"', 'request.user.contains("日")', 'request.user.startsWith("é")',
      'request.user.endsWith("日")', 'request.user.contains("")', 'request.user.contains(request.session)', 'request.user == request.session',
    ]);
    const truth = (user: string, session = ''): number[] => Array.from({ length: 8 }, (_, i) => r(i, { user, session }));
    expect(truth('é日')).toEqual([1, 0, 1, 1, 1, 1, 1, 0]);
    expect(truth('xé日x', 'é日x')).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    expect(truth('é', 'é')).toEqual([0, 1, 0, 1, 0, 1, 1, 1]);
    expect(truth('', 'abc')).toEqual([0, 1, 0, 0, 0, 1, 0, 0]);
    expect(truth('aab', 'ab')).toEqual([0, 1, 0, 0, 0, 1, 1, 0]);
    expect(truth('ab', 'ab ')).toEqual([0, 1, 0, 0, 0, 1, 0, 0]);
  });

  it('tests list membership, numbers, enum codes and text', () => {
    const core = new ExprCore();
    const r = compiled(core, ['request.messages in [1, 3]', 'request.features.script in ["latin", "cjk"]', 'request.user in ["b", "ab", "ba"]', 'request.user in []']);
    const messages = (n: number): RequestFeatures['messages'] => Array.from({ length: n }, () => ({ role: 'user', content: '' }));
    expect([0, 1, 2, 3].map((n) => r(0, { messages: messages(n) }))).toEqual([0, 1, 0, 1]);
    expect([feat.SCRIPT_LATIN, feat.SCRIPT_CYRILLIC, feat.SCRIPT_CJK].map((s) => r(1, {}, { [feat.FEAT_SCRIPT]: s }))).toEqual([1, 0, 1]);
    expect(['ba', 'b', 'a', 'abc'].map((user) => r(2, { user }))).toEqual([1, 1, 0, 0]);
    expect(r(3, { user: '' })).toBe(0);
  });

  it('negates, joins and compares truth values', () => {
    const core = new ExprCore();
    const r = compiled(core, ['!request.stream', 'request.stream && request.json_mode', 'request.stream || request.json_mode', '(request.stream) == (request.json_mode)', 'request.stream != true']);
    const table = [[false, false], [false, true], [true, false], [true, true]].map(([stream, jsonMode]) => [0, 1, 2, 3, 4].map((i) => r(i, { stream, jsonMode })));
    expect(table).toEqual([
      [1, 0, 0, 1, 1],
      [1, 0, 1, 0, 1],
      [0, 0, 1, 0, 0],
      [0, 1, 1, 1, 0],
    ]);
  });

  it('short-circuits: the side && or || does not need is never run', () => {
    const core = new ExprCore();
    // The right side alone passes the step limit on this user.
    const scan = 'request.user.contains("b")';
    const r = compiled(core, [scan, `request.stream && ${scan}`, `request.stream || ${scan}`, `!(request.stream || ${scan})`]);
    const user = 'a'.repeat(100_000);
    expect(r(0, { user })).toBe(-1);
    expect([r(1, { user, stream: false }), r(1, { user, stream: true })]).toEqual([0, -1]);
    expect([r(2, { user, stream: true }), r(2, { user, stream: false })]).toEqual([1, -1]);
    expect(r(3, { user, stream: true })).toBe(0);
  });

  it('stops at the step limit: one step per instruction, one per started 16 bytes compared', () => {
    const core = new ExprCore();
    const r = compiled(core, ['request.user.contains("b")', 'request.user == request.session', 'request.user.startsWith(request.session)', 'request.user in ["x", "y"]']);
    // STR, STRLIT, CONTAINS and RET: 4 steps, so 4092 steps' worth of bytes, 65,472, fit.
    const fits = (bc.EXPR_STEP_LIMIT - 4) * bc.EXPR_SCAN_BYTES_PER_STEP;
    expect(r(0, { user: 'a'.repeat(fits) })).toBe(0);
    expect(r(0, { user: 'a'.repeat(fits + 1) })).toBe(-1);
    expect(r(0, { user: 'a'.repeat(fits - 1) + 'b' })).toBe(1);
    expect(r(0, { user: 'a'.repeat(fits) + 'b' })).toBe(-1);
    // A match early on ends the scan before the limit however long the text.
    expect(r(0, { user: `ab${'a'.repeat(5_000_000)}` })).toBe(1);
    expect(r(0, { user: 'a'.repeat(5_000_000) })).toBe(-1);
    // Equal lengths compare every byte; different lengths compare none.
    const long = 'x'.repeat(fits);
    expect(r(1, { user: long, session: long })).toBe(1);
    expect(r(1, { user: `${long}x`, session: `${long}x` })).toBe(-1);
    expect(r(1, { user: `${long}x`, session: `${long}xy` })).toBe(0);
    expect(r(2, { user: `${long}xy`, session: `${long}x` })).toBe(-1);
    expect(r(2, { user: `${long}x`, session: `${long}xy` })).toBe(0);
    // Short candidates cost a step each when their length matches.
    expect(r(3, { user: 'y' })).toBe(1);
  });

  it('reads NUM and STR slots wherever the host puts them, and FEATURES by offset', () => {
    const core = new ExprCore();
    const r = compiled(core, ['request.metadata["tier"] == "gold" && request.images > 1 && request.complexity >= 0.5']);
    expect(r(0, { metadata: { tier: 'gold' }, images: { count: 2, tiles: 0, sizesKnown: true } }, { [feat.FEAT_COMPLEXITY]: 0.5 })).toBe(1);
    expect(r(0, { metadata: { tier: 'gold' }, images: { count: 2, tiles: 0, sizesKnown: true } }, { [feat.FEAT_COMPLEXITY]: 0.4 })).toBe(0);
  });
});
