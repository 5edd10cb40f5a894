import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../../../../../engine/src/package-root.js';
import * as bc from '../../../../../../engine/src/policy/expr/bytecode.js';

/** Every `export const NAME: u32|i32 = VALUE;` of engine/assembly/expr.ts. */
function interpreterConstants(): Map<string, number> {
  const source = readFileSync(packagePath('engine', 'assembly', 'expr.ts'), 'utf8');
  const found = new Map<string, number>();
  for (const m of source.matchAll(/export const (\w+): [ui]32 = (-?(?:0x[0-9a-f]+|\d+));/gi)) found.set(m[1]!, Number(m[2]));
  return found;
}

describe('bytecode constants', () => {
  it('mirror engine/assembly/expr.ts, constant by constant', () => {
    const interpreter = interpreterConstants();
    expect(interpreter.size).toBeGreaterThan(35);
    const host = Object.entries(bc).filter(([, v]) => typeof v === 'number');
    expect(Object.fromEntries(host)).toEqual(Object.fromEntries(interpreter));
  });

  it('give every opcode its own number and keep the spec\'s bounds', () => {
    const opcodes = Object.entries(bc).filter(([k]) => k.startsWith('OP_')).map(([, v]) => v);
    expect(new Set(opcodes).size).toBe(opcodes.length);
    expect(opcodes.every((op) => op > 0 && op < 256)).toBe(true);
    expect([bc.EXPR_MAX_INSTRUCTIONS, bc.EXPR_MAX_LIST, bc.EXPR_MAX_STRING_BYTES, bc.EXPR_STEP_LIMIT, bc.EXPR_SCAN_BYTES_PER_STEP]).toEqual([256, 64, 256, 4096, 16]);
  });
});
