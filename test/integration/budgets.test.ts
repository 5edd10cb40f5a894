/**
 * Budgets that cannot be overspent, through real HTTP against the SIMULATED providers:
 * 500 concurrent requests on one gateway against a small budget (never exceeded, and the SQLite
 * ledger sums to exactly the usage the provider reported); two gateway processes sharing one
 * Redis and one PostgreSQL; and a gateway killed with SIGKILL mid-load whose ledger still holds
 * every answer a client received, and whose budgets resume from it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { compilePolicySource } from '../../engine/src/policy/compile.js';
import { packagePath } from '../../engine/src/package-root.js';
import { buildApp } from '../../server/app.js';
import { LocalBudgetStore } from '../../server/budgets/local.js';
import { SqliteLedger } from '../../server/ledger/sqlite.js';
import { createRuntime } from '../../server/policy-runtime.js';

const CLI = packagePath('dist', 'server', 'cli.js');

/** A one-model policy on the sim with one global USD budget; `name` keeps Redis keys apart per run. */
const policy = (name: string, limitUsd: number): string => `version: 1
providers:
  sim: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: SIM_URL, api_key_env: SIM_KEY }
models:
  m: { provider: sim, upstream: sim-model, price: { input: 10, output: 30 }, context_window: 100000, max_output_tokens: 64 }
budgets:
  - { name: ${name}, scope: global, limit_usd: ${limitUsd}, window: day }
routes:
  - name: chat
    match: { model: chat }
    max_tokens: { max: 32 }
    candidates: [m]
`;

const body = JSON.stringify({ model: 'chat', max_tokens: 32, messages: [{ role: 'user', content: 'Count to three.' }] });

interface Answer { status: number; id: string; code: string | null; tokens: number }

async function ask(url: string): Promise<Answer> {
  try {
    const res = await request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = (await res.body.json()) as { usage?: { prompt_tokens: number; completion_tokens: number }; error?: { code: string } };
    return { status: res.statusCode, id: String(res.headers['x-request-id']), code: json.error?.code ?? null, tokens: json.usage ? json.usage.prompt_tokens + json.usage.completion_tokens : 0 };
  } catch {
    // The gateway went away mid-request (the crash test): this answer never arrived.
    return { status: 0, id: '', code: null, tokens: 0 };
  }
}

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ apiKey: 'k', replyTokens: 16 });
});
afterAll(async () => {
  await sim?.close();
});

describe('one gateway, 500 concurrent requests, a small budget', () => {
  it('never exceeds the budget, and the ledger sums to exactly the usage the provider reported', async () => {
    const built = compilePolicySource(policy(`g-${randomBytes(4).toString('hex')}`, 0.1), 'p.yaml');
    if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
    const p = built.compiled.policy;
    const budgets = new LocalBudgetStore({ budgets: p.budgets, reservationTtlS: p.budgetStore.reservationTtlS });
    const ledger = new SqliteLedger({ path: join(mkdtempSync(join(tmpdir(), 'sy-budget-')), 'ledger.db') });
    const gateway = buildApp({ runtime: createRuntime(built.compiled, { SIM_URL: `${sim.url}/v1`, SIM_KEY: 'k' }), budgets, ledger });
    const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const answers = await Promise.all(Array.from({ length: 500 }, () => ask(url)));
      const served = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status === 429);
      expect(served.length + refused.length).toBe(500);
      expect(refused.every((a) => a.code === 'budget_exceeded')).toBe(true);
      expect(served.length).toBeGreaterThan(50); // the budget admits a good share, then refuses
      expect(refused.length).toBeGreaterThan(0);
      const charges = [...ledger.charges()];
      const usd = charges.reduce((n, c) => n + c.usd, 0);
      expect(usd).toBeLessThanOrEqual(0.1);
      expect(new Set(charges.map((c) => c.requestId))).toEqual(new Set(served.map((a) => a.id)));
      expect(charges.reduce((n, c) => n + c.tokens, 0)).toBe(served.reduce((n, a) => n + a.tokens, 0));
    } finally {
      await gateway.app.close();
      await ledger.close();
    }
  }, 60_000);
});

/** `switchyard serve` in its own process; resolves with its URL once it listens. */
async function serve(policyFile: string, env: Record<string, string>, args: string[] = []): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--policy', policyFile, '--port', '0', '--no-watch', ...args], {
    env: { ...process.env, SIM_URL: `${sim.url}/v1`, SIM_KEY: 'k', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  for (let i = 0; i < 200 && !/Server listening at/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
  const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
  if (!url) throw new Error(`serve did not start:\n${log}`);
  return { child, url, log: () => log };
}

/** Resolves when the process has ended (a killed one has a signalCode and no exitCode). */
const stopped = (child: ChildProcess): Promise<unknown> =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));

