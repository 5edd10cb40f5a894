/**
 * Budgets that cannot be overspent, through real HTTP against the SIMULATED providers:
 * 500 concurrent requests on one gateway against a small budget (never exceeded, and the SQLite
 * ledger sums to exactly the usage the provider reported); two gateway processes sharing one
 * Redis and one PostgreSQL; a gateway killed with SIGKILL mid-load whose ledger still holds
 * every answer a client received, and whose budgets resume from it; a gateway on PostgreSQL
 * without Redis whose budgets resume from it; and what a client hears when a budget refuses
 * (429 with error.budget, a downgrade, 503 when Redis is away) and where a failover is charged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
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
import { createBudgetStore } from '../../server/budgets/index.js';
import { LocalBudgetStore } from '../../server/budgets/local.js';
import type { BudgetStore } from '../../server/budgets/types.js';
import { KeyStore } from '../../server/keys/store.js';
import { SqliteLedger } from '../../server/ledger/sqlite.js';
import { createRuntime } from '../../server/policy-runtime.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** DATABASE_URL with `schema` first on the search path: each test's tables apart. */
function inSchema(schema: string): string {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

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
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const dir = mkdtempSync(join(tmpdir(), 'sy-shared-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, policy(`shared-${run}`, 0.1));
    const env = { REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: inSchema(schema) };
    // Both share one keys file through --db: the ledger is still PostgreSQL, DATABASE_URL says so.
    const keysFile = ['--db', join(dir, 'keys.db')];
    const a = await serve(file, env, keysFile);
    const b = await serve(file, env, keysFile);
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

describe('a gateway on PostgreSQL without Redis, restarted', () => {
  it('resumes its budgets from the PostgreSQL ledger', async () => {
    const run = randomBytes(4).toString('hex');
    const schema = `sy_resume_${run}`;
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const dir = mkdtempSync(join(tmpdir(), 'sy-pg-resume-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, policy(`pg-resume-${run}`, 0.01));
    // Keys in a file of the test's own (no --db: the two-gateway test covers --db with DATABASE_URL).
    const env = { DATABASE_URL: inSchema(schema), SWITCHYARD_DB: join(dir, 'keys.db') };
    const args: string[] = [];
    const first = await serve(file, env, args);
    let second: Awaited<ReturnType<typeof serve>> | undefined;
    try {
      const before: Answer[] = [];
      for (let i = 0; i < 100 && before.at(-1)?.status !== 429; i++) before.push(await ask(first.url));
      expect(before.at(-1)).toMatchObject({ status: 429, code: 'budget_exceeded' });
      expect(before.filter((a) => a.status === 200).length).toBeGreaterThan(3);
      first.child.kill('SIGTERM');
      await stopped(first.child);
      const rows = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.switchyard_charges`);
      expect(rows.rows[0].n).toBe(before.filter((a) => a.status === 200).length);
      // A restart of a process that keeps its budgets itself: what PostgreSQL says was spent counts.
      second = await serve(file, env, args);
      expect(second.log()).toMatch(/resumed from \d+ charge\(s\)/);
      expect(await ask(second.url)).toMatchObject({ status: 429, code: 'budget_exceeded' });
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }, 60_000);
});

/** Two routes on the sim: `chat` on a dear model, and `small` on a cheap one. */
const twoRoutes = (budgets: string): string => `version: 1
providers:
  sim: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: SIM_URL, api_key_env: SIM_KEY }
models:
  dear: { provider: sim, upstream: sim-model, price: { input: 10, output: 30 }, context_window: 100000, max_output_tokens: 64 }
  cheap: { provider: sim, upstream: sim-model, price: { input: 0.1, output: 0.2 }, context_window: 100000, max_output_tokens: 64 }
budgets:
${budgets}
routes:
  - { name: chat, match: { model: chat }, max_tokens: { max: 32 }, candidates: [dear] }
  - { name: small, match: { model: small }, max_tokens: { max: 32 }, candidates: [cheap] }
`;

interface Gateway { url: string; budgets: BudgetStore; close(): Promise<void> }

/** An in-process gateway on the sim under `source`, with a local budget store unless given one. */
async function gateway(source: string, opts: { simUrl?: string; budgets?: (p: import('../../engine/src/policy/types.js').Policy) => BudgetStore; keys?: KeyStore; ledger?: SqliteLedger } = {}): Promise<Gateway> {
  const built = compilePolicySource(source, 'p.yaml');
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  const p = built.compiled.policy;
  const budgets = opts.budgets?.(p) ?? new LocalBudgetStore({ budgets: p.budgets, reservationTtlS: p.budgetStore.reservationTtlS });
  const app = buildApp({ runtime: createRuntime(built.compiled, { SIM_URL: `${opts.simUrl ?? sim.url}/v1`, SIM_KEY: 'k' }), budgets, keys: opts.keys, ledger: opts.ledger });
  const url = await app.app.listen({ port: 0, host: '127.0.0.1' });
  return { url, budgets, close: async () => { await app.app.close(); await budgets.close(); } };
}

async function post(url: string, model: string, secret?: string): Promise<{ status: number; headers: Record<string, unknown>; json: { error?: { code: string; message: string; budget?: Record<string, unknown> } } }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret) headers.authorization = `Bearer ${secret}`;
  const res = await request(`${url}/v1/chat/completions`, {
    method: 'POST', headers, body: JSON.stringify({ model, max_tokens: 32, messages: [{ role: 'user', content: 'Count to three.' }] }),
  });
  return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as never };
}

describe('what a client hears when a budget refuses', () => {
  it('429 budget_exceeded with error.budget (what is left, when it resets), the message and Retry-After', async () => {
    const gw = await gateway(twoRoutes('  - { name: tiny, scope: global, limit_tokens: 20, window: day }'));
    try {
      const res = await post(gw.url, 'chat');
      const midnight = new Date();
      midnight.setUTCHours(24, 0, 0, 0);
      expect(res.status).toBe(429);
      expect(res.json.error).toMatchObject({ code: 'budget_exceeded', message: expect.stringMatching(/^budget tiny \(global\) would be exceeded: 20 tokens left of 20 tokens; it resets at /) });
      expect(res.json.error!.budget).toEqual({ name: 'tiny', scope: 'global', unit: 'tokens', limit: 20, remaining: 20, resets_at: midnight.toISOString() });
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(Math.abs(retryAfter - (midnight.getTime() - Date.now()) / 1000)).toBeLessThan(60);
    } finally {
      await gw.close();
    }
  });

  it('503 budget_store_unavailable when Redis is unreachable and the policy fails closed', async () => {
    // A loopback port nothing listens on.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const gw = await gateway(twoRoutes('  - { name: cap, scope: global, limit_usd: 10, window: day }'), {
      budgets: (p) => createBudgetStore(p, { redisUrl: `redis://127.0.0.1:${port}`, log: { warn: () => undefined, error: () => undefined } }),
    });
    try {
      const res = await post(gw.url, 'chat');
      expect(res.status).toBe(503);
      expect(res.json.error!.code).toBe('budget_store_unavailable');
      expect(res.json.error!.message).toMatch(/^budgets cannot be checked: budget store unreachable \(.+\); requests under a budget are refused while it is \(budget_store\.on_unreachable: closed\)$/);
      expect(res.json.error!.message.match(/on_unreachable/g)).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });

  it('downgrade: served through the downgrade route, said by the route header; a key that may not use it gets the 429', async () => {
    // `chat`'s worst case ($0.002) does not fit; `small`'s ($0.00002) does.
    const keys = new KeyStore(join(mkdtempSync(join(tmpdir(), 'sy-downgrade-')), 'keys.db'));
    const both = keys.create({ allowedRoutes: ['chat', 'small'] }).secret;
    const chatOnly = keys.create({ allowedRoutes: ['chat'] }).secret;
    const gw = await gateway(twoRoutes('  - { name: soft, scope: global, limit_usd: 0.001, window: day, on_exceed: downgrade, downgrade_to: small }'), { keys });
    try {
      const served = await post(gw.url, 'chat', both);
      expect(served.status).toBe(200);
      expect(served.headers['x-switchyard-route']).toBe('small');
      expect(served.headers['x-switchyard-model']).toBe('cheap');
      // The key may use `chat` but not `small`: the budget's refusal, not the cheaper route.
      const refused = await post(gw.url, 'chat', chatOnly);
      expect(refused.status).toBe(429);
      expect(refused.json.error).toMatchObject({ code: 'budget_exceeded', budget: { name: 'soft', scope: 'global', unit: 'usd', limit: 0.001 } });
      expect(refused.headers['x-switchyard-model']).toBeUndefined();
    } finally {
      await gw.close();
      keys.close();
    }
  });
});

describe('a failover', () => {
  it('is charged to the model that served: its model budget and the ledger, not the first candidate', async () => {
    const faulty = await startSim({ apiKey: 'k', replyTokens: 16, models: { broken: { status: 500 } } });
    const ledger = new SqliteLedger({ path: join(mkdtempSync(join(tmpdir(), 'sy-failover-')), 'ledger.db') });
    const source = `version: 1
providers:
  sim: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: SIM_URL, api_key_env: SIM_KEY }
models:
  first: { provider: sim, upstream: broken, price: { input: 10, output: 30 }, context_window: 100000, max_output_tokens: 64 }
  second: { provider: sim, upstream: sim-model, price: { input: 1, output: 3 }, context_window: 100000, max_output_tokens: 64 }
budgets:
  - { name: per-model, scope: model, limit_tokens: 100000, window: day }
  - { name: second-only, scope: model, match: second, limit_tokens: 100000, window: 1h }
routes:
  - { name: chat, match: { model: chat }, max_tokens: { max: 32 }, retries: 0, candidates: [first, second] }
`;
    const gw = await gateway(source, { simUrl: faulty.url, ledger });
    try {
      const res = await post(gw.url, 'chat');
      expect(res.status).toBe(200);
      expect(res.headers['x-switchyard-model']).toBe('second');
      const store = gw.budgets as LocalBudgetStore;
      const at = Date.now();
      const on = (model: string) => ({ key: '', user: '', team: '', session: '', model, route: 'chat' });
      const [charge] = [...ledger.charges()];
      expect(charge!.scopes.model).toBe('second');
      expect(charge!.model).toBe('second');
      expect(await store.usage(on('first'), at)).toEqual([{ budget: 'per-model', value: 'first', unit: 'tokens', limit: 100000, spent: 0, reserved: 0 }]);
      expect(await store.usage(on('second'), at)).toEqual([
        { budget: 'per-model', value: 'second', unit: 'tokens', limit: 100000, spent: charge!.tokens, reserved: 0 },
        { budget: 'second-only', value: 'second', unit: 'tokens', limit: 100000, spent: charge!.tokens, reserved: 0 },
      ]);
    } finally {
      await gw.close();
      await ledger.close();
      await faulty.close();
    }
  });
});
