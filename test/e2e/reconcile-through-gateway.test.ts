/**
 * `switchyard reconcile` on real gateway traffic: `switchyard serve` answers through the
 * SIMULATED providers, which keep an account of what they billed and serve it as OpenAI's costs
 * export and Anthropic's cost report. The policy names its models differently from the upstream
 * names the providers bill, as operators do: `--policy` translates, and without it every model
 * is a discrepancy. Some Anthropic answers write the provider's prompt cache, billed at the
 * model's cache_write price on both sides.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pricesOf } from '../../bench/sim/exports.js';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { compilePolicySource } from '../../engine/src/policy/compile.js';
import { packagePath } from '../../engine/src/package-root.js';

const CLI = packagePath('dist', 'server', 'cli.js');

const POLICY = `version: 1
providers:
  openai: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: SIM_OPENAI_URL, api_key_env: SIM_KEY }
  anthropic: { kind: anthropic, base_url: "http://127.0.0.1:9", base_url_env: SIM_ANTHROPIC_URL, api_key_env: SIM_KEY }
models:
  fast: { provider: openai, upstream: gpt-4o-mini, price: { input: 0.15, cached_input: 0.075, output: 0.6 }, context_window: 128000 }
  careful: { provider: anthropic, upstream: claude-haiku-4-5, price: { input: 1, cached_input: 0.1, cache_write: 1.25, output: 5 }, context_window: 200000 }
routes:
  - name: quick
    match: { model: quick }
    candidates: [fast]
  - name: thorough
    match: { model: thorough }
    candidates: [careful]
`;

let dir: string;
let db: string;
let policyFile: string;
let sim: SimHandle;
let gateway: ChildProcess;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-reconcile-e2e-'));
  db = join(dir, 'switchyard.db');
  policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  const built = compilePolicySource(POLICY, policyFile);
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  sim = await startSim({ apiKey: 'k', prices: pricesOf(built.compiled.policy.models) });
  gateway = spawn(process.execPath, [CLI, 'serve', '--policy', policyFile, '--port', '0', '--no-watch', '--db', db], {
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', SIM_OPENAI_URL: `${sim.url}/v1`, SIM_ANTHROPIC_URL: sim.url, SIM_KEY: 'k', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  gateway.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  gateway.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  for (let i = 0; i < 200 && !/Server listening at/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
  const found = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
  if (!found) throw new Error(`serve did not start:\n${log}`);
  url = found;
});

afterAll(async () => {
  if (gateway.exitCode === null && gateway.signalCode === null) {
    gateway.kill('SIGTERM');
    await new Promise((r) => gateway.once('exit', r));
  }
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ask(model: string, i: number, stream = false): Promise<void> {
  const res = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 12 + (i % 5), stream, messages: i % 3 === 1
      // A conversation the simulated Anthropic cache writes (its prefix billed at cache_write).
      ? [{ role: 'user', content: 'Context: '.repeat(40) }, { role: 'assistant', content: 'Noted.' }, { role: 'user', content: `Request ${i} sim:cold-cache: name one.` }]
      : [{ role: 'user', content: `Request ${i}: name a freight car type.` }] }),
  });
  const text = await res.body.text();
  expect(res.statusCode, text).toBe(200);
}

async function exportOf(path: string, headers: Record<string, string>): Promise<string> {
  const res = await request(`${sim.url}${path}`, { headers });
  expect(res.statusCode).toBe(200);
  const file = join(dir, `${path.split('/').at(-1)!.split('?')[0]}.json`);
  writeFileSync(file, await res.body.text());
  return file;
}

const reconcile = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, 'reconcile', ...args, '--db', db], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, DATABASE_URL: '' } });

describe('switchyard reconcile on traffic the gateway served', () => {
  it('agrees with both providers\' exports once the policy translates its model names', async () => {
    for (let i = 0; i < 12; i++) await Promise.all([ask('quick', i, i % 3 === 0), ask('thorough', i, i % 4 === 0)]);
    const day = Math.floor(Date.now() / 86_400_000) * 86_400;
    const openai = await exportOf(`/v1/organization/costs?start_time=${day - 86_400}&group_by=line_item&bucket_width=1d`, { authorization: 'Bearer k' });
    const anthropic = await exportOf(`/v1/organizations/cost_report?starting_at=${new Date((day - 86_400) * 1000).toISOString()}&group_by[]=description&bucket_width=1d`, { 'x-api-key': 'k' });

    const o = reconcile('--provider', 'openai', openai, '--policy', policyFile, '--json');
    expect(o.stderr).toBe('');
    expect(o.status).toBe(0);
    const report = JSON.parse(o.stdout) as { totals: { requests: number; ledgerUsd: number; providerUsd: number }; discrepancies: unknown[] };
    expect(report.totals.requests).toBe(12);
    expect(report.totals.ledgerUsd).toBeGreaterThan(0);
    expect(report.totals.ledgerUsd).toBeCloseTo(report.totals.providerUsd, 9);
    expect(report.discrepancies).toEqual([]);

    const written = JSON.parse(readFileSync(anthropic, 'utf8')) as { data: Array<{ results: Array<{ token_type: string }> }> };
    expect(written.data.flatMap((d) => d.results.map((r) => r.token_type))).toContain('cache_creation.ephemeral_5m_input_tokens');
    const a = reconcile('--provider', 'anthropic', anthropic, '--policy', policyFile);
    expect([a.status, a.stderr]).toEqual([0, '']);
    expect(a.stdout).toMatch(/no discrepancies above the tolerance/);

    // Without the policy the ledger's names (fast) never meet the export's (gpt-4o-mini).
    const unmapped = reconcile('--provider', 'openai', openai, '--json');
    expect(unmapped.status, unmapped.stdout + unmapped.stderr).toBe(1);
    const kinds = (JSON.parse(unmapped.stdout) as { discrepancies: Array<{ model: string; kind: string }> }).discrepancies.map((d) => [d.model, d.kind]).sort();
    expect(kinds).toEqual([['fast', 'missing_in_export'], ['gpt-4o-mini', 'missing_in_ledger']]);
  });
});