describe('two gateway processes on one Redis and one PostgreSQL', () => {
  it('share the budget (never exceeded) and write a complete ledger', async () => {
    const run = randomBytes(4).toString('hex');
    const schema = `sy_budget_${run}`;
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const databaseUrl = `postgres://postgres@127.0.0.1:5432/test?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const file = join(mkdtempSync(join(tmpdir(), 'sy-shared-')), 'policy.yaml');
    writeFileSync(file, policy(`shared-${run}`, 0.1));
    const env = { REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: databaseUrl };
    const a = await serve(file, env);
    const b = await serve(file, env);
    try {
      const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => ask(i % 2 ? a.url : b.url)));
      const served = answers.filter((x) => x.status === 200);
      expect(served.length + answers.filter((x) => x.status === 429).length).toBe(500);
      expect(served.length).toBeGreaterThan(50);
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await Promise.all([stopped(a.child), stopped(b.child)]);
      const rows = await admin.query(`SELECT request_id, usd, instance FROM ${schema}.switchyard_charges`);
      expect(new Set(rows.rows.map((r: { request_id: string }) => r.request_id))).toEqual(new Set(served.map((x) => x.id)));
      expect(rows.rows.reduce((n: number, r: { usd: string }) => n + Number(r.usd), 0)).toBeLessThanOrEqual(0.1 + 1e-9);
      // Each charge names the process that settled it (which one served depends on timing).
      expect(rows.rows.every((r: { instance: string }) => /:\d+$/.test(r.instance))).toBe(true);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }, 90_000);
});

describe('a gateway killed mid-load', () => {
  it('has every answer a client received in its ledger, and its budget resumes from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-crash-'));
    const file = join(dir, 'policy.yaml');
    const db = join(dir, 'switchyard.db');
    writeFileSync(file, policy(`crash-${randomBytes(4).toString('hex')}`, 0.1));
    const first = await serve(file, {}, ['--db', db]);
    const answers: Answer[] = [];
    let next = 0;
    const load = Promise.all(Array.from({ length: 8 }, async () => {
      while (next < 400) {
        next++;
        answers.push(await ask(first.url));
      }
    }));
    // Let some answers through, then kill it without warning.
    while (answers.filter((x) => x.status === 200).length < 40) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    await load;
    await stopped(first.child);
    const received = answers.filter((x) => x.status === 200);
    const ledger = new SqliteLedger({ path: db, mustExist: true });
    const spent = [...ledger.charges()];
    await ledger.close();
    const inLedger = new Set(spent.map((c) => c.requestId));
    expect(received.filter((x) => !inLedger.has(x.id))).toEqual([]);
    // Restarted on the same file: what was spent counts against the budget.
    const spentUsd = spent.reduce((n, c) => n + c.usd, 0);
    const second = await serve(file, {}, ['--db', db]);
    try {
      const after = [];
      for (let i = 0; i < 400; i++) {
        const answer = await ask(second.url);
        after.push(answer);
        if (answer.status === 429) break;
      }
      const ledger2 = new SqliteLedger({ path: db, mustExist: true });
      const total = [...ledger2.charges()].reduce((n, c) => n + c.usd, 0);
      await ledger2.close();
      expect(after.at(-1)!.status).toBe(429);
      expect(total).toBeLessThanOrEqual(0.1 + 1e-9);
      expect(total).toBeGreaterThan(spentUsd);
    } finally {
      second.child.kill('SIGTERM');
      await stopped(second.child);
    }
  }, 90_000);
});

describe('a reload that changes the budgets', () => {
  it('enforces the new budgets from the next request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-reload-budget-'));
    const file = join(dir, 'policy.yaml');
    const name = `reload-${randomBytes(4).toString('hex')}`;
    writeFileSync(file, policy(name, 100));
    const gw = await serve(file, {}, ['--db', join(dir, 'switchyard.db')]);
    try {
      expect((await ask(gw.url)).status).toBe(200);
      writeFileSync(file, policy(name, 0.0001));
      gw.child.kill('SIGHUP');
      for (let i = 0; i < 100 && !/budgets changed/.test(gw.log()); i++) await new Promise((r) => setTimeout(r, 50));
      const answer = await ask(gw.url);
      expect([answer.status, answer.code]).toEqual([429, 'budget_exceeded']);
    } finally {
      gw.child.kill('SIGTERM');
      await stopped(gw.child);
    }
  }, 30_000);
});
