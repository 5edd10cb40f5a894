import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as abi from '../../../../engine/src/abi.js';
import * as featuresAbi from '../../../../engine/src/features-abi.js';
import { coreModule, instantiateCore } from '../../../../engine/src/wasm.js';
import { packagePath } from '../../../../engine/src/package-root.js';

/** Every `export const NAME: u32 = VALUE;` of engine/assembly/<file>. */
function layoutConstants(file = 'layout.ts'): Map<string, number> {
  const source = readFileSync(packagePath('engine', 'assembly', file), 'utf8');
  const found = new Map<string, number>();
  for (const m of source.matchAll(/export const (\w+): u32 = (0x[0-9a-f]+|\d+);/gi)) found.set(m[1]!, Number(m[2]));
  return found;
}

describe('core ABI', () => {
  it('host mirror (abi.ts) equals engine/assembly/layout.ts, constant by constant', () => {
    const layout = layoutConstants();
    expect(layout.size).toBeGreaterThan(50);
    const host = abi as unknown as Record<string, unknown>;
    for (const [name, value] of layout) expect([name, host[name]]).toEqual([name, value]);
    const hostNumbers = Object.entries(host).filter(([, v]) => typeof v === 'number').map(([k]) => k);
    expect(hostNumbers.sort()).toEqual([...layout.keys()].sort());
  });

  it('host mirror (features-abi.ts) equals engine/assembly/features-layout.ts, constant by constant', () => {
    const layout = layoutConstants('features-layout.ts');
    expect(layout.size).toBeGreaterThan(30);
    const host = featuresAbi as unknown as Record<string, unknown>;
    for (const [name, value] of layout) expect([name, host[name]]).toEqual([name, value]);
    const hostNumbers = Object.entries(host).filter(([, v]) => typeof v === 'number').map(([k]) => k);
    expect(hostNumbers.sort()).toEqual([...layout.keys()].sort());
  });

  it('the built module exports exactly the ABI and reports its version', () => {
    const names = WebAssembly.Module.exports(coreModule()).map((e) => e.name).sort();
    expect(names).toEqual([...abi.CORE_EXPORTS].sort());
    expect(instantiateCore().ABI_VERSION.value).toBe(abi.ABI_VERSION);
  });

  it('imports nothing but abort', () => {
    expect(WebAssembly.Module.imports(coreModule()).map((i) => `${i.module}.${i.name}`)).toEqual(['env.abort']);
  });

  it('refuses malformed programs with the LOAD_* code instead of trapping', () => {
    const core = instantiateCore();
    const write = (bytes: Uint8Array): number => {
      const ptr = core.reserveProgram(bytes.length);
      new Uint8Array(core.memory.buffer).set(bytes, ptr);
      return core.loadProgram(bytes.length);
    };
    const header = (magic: number, format: number, models: number, routes: number): Uint8Array => {
      const b = new Uint8Array(abi.PROGRAM_HEADER_SIZE);
      const v = new DataView(b.buffer);
      v.setUint32(0, magic, true);
      v.setUint32(4, format, true);
      v.setUint32(8, models, true);
      v.setUint32(12, routes, true);
      return b;
    };
    expect(write(new Uint8Array(3))).toBe(abi.LOAD_TRUNCATED);
    expect(write(header(0xdeadbeef, 1, 0, 0))).toBe(abi.LOAD_BAD_MAGIC);
    expect(write(header(abi.PROGRAM_MAGIC, 99, 0, 0))).toBe(abi.LOAD_BAD_FORMAT);
    expect(write(header(abi.PROGRAM_MAGIC, abi.PROGRAM_FORMAT, 5, 0))).toBe(abi.LOAD_TRUNCATED);
    expect(write(header(abi.PROGRAM_MAGIC, abi.PROGRAM_FORMAT, 0, 1))).toBe(abi.LOAD_TRUNCATED);
    // One route (one candidate: its model index, then its weight) with a broken reference.
    const route = (edit: (v: DataView, at: number) => void): Uint8Array => {
      const bytes = new Uint8Array(abi.PROGRAM_HEADER_SIZE + abi.PROGRAM_ROUTE_HEADER_SIZE + 8);
      bytes.set(header(abi.PROGRAM_MAGIC, abi.PROGRAM_FORMAT, 1, 1));
      const v = new DataView(bytes.buffer);
      v.setUint32(abi.PROGRAM_HEADER_SIZE + abi.PR_CANDIDATES, 1, true);
      v.setUint32(abi.PROGRAM_HEADER_SIZE + abi.PR_WHEN, abi.NO_ID, true);
      v.setUint32(abi.PROGRAM_HEADER_SIZE + abi.PR_FALLBACK, abi.NO_ID, true);
      edit(v, abi.PROGRAM_HEADER_SIZE);
      // The route follows the model table; shift it in after one (zeroed) model record.
      const out = new Uint8Array(bytes.length + abi.PROGRAM_MODEL_SIZE);
      out.set(bytes.subarray(0, abi.PROGRAM_HEADER_SIZE));
      out.set(bytes.subarray(abi.PROGRAM_HEADER_SIZE), abi.PROGRAM_HEADER_SIZE + abi.PROGRAM_MODEL_SIZE);
      return out;
    };
    expect(write(route(() => {}))).toBe(abi.LOAD_OK);
    expect(write(route((v, at) => v.setUint32(at + abi.PROGRAM_ROUTE_HEADER_SIZE, 7, true)))).toBe(abi.LOAD_BAD_REFERENCE);
    expect(write(route((v, at) => v.setUint32(at + abi.PR_FALLBACK, 3, true)))).toBe(abi.LOAD_BAD_REFERENCE);
    expect(write(route((v, at) => v.setUint32(at + abi.PR_WHEN, 0, true)))).toBe(abi.LOAD_BAD_REFERENCE);
    expect(write(route((v, at) => v.setUint32(at + abi.PR_STRATEGY, 9, true)))).toBe(abi.LOAD_BAD_REFERENCE);
    // A model whose tokenizer id the core does not know.
    const model = new Uint8Array(abi.PROGRAM_HEADER_SIZE + abi.PROGRAM_MODEL_SIZE);
    model.set(header(abi.PROGRAM_MAGIC, abi.PROGRAM_FORMAT, 1, 0));
    new DataView(model.buffer).setUint32(abi.PROGRAM_HEADER_SIZE + abi.PM_TOKENIZER, 9, true);
    expect(write(model)).toBe(abi.LOAD_BAD_REFERENCE);
    expect(write(header(abi.PROGRAM_MAGIC, abi.PROGRAM_FORMAT, 0, 0))).toBe(abi.LOAD_OK);
  });
});
