/**
 * One policy per static check, each refused with its file:line:col by `switchyard policy check`,
 * by `switchyard serve` at start, and by a serving gateway at reload (which keeps serving); and
 * a policy with warnings, which is reported the same way but served.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startSim } from '../../bench/sim/index.js';
import { packagePath } from '../../engine/src/package-root.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const DIR = packagePath('test', 'fixtures', 'policies', 'refused');

/** Each fixture and the error it must be refused with: code and line:col. */
export const REFUSED: Record<string, [code: string, at: string]> = {
  'condition-field.yaml': ['SY_POLICY_EXPR_UNKNOWN_FIELD', '20:11'],
  'condition-operator.yaml': ['SY_POLICY_EXPR_OPERATOR', '20:33'],
  'condition-type.yaml': ['SY_POLICY_EXPR_TYPE', '20:35'],
  'fallback-cycle.yaml': ['SY_POLICY_FALLBACK_CYCLE', '21:15'],
  'inline-secret.yaml': ['SY_POLICY_INLINE_SECRET', '7:18'],
  'limit-exceeded.yaml': ['SY_POLICY_LIMIT_EXCEEDED', '18:5'],
  'shadowed-route.yaml': ['SY_POLICY_SHADOWED_ROUTE', '20:5'],
  'strategy.yaml': ['SY_POLICY_STRATEGY', '20:5'],
  'unknown-field.yaml': ['SY_POLICY_UNKNOWN_FIELD', '20:5'],
  'unknown-model.yaml': ['SY_POLICY_UNKNOWN_MODEL', '20:25'],
  'unknown-provider.yaml': ['SY_POLICY_UNKNOWN_PROVIDER', '14:15'],
  'unknown-route.yaml': ['SY_POLICY_UNKNOWN_ROUTE', '21:15'],
};

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], {
  encoding: 'utf8', timeout: 20_000, cwd: packagePath(), env: { ...process.env, SIM_API_KEY: 'k' },
});

describe('policies refused for each static check', () => {
  it('has a fixture for every check and nothing else', () => {
    expect(readdirSync(DIR).sort()).toEqual(Object.keys(REFUSED).sort());
  });

  it.each(Object.entries(REFUSED))('%s: policy check exits 1 at %s', (name, [code, at]) => {
    const file = relative(packagePath(), join(DIR, name));
    const result = run('policy', 'check', file);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:${at}: ${code}: `));
  });

  it.each(Object.entries(REFUSED))('%s: serve refuses it at start, exit 1', (name, [code, at]) => {
    const file = relative(packagePath(), join(DIR, name));
    const result = run('serve', '--policy', file, '--port', '0');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}:${at}: ${code}: `);
    expect(result.stderr).toMatch(/not serving/);
  });

  it('a serving gateway refuses each of them at reload and keeps serving the policy it had', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-refused-'));
    const file = join(dir, 'policy.yaml');
    // A good policy: the shared head of the fixtures with one plain route.
    const good = readFileSync(join(DIR, 'unknown-model.yaml'), 'utf8').replace('[small, medium]', '[small]');
    writeFileSync(file, good);
    const child = spawn(process.execPath, [CLI, 'serve', '--policy', file, '--port', '0', '--no-watch'], {
      env: { ...process.env, SIM_API_KEY: 'k', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { log += d.toString(); });
    const until = async (test: () => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!test()) throw new Error(`timed out waiting for ${what}; log:\n${log}`);
    };
    try {
      await until(() => /Server listening at http:\/\/127\.0\.0\.1:\d+/.test(log), 'the server to listen');
      const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)![1]!;
      const status = async (): Promise<{ hash: string; last_error: { errors: string[] } | null }> =>
        (await (await request(`${url}/v1/switchyard/policy`)).body.json()) as { hash: string; last_error: { errors: string[] } | null };
      const serving = (await status()).hash;
      for (const [name, [code, at]] of Object.entries(REFUSED)) {
        copyFileSync(join(DIR, name), file);
        const before = log.length;
        child.kill('SIGHUP');
        await until(() => log.slice(before).includes('refused'), `the refusal of ${name}`);
        expect(log.slice(before)).toContain(`${file}:${at}: ${code}: `);
        const now = await status();
        expect(now.hash).toBe(serving);
        expect(now.last_error?.errors.some((line) => line.startsWith(`${file}:${at}: ${code}: `))).toBe(true);
      }
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('a policy with warnings', () => {
  const file = relative(packagePath(), packagePath('test', 'fixtures', 'policies', 'warned', 'never-eligible.yaml'));
  const WARNINGS = [
    `${file}:10:3: warning: SY_POLICY_UNUSED_PROVIDER: `,
    `${file}:27:18: warning: SY_POLICY_NEVER_ELIGIBLE: route "a" can never use candidate "small": the route requires tools`,
  ];

  it('policy check prints each warning at file:line:col and exits 0', () => {
    const result = run('policy', 'check', file);
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    WARNINGS.forEach((warning, i) => expect(lines[i]!.startsWith(warning)).toBe(true));
    expect(lines[2]).toBe(`${file}: ok, 1 route, 2 models, 2 warnings`);
  });

  it('serve logs the warnings and serves the policy: the candidate its route excludes is passed over', async () => {
    const sim = await startSim({ apiKey: 'k' });
    const child = spawn(process.execPath, [CLI, 'serve', '--policy', file, '--port', '0', '--no-watch'], {
      cwd: packagePath(), env: { ...process.env, SIM_API_KEY: 'k', SIM_OPENAI_URL: `${sim.url}/v1`, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { log += d.toString(); });
    try {
      for (let i = 0; i < 200 && !/Server listening at/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
      const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
      expect(url, log).toBeDefined();
      for (const warning of WARNINGS) expect(log).toContain(warning);
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'anything', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = await res.body.json() as { choices: Array<{ message: { content: string } }> };
      expect(res.statusCode).toBe(200);
      expect(body.choices[0]!.message.content).toMatch(/^\[simulated large\]/);
    } finally {
      child.kill('SIGTERM');
      await sim.close();
    }
  });
});
