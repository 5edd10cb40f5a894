import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../../../../engine/src/package-root.js';
import { routeTable, runCheck } from '../../../../../server/tools/policy/check.js';
import { bufferIo } from './buffer-io.js';

const FIXTURES = packagePath('test', 'fixtures', 'policy-cli');
const fixture = (name: string): string => join(FIXTURES, name);

describe('runCheck', () => {
  it('prints ok and one worst-case row per written route; exits 0', async () => {
    const io = bufferIo();
    expect(await runCheck([fixture('basic.yaml')], io)).toBe(0);
    const lines = io.stdout.split('\n');
    expect(lines[0]).toBe(`${fixture('basic.yaml')}: ok, 4 routes, 4 models, 0 warnings`);
    expect(lines[2]).toMatch(/^route\s+strategy\s+candidates\s+worst-case attempts\s+worst-case cost\/request \(USD\)\s+budget reservation \(USD\)$/);
    expect(lines.slice(3, 7).map((l) => l.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['long', 'ordered', 'big', '2'],
      ['cheap', 'ordered', 'nano, mini', '4'],
      ['smart', 'ordered', 'big, claude', '4'],
      ['archive', 'ordered', 'claude', '2'],
    ]);
    expect(io.stdout).not.toContain('model:');
  });

  it('prints every error at file:line:col and exits 1', async () => {
    const io = bufferIo();
    const file = fixture('broken.yaml');
    expect(await runCheck([file], io)).toBe(1);
    const lines = io.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith(`${file}:8:21: SY_POLICY_UNKNOWN_MODEL: `)).toBe(true);
    expect(lines[1]).toBe(`${file}: 1 error, 0 warnings`);
  });

  it('prints each warning at file:line:col, counts them, and exits 0', async () => {
    const io = bufferIo();
    const file = packagePath('test', 'fixtures', 'policies', 'warned', 'never-eligible.yaml');
    expect(await runCheck([file], io)).toBe(0);
    const lines = io.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:10:3: warning: SY_POLICY_UNUSED_PROVIDER: provider "spare"`));
    expect(lines[1]).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:27:18: warning: SY_POLICY_NEVER_ELIGIBLE: route "a" can never use candidate "small"`));
    expect(lines[2]).toBe(`${file}: ok, 1 route, 2 models, 2 warnings`);
    const json = bufferIo();
    expect(await runCheck([file, '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true, errors: [],
      warnings: [{ code: 'SY_POLICY_UNUSED_PROVIDER', severity: 'warning', line: 10, col: 3 }, { code: 'SY_POLICY_NEVER_ELIGIBLE', severity: 'warning', line: 27, col: 18 }],
    });
  });

  it('prints {ok, errors, warnings, routes} with --json', async () => {
    const ok = bufferIo();
    expect(await runCheck([fixture('basic.yaml'), '--json'], ok)).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report).toMatchObject({ ok: true, errors: [], warnings: [] });
    expect(report.routes.map((r: { route: string }) => r.route)).toEqual(['long', 'cheap', 'smart', 'archive']);
    expect(report.routes[1]).toMatchObject({ route: 'cheap', strategy: 'ordered', candidates: ['nano', 'mini'], worstAttempts: 4 });

    const broken = bufferIo();
    expect(await runCheck([fixture('broken.yaml'), '--json'], broken)).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, errors: [{ code: 'SY_POLICY_UNKNOWN_MODEL', line: 8, col: 21 }], routes: [] });
  });
});

describe('routeTable', () => {
  it('right-aligns the numbers and prints costs in USD', () => {
    expect(routeTable([{ route: 'r', strategy: 'cheapest', candidates: ['a', 'b'], retries: 1, worstAttempts: 4, worstCostUsd: 0.0123456, dearestModel: 'b', worstReservedUsd: 0.0412345 }])).toEqual([
      'route  strategy  candidates  worst-case attempts  worst-case cost/request (USD)  budget reservation (USD)',
      'r      cheapest  a, b                          4                         0.0123                    0.0412',
    ]);
  });
});
