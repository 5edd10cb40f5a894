import { describe, expect, it } from 'vitest';
import * as feat from '../../../../../../engine/src/features-abi.js';
import * as bc from '../../../../../../engine/src/policy/expr/bytecode.js';
import { checkExpr } from '../../../../../../engine/src/policy/expr/check.js';
import { buildSection, emitInstructions, encodeInstructions, LiteralPool, type Instr } from '../../../../../../engine/src/policy/expr/emit.js';
import { FIXED_NUM_SLOTS, FIXED_STR_SLOTS, SlotTable } from '../../../../../../engine/src/policy/expr/fields.js';
import { parseExpr } from '../../../../../../engine/src/policy/expr/parse.js';

function instructions(text: string): Instr[] {
  const parsed = parseExpr(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const checked = checkExpr(parsed.expr, text, { models: ['m'], providers: ['p'] });
  if (!checked.ok) throw new Error(checked.errors[0]!.message);
  return emitInstructions(checked.ir);
}

const ops = (text: string): number[] => instructions(text).map((i) => i.op);

describe('emitInstructions', () => {
  it('emits one instruction per node, operands before operators, RET last', () => {
    expect(instructions('request.tokens.prompt > 8000')).toEqual([
      { op: bc.OP_FEAT, offset: feat.FEAT_TOKENS },
      { op: bc.OP_CONST, value: 8000 },
      { op: bc.OP_GT },
      { op: bc.OP_RET },
    ]);
    expect(instructions('request.model.startsWith("gpt")')).toEqual([
      { op: bc.OP_STR, slot: FIXED_STR_SLOTS[0] },
      { op: bc.OP_STRLIT, value: 'gpt' },
      { op: bc.OP_STARTS },
      { op: bc.OP_RET },
    ]);
  });

  it('picks the opcode of every operator', () => {
    const table: Array<[string, number]> = [
      ['request.messages == 1', bc.OP_EQ], ['request.messages != 1', bc.OP_NE], ['request.messages < 1', bc.OP_LT],
      ['request.messages <= 1', bc.OP_LE], ['request.messages > 1', bc.OP_GT], ['request.messages >= 1', bc.OP_GE],
      ['request.user == "a"', bc.OP_SEQ], ['request.user != "a"', bc.OP_SNE], ['request.user.contains("a")', bc.OP_CONTAINS],
      ['request.user.startsWith("a")', bc.OP_STARTS], ['request.user.endsWith("a")', bc.OP_ENDS],
      ['request.messages in [1]', bc.OP_IN_NUM], ['time.weekday in ["mon"]', bc.OP_IN_NUM], ['request.user in ["a"]', bc.OP_IN_STR],
      ['time.weekday == "mon"', bc.OP_EQ], ['request.stream == false', bc.OP_EQ],
    ];
    for (const [text, op] of table) expect([text, ops(text).at(-2)]).toEqual([text, op]);
    expect(ops('!request.stream')).toEqual([bc.OP_NUM, bc.OP_NOT, bc.OP_RET]);
    expect(instructions('request.messages in [1, 2]')[1]).toEqual({ op: bc.OP_IN_NUM, values: [1, 2] });
  });

  it('short-circuits && and || with forward jumps that keep the deciding value', () => {
    expect(instructions('request.stream && request.tools')).toEqual([
      { op: bc.OP_NUM, slot: FIXED_NUM_SLOTS[2] },
      { op: bc.OP_JF, target: 3 },
      { op: bc.OP_NUM, slot: FIXED_NUM_SLOTS[3] },
      { op: bc.OP_RET },
    ]);
    const nested = instructions('request.stream || request.tools && request.json_mode');
    expect(nested.map((i) => [i.op, 'target' in i ? i.target : null])).toEqual([
      [bc.OP_NUM, null], [bc.OP_JT, 5], [bc.OP_NUM, null], [bc.OP_JF, 5], [bc.OP_NUM, null], [bc.OP_RET, null],
    ]);
  });
});

describe('LiteralPool', () => {
  it('stores each constant and text once, lists as consecutive runs', () => {
    const pool = new LiteralPool();
    expect([pool.const(5), pool.const(7), pool.const(5)]).toEqual([0, 1, 0]);
    expect(pool.constRun([1, 5])).toBe(2);
    expect(pool.constRun([1, 5])).toBe(2);
    expect(pool.constRun([])).toBe(4);
    expect([pool.text('a'), pool.text('é'), pool.text('a')]).toEqual([0, 1, 0]);
    expect(pool.textRun(['x', 'a'])).toBe(2);
    const bytes = pool.encode();
    const view = new DataView(bytes.buffer);
    expect([view.getUint32(0, true), view.getUint32(4, true)]).toEqual([4, 4]);
    expect([0, 1, 2, 3].map((i) => view.getFloat64(8 + i * 8, true))).toEqual([5, 7, 1, 5]);
    const table = 8 + 4 * 8;
    expect([0, 1, 2, 3].map((i) => [view.getUint32(table + i * 8, true), view.getUint32(table + i * 8 + 4, true)])).toEqual([[0, 1], [1, 2], [3, 1], [4, 1]]);
    expect(new TextDecoder().decode(bytes.subarray(table + 4 * 8))).toBe('aéxa');
  });
});

describe('encodeInstructions', () => {
  it('packs op | a << 8 | b << 16, interning literals and slots', () => {
    const pool = new LiteralPool();
    const slots = new SlotTable();
    const words = encodeInstructions([
      { op: bc.OP_STR, slot: { kind: 'metadata', key: 'tier' } },
      { op: bc.OP_IN_STR, values: ['a', 'b', 'c'] },
      { op: bc.OP_JF, target: 4 },
      { op: bc.OP_FEAT, offset: feat.FEAT_COMPLEXITY },
      { op: bc.OP_RET },
    ], pool, slots);
    expect(Array.from(words!)).toEqual([
      bc.OP_STR | (FIXED_STR_SLOTS.length << 16),
      bc.OP_IN_STR | (3 << 8) | (0 << 16),
      bc.OP_JF | (4 << 16),
      bc.OP_FEAT | (feat.FEAT_COMPLEXITY << 16),
      bc.OP_RET,
    ]);
    expect(slots.strSlots.at(-1)).toEqual({ kind: 'metadata', key: 'tier' });
  });

  it('returns null when an operand no longer fits in 16 bits', () => {
    const pool = new LiteralPool();
    for (let i = 0; i <= 0xffff; i++) pool.const(i);
    expect(encodeInstructions([{ op: bc.OP_CONST, value: 0xffff }, { op: bc.OP_RET }], pool, new SlotTable())).not.toBeNull();
    expect(encodeInstructions([{ op: bc.OP_CONST, value: -1 }, { op: bc.OP_RET }], pool, new SlotTable())).toBeNull();
  });
});

describe('buildSection', () => {
  it('writes the header, each expression with its byte length, then the pool 8-aligned', () => {
    const pool = new LiteralPool();
    pool.const(2.5);
    const slots = new SlotTable();
    slots.index('num', { kind: 'budget', scope: 'global', field: 'remaining_usd' });
    const section = buildSection([Uint32Array.of(0x11, 0x22, 0x33), Uint32Array.of(0x44)], pool, slots);
    const view = new DataView(section.buffer);
    const u32 = (at: number): number => view.getUint32(at, true);
    expect([u32(0), u32(4), u32(8)]).toEqual([2, FIXED_NUM_SLOTS.length + 1, FIXED_STR_SLOTS.length]);
    expect([u32(16), u32(20), u32(24), u32(28), u32(32), u32(36)]).toEqual([12, 0x11, 0x22, 0x33, 4, 0x44]);
    expect(u32(12)).toBe(40);
    expect([u32(40), u32(44), view.getFloat64(48, true)]).toEqual([1, 0, 2.5]);
    expect(section.length).toBe(56);
  });

  it('writes a header-only section when there are no conditions', () => {
    const section = buildSection([], new LiteralPool(), new SlotTable());
    expect(section.length).toBe(bc.EXPR_HEADER_SIZE + 8);
    expect(new DataView(section.buffer).getUint32(0, true)).toBe(0);
  });
});
