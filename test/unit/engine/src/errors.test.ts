import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { POLICY_ERROR_CODES, PolicyError } from '../../../../engine/src/errors.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const REGISTRY_FILE = join(ROOT, 'engine/src/errors.ts');

/** Every .ts file under the given repository folders, with its text. */
function sources(...dirs: string[]): Array<{ file: string; text: string }> {
  return dirs.flatMap((dir) => {
    let entries: string[];
    try {
      entries = readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' });
    } catch {
      return [];
    }
    return entries
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(ROOT, dir, name))
      .map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  });
}

describe('POLICY_ERROR_CODES', () => {
  const codes = Object.keys(POLICY_ERROR_CODES);

  it('defines each code once, named SY_POLICY_*', () => {
    const defined = [...readFileSync(REGISTRY_FILE, 'utf8').matchAll(/^\s+(SY_POLICY_[A-Z_]+):/gm)].map((m) => m[1]);
    expect(defined.length).toBeGreaterThan(0);
    expect(new Set(defined).size).toBe(defined.length);
    expect(defined.sort()).toEqual([...codes].sort());
    for (const code of codes) expect(code).toMatch(/^SY_POLICY_[A-Z]+(_[A-Z]+)*$/);
  });

  it('describes every code in one distinct line', () => {
    const descriptions = Object.values(POLICY_ERROR_CODES) as string[];
    for (const description of descriptions) {
      expect(description.trim().length).toBeGreaterThan(10);
      expect(description).not.toContain('\n');
    }
    expect(new Set(descriptions).size).toBe(descriptions.length);
  });

  it('holds every SY_POLICY_ code the source uses', () => {
    const used = new Set<string>();
    for (const { file, text } of sources('engine/src', 'server')) {
      if (file === REGISTRY_FILE) continue;
      for (const match of text.matchAll(/SY_POLICY_[A-Z_]*[A-Z]/g)) used.add(match[0]);
    }
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((code) => !(code in POLICY_ERROR_CODES))).toEqual([]);
  });

  it('has no code that nothing reports', () => {
    const text = sources('engine/src').filter((s) => s.file !== REGISTRY_FILE).map((s) => s.text).join('\n');
    expect(codes.filter((code) => !text.includes(`'${code}'`))).toEqual([]);
  });
});

describe('PolicyError', () => {
  const loc = { file: 'policies/default.yaml', line: 12, col: 7 };

  it('formats as file:line:col: CODE: message', () => {
    const error = new PolicyError('SY_POLICY_UNKNOWN_MODEL', 'route "a" lists candidate "x"', loc, { path: 'routes[0].candidates[1]' });
    expect(error.format()).toBe('policies/default.yaml:12:7: SY_POLICY_UNKNOWN_MODEL: route "a" lists candidate "x"');
    expect([error.code, error.file, error.line, error.col, error.path, error.severity]).toEqual([
      'SY_POLICY_UNKNOWN_MODEL', 'policies/default.yaml', 12, 7, 'routes[0].candidates[1]', 'error',
    ]);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PolicyError');
  });

  it('marks a warning as such when formatted', () => {
    const warning = new PolicyError('SY_POLICY_SHADOWED_ROUTE', 'route "b" can never match', loc, { severity: 'warning' });
    expect(warning.format()).toBe('policies/default.yaml:12:7: warning: SY_POLICY_SHADOWED_ROUTE: route "b" can never match');
  });

  it('serialises to JSON with its message and without an absent path', () => {
    const error = new PolicyError('SY_POLICY_READ', 'cannot read the policy: no such file', { file: 'x.yaml', line: 1, col: 1 });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'SY_POLICY_READ', severity: 'error', message: 'cannot read the policy: no such file', file: 'x.yaml', line: 1, col: 1,
    });
  });
});
