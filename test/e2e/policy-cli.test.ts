/** `switchyard policy <verb>` from the built CLI (node dist/server/cli.js), as a user runs it. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../engine/src/package-root.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const FIXTURES = packagePath('test', 'fixtures', 'policy-cli');

function run(args: string[], opts: { cwd?: string; input?: string } = {}) {
  return spawnSync(process.execPath, [CLI, 'policy', ...args], { encoding: 'utf8', timeout: 30_000, ...opts });
}

/** A fresh folder holding copies of the named fixtures under policies/ (as a project keeps them). */
function project(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-policy-cli-'));
  mkdirSync(join(dir, 'policies', 'team'), { recursive: true });
  for (const name of names) copyFileSync(join(FIXTURES, name), join(dir, 'policies', name));
  return dir;
}

describe('switchyard policy', () => {
  it('lists its verbs, and each verb has --help', () => {
    expect(spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout).toContain('policy  the policy toolchain');
    const top = run(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/check\s+compile a policy/);
    for (const verb of ['check', 'test', 'explain', 'fmt']) {
      const r = run([verb, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: switchyard policy ${verb} `));
    }
  });

  it('exits 2 with the reason on stderr for a bad command line', () => {
    const r = run(['check']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('switchyard policy check: policy check takes one policy file, got 0');
    expect(r.stdout).toBe('');
    expect(run(['frob']).status).toBe(2);
  });

  it('check: a good policy exits 0 with its route table, a broken one exits 1 at file:line:col', () => {
    const dir = project('basic.yaml', 'broken.yaml');
    const ok = run(['check', 'policies/basic.yaml'], { cwd: dir });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('policies/basic.yaml: ok, 4 routes, 4 models, 0 warnings');
    expect(ok.stdout).toMatch(/^cheap\s+ordered\s+nano, mini\s+4\s+[\d.]+\s+[\d.]+$/m);
    const bad = run(['check', 'policies/broken.yaml'], { cwd: dir });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('policies/broken.yaml:8:21: SY_POLICY_UNKNOWN_MODEL');
    const json = run(['check', 'policies/broken.yaml', '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, errors: [{ code: 'SY_POLICY_UNKNOWN_MODEL', line: 8, col: 21 }] });
  });

  it('test: with no file runs every *.test.yaml under ./policies; a failing case exits 1', () => {
    const dir = project('basic.yaml', 'basic.test.yaml');
    copyFileSync(join(FIXTURES, 'basic.yaml'), join(dir, 'policies', 'team', 'basic.yaml'));
    copyFileSync(join(FIXTURES, 'basic.test.yaml'), join(dir, 'policies', 'team', 'basic.test.yaml'));
    const ok = run(['test'], { cwd: dir });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('policies/basic.test.yaml (policy policies/basic.yaml)\n  ok   a short question goes to the cheapest model');
    expect(ok.stdout).toContain('policies/team/basic.test.yaml (policy policies/team/basic.yaml)');
    expect(ok.stdout).toContain('\n10 passed, 0 failed\n');
    expect(ok.stdout).toContain('policies/basic.yaml: routes no case reaches: long, archive');

    copyFileSync(join(FIXTURES, 'failing.test.yaml'), join(dir, 'policies', 'failing.test.yaml'));
    const failing = run(['test', 'policies/failing.test.yaml'], { cwd: dir });
    expect(failing.status).toBe(1);
    expect(failing.stdout).toContain('  FAIL expects the wrong route and candidates\n      route: expected "smart", got "cheap"\n');
    expect(failing.stdout).toContain('1 passed, 1 failed');
  });

  it('test: an invalid test file exits 1 with file:line:col', () => {
    const dir = project('basic.yaml', 'invalid.test.yaml');
    const r = run(['test', 'policies/invalid.test.yaml'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('policies/invalid.test.yaml:7:14: SY_POLICY_UNKNOWN_MODEL: the policy declares no model "gpt-4o"');
  });

  it('explain: reads the request from stdin and prints route, candidates and trail', () => {
    const request = JSON.stringify({ model: 'cheap', messages: [{ role: 'user', content: 'What is 2+2?' }] });
    const r = run(['explain', join(FIXTURES, 'basic.yaml'), '--request', '-'], { input: request });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^route {7}cheap \(line 30\)/m);
    expect(r.stdout).toMatch(/^ {2}1\s+nano\s+openai\s+\d+ exact\s+\S+\s+\S+\s+eligible\s+cheap$/m);
    expect(r.stdout).toMatch(/^ {2}line 30\s+cheap\s+matched/m);
  });

  it('fmt: --check exits 1 and writes nothing; then fmt rewrites in canonical form; --stdout prints', () => {
    const dir = project('unformatted.yaml');
    const file = join(dir, 'policies', 'unformatted.yaml');
    const before = readFileSync(file, 'utf8');
    const check = run(['fmt', '--check', file]);
    expect(check.status).toBe(1);
    expect(check.stdout).toBe(`${file}: not in canonical form\n`);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const canonical = readFileSync(join(FIXTURES, 'unformatted.formatted.yaml'), 'utf8');
    expect(run(['fmt', file, '--stdout']).stdout).toBe(canonical);
    expect(run(['fmt', file]).status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(canonical);
    expect(run(['fmt', '--check', file]).status).toBe(0);
    const bad = run(['fmt', join(FIXTURES, 'not-yaml.yaml')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('not-yaml.yaml:2:9: SY_POLICY_YAML_SYNTAX');
  });
});
