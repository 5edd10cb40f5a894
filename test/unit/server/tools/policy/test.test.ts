import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../../../../engine/src/package-root.js';
import { findTestFiles, runTest, testFile } from '../../../../../server/tools/policy/test.js';
import { bufferIo } from './buffer-io.js';

const FIXTURES = packagePath('test', 'fixtures', 'policy-cli');
const fixture = (name: string): string => join(FIXTURES, name);

describe('testFile', () => {
  it('runs every case of a passing test file and reports coverage', () => {
    const result = testFile(fixture('basic.test.yaml'));
    if (!result.ok) throw new Error(result.errors.map((e) => e.format()).join('\n'));
    expect(result.cases.map((c) => [c.name, c.mismatches, c.route, c.model])).toEqual([
      ['a short question goes to the cheapest model', [], 'cheap', 'nano'],
      ['an open circuit moves the request to the next candidate', [], 'cheap', 'mini'],
      ['smart asks for the frontier model', [], 'smart', 'big'],
      ['a model the policy does not offer has no route', [], null, null],
      ['a model asked by its own name takes its implicit route', [], 'model:claude', 'claude'],
    ]);
    expect(result.coverage).toEqual({
      unreachedRoutes: ['long', 'archive'],
      unselected: [{ route: 'long', model: 'big' }, { route: 'smart', model: 'claude' }, { route: 'archive', model: 'claude' }],
    });
  });
});

describe('runTest', () => {
  it('checks strategies, fallbacks, max_tokens rewrites, exclusions and trails', async () => {
    const io = bufferIo();
    expect(await runTest([fixture('conditions.yaml')], io)).toBe(0);
    expect(io.stdout).toContain('3 passed, 0 failed\ncandidates no case selects: budget -> mini, quality -> nano, quality -> big\n');
  });

  it('shows both trails when a trail differs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-policy-test-'));
    cpSync(fixture('conditions.yaml'), join(dir, 'c.yaml'));
    writeFileSync(join(dir, 'c.test.yaml'), [
      'cases:',
      '  - name: expects the vip route for everyone',
      '    request: { model: auto, messages: [{ role: user, content: hi }] }',
      '    expect: { trail: [vip:matched] }',
      '',
    ].join('\n'));
    const io = bufferIo();
    expect(await runTest([join(dir, 'c.yaml')], io)).toBe(1);
    expect(io.stdout).toContain('      trail: expected [vip:matched], got [vip:when_false, budget:when_false, quality:matched]\n');
  });

  it('prints ok per case, the summary and the coverage; exits 0', async () => {
    const io = bufferIo();
    expect(await runTest([fixture('basic.yaml')], io)).toBe(0);
    expect(io.stdout).toBe([
      `${fixture('basic.test.yaml')} (policy ${fixture('basic.yaml')})`,
      '  ok   a short question goes to the cheapest model',
      '  ok   an open circuit moves the request to the next candidate',
      '  ok   smart asks for the frontier model',
      '  ok   a model the policy does not offer has no route',
      '  ok   a model asked by its own name takes its implicit route',
      '',
      '5 passed, 0 failed',
      'routes no case reaches: long, archive',
      'candidates no case selects: long -> big, smart -> claude, archive -> claude',
      '',
    ].join('\n'));
  });

  it('shows what differs under a failing case and exits 1', async () => {
    const io = bufferIo();
    expect(await runTest([fixture('failing.test.yaml')], io)).toBe(1);
    expect(io.stdout).toContain([
      '  ok   passes',
      '  FAIL expects the wrong route and candidates',
      '      route: expected "smart", got "cheap"',
      '      candidates: expected [big, claude], got [nano, mini]',
      '      excluded.big: expected "circuit_open", got "not a candidate"',
      '',
      '1 passed, 1 failed',
    ].join('\n'));
  });

  it('reports an invalid test file with its errors, runs the others, and exits 1', async () => {
    const io = bufferIo();
    expect(await runTest([fixture('invalid.test.yaml'), fixture('basic.test.yaml')], io)).toBe(1);
    expect(io.stdout).toContain(`${fixture('invalid.test.yaml')}:6:7: SY_POLICY_UNKNOWN_FIELD: expect has no field "rout"; did you mean "route"?`);
    expect(io.stdout).toContain(`${fixture('invalid.test.yaml')}: invalid, no case run`);
    expect(io.stdout).toContain('5 passed, 0 failed, 1 invalid test file');
    // With several files, each coverage line names its policy.
    expect(io.stdout).toContain(`${fixture('basic.yaml')}: routes no case reaches: long, archive`);
  });

  it('prints JSON for machines', async () => {
    const io = bufferIo();
    expect(await runTest([fixture('failing.test.yaml'), '--json'], io)).toBe(1);
    const report = JSON.parse(io.stdout);
    expect(report).toMatchObject({ ok: false, passed: 1, failed: 1, invalid: 0 });
    expect(report.files[0].cases[1]).toMatchObject({
      name: 'expects the wrong route and candidates', line: 6, route: 'cheap', model: 'nano',
      mismatches: [{ field: 'route', expected: 'smart', got: 'cheap' }, { field: 'candidates' }, { field: 'excluded.big' }],
    });
  });

  it('says so when it finds no test file', async () => {
    const io = bufferIo();
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), 'sy-policy-test-')));
    try {
      expect(await runTest([], io)).toBe(1);
    } finally {
      process.chdir(cwd);
    }
    expect(io.stderr).toContain('no test files: ./policies holds no *.test.yaml');
  });
});

describe('findTestFiles', () => {
  it('finds *.test.yaml recursively in name order, and nothing in a missing folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'sy-policy-find-'));
    mkdirSync(join(root, 'b', 'deep'), { recursive: true });
    cpSync(fixture('basic.test.yaml'), join(root, 'z.test.yaml'));
    cpSync(fixture('basic.test.yaml'), join(root, 'b', 'deep', 'a.test.yml'));
    cpSync(fixture('basic.yaml'), join(root, 'b', 'basic.yaml'));
    expect(findTestFiles(root)).toEqual([join(root, 'b', 'deep', 'a.test.yml'), join(root, 'z.test.yaml')]);
    expect(findTestFiles(join(root, 'absent'))).toEqual([]);
  });
});
