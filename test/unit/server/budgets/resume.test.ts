/**
 * Budgets rebuilt from the ledger at start, against the real PostgreSQL (database `test`, one
 * schema per run) and the real Redis: a store of this process resumes from PostgreSQL, and Redis
 * is seeded only in the budget windows it has no counter for, once however many gateways start.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetStore, LocalBudgetStore, RedisBudgetStore } from '../../../../server/budgets/index.js';
import { lookbackMs, resumeBudgets } from '../../../../server/budgets/resume.js';
import type { BudgetStore } from '../../../../server/budgets/types.js';
import { PostgresLedger } from '../../../../server/ledger/postgres.js';
import { SqliteLedger } from '../../../../server/ledger/sqlite.js';
import { budget, Clock, deletePrefix, keysUnder, REDIS_URL, scopes, testPrefix } from '../../../helpers/budgets.js';
import { charge } from '../../../helpers/charge.js';
import { granted, request } from '../../../helpers/budget-store-cases.js';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `sy_resume_${process.pid}_${Date.now().toString(36)}`;
const prefix = testPrefix();
let pool: pg.Pool;
let tables = 0;
const admin = new Redis(REDIS_URL);

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: URL, max: 4 });
  await pool.query(`CREATE SCHEMA "${SCHEMA}"`);
});
afterAll(async () => {
  await pool.query(`DROP SCHEMA "${SCHEMA}" CASCADE`);
  await pool.end();
  await deletePrefix(prefix);
  admin.disconnect();
});

/** 2030-03-10 14:05 UTC. */
const NOW = Date.UTC(2030, 2, 10, 14, 5);

const budgets = [
  budget({ name: 'hourly', scope: 'team', limit: 1000 }),
  budget({ name: 'daily-usd', unit: 'usd', limit: 10, window: { kind: 'calendar', unit: 'day' } }),
  budget({ name: 'per-model', scope: 'model', limit: 1000, window: { kind: 'rolling', seconds: 600 } }),
];

/** A PostgreSQL ledger on a fresh table, holding charges at NOW - 1 min, NOW - 2 h and NOW - 40 days. */
async function ledgerWithCharges(): Promise<PostgresLedger> {
  const ledger = await PostgresLedger.open({ db: pool, table: `${SCHEMA}.charges_${++tables}` });
  ledger.append(charge('recent-a', { at: NOW - 60_000, usd: 0.25, tokens: 100, scopes: { team: 'a', model: 'm1' } }));
  ledger.append(charge('recent-b', { at: NOW - 30_000, usd: 0.5, tokens: 40, scopes: { team: 'b', model: 'm1' } }));
  ledger.append(charge('earlier-today', { at: NOW - 2 * 3_600_000, usd: 1, tokens: 7, scopes: { team: 'a', model: 'm1' } }));
  ledger.append(charge('last-month', { at: NOW - 40 * 86_400_000, usd: 5, tokens: 9, scopes: { team: 'a', model: 'm1' } }));
  await ledger.flush();
  return ledger;
}

type Usage = Record<string, [number, number]>;
async function usage(store: LocalBudgetStore | RedisBudgetStore, team: string): Promise<Usage> {
  const rows = await store.usage(scopes({ team, model: 'm1' }), NOW);
  return Object.fromEntries(rows.map((u) => [u.budget, [u.spent, u.reserved]]));
}

describe('resumeBudgets', () => {
  it('resumes a store of this process from PostgreSQL: every charge whose window is still open', async () => {
    const ledger = await ledgerWithCharges();
    const store = new LocalBudgetStore({ budgets, reservationTtlS: 600, now: () => NOW });
    expect(await resumeBudgets(store, ledger, budgets, NOW)).toEqual({ resumed: 3 });
    expect(await usage(store, 'a')).toEqual({ hourly: [100, 0], 'daily-usd': [1.75, 0], 'per-model': [140, 0] });
    expect(await usage(store, 'b')).toEqual({ hourly: [40, 0], 'daily-usd': [1.75, 0], 'per-model': [140, 0] });
    // What was resumed is enforced: team a has 900 tokens left this hour.
    expect((await store.reserve(request(scopes({ team: 'a' }), { tokens: 901 }, NOW))).ok).toBe(false);
    granted(await store.reserve(request(scopes({ team: 'a' }), { tokens: 900 }, NOW)));
    await ledger.close();
  });

  it('resumes from SQLite the same way', async () => {
    const ledger = new SqliteLedger({ path: join(mkdtempSync(join(tmpdir(), 'sy-resume-')), 'l.db') });
    ledger.append(charge('r1', { at: NOW - 60_000, usd: 0.25, tokens: 100, scopes: { team: 'a', model: 'm1' } }));
    const store = new LocalBudgetStore({ budgets, reservationTtlS: 600, now: () => NOW });
    expect(await resumeBudgets(store, ledger, budgets, NOW)).toEqual({ resumed: 1 });
    expect(await usage(store, 'a')).toEqual({ hourly: [100, 0], 'daily-usd': [0.25, 0], 'per-model': [100, 0] });
    await ledger.close();
  });

  it('seeds Redis counters it lacks from the ledger, once, even with two gateways starting together', async () => {
    const ledger = await ledgerWithCharges();
    const own = `${prefix}seed-${tables}:`;
    const make = (): RedisBudgetStore => new RedisBudgetStore({ budgets, reservationTtlS: 600, url: REDIS_URL, prefix: own, now: () => NOW });
    const [a, b] = [make(), make()];
    const seeded = await Promise.all([resumeBudgets(a, ledger, budgets, NOW), resumeBudgets(b, ledger, budgets, NOW)]);
    // 4 counters: hourly for teams a and b, daily-usd, per-model m1; each written by one of the two.
    expect(seeded.map((s) => (s as { seeded: number }).seeded).reduce((x, y) => x + y, 0)).toBe(4);
    expect(await usage(a, 'a')).toEqual({ hourly: [100, 0], 'daily-usd': [1.75, 0], 'per-model': [140, 0] });
    expect(await usage(b, 'b')).toEqual({ hourly: [40, 0], 'daily-usd': [1.75, 0], 'per-model': [140, 0] });
    const hourlyA = (await keysUnder(admin, own)).find((k) => k.startsWith(`${own}hourly:a:`) && !k.includes(':expiry') && !k.includes(':buckets'))!;
    expect(await admin.hget(hourlyA, 'seeded')).toBe('1');
    // Counters Redis has are left alone: a later start (or one after new charges) adds nothing.
    const r = granted(await a.reserve(request(scopes({ team: 'a', model: 'm1' }), { tokens: 10, usd: 0.01 }, NOW)));
    await a.settle(r, { usd: 0.01, tokens: 10 });
    ledger.append(charge(r.requestId, { at: NOW, usd: 0.01, tokens: 10, scopes: { team: 'a', model: 'm1' } }));
    const c = make();
    expect(await resumeBudgets(c, ledger, budgets, NOW)).toEqual({ seeded: 0 });
    expect(await usage(c, 'a')).toEqual({ hourly: [110, 0], 'daily-usd': [1.76, 0], 'per-model': [150, 0] });
    // Seeded rolling counters leave the window as any other: ten minutes on, the per-model charges are gone.
    const later = new RedisBudgetStore({ budgets, reservationTtlS: 600, url: REDIS_URL, prefix: own, now: () => NOW + 12 * 60_000 });
    expect((await later.usage(scopes({ team: 'a', model: 'm1' }), NOW + 12 * 60_000)).find((u) => u.budget === 'per-model')).toMatchObject({ spent: 0 });
    await Promise.all([a, b, c, later].map((s) => s.close()));
    await ledger.close();
  });

  it('seeds nothing while Redis is unreachable, and says so in the log', async () => {
    const ledger = await ledgerWithCharges();
    const lines: string[] = [];
    const log = { warn: (_: object, msg: string) => lines.push(msg), error: (_: object, msg: string) => lines.push(msg) };
    const policy = { budgets, budgetStore: { onUnreachable: 'closed' as const, reservationTtlS: 600 } };
    const store: BudgetStore = createBudgetStore(policy, { redisUrl: 'redis://127.0.0.1:1', log, prefix: `${prefix}down:` });
    expect(await resumeBudgets(store, ledger, budgets, NOW)).toEqual({ seeded: 0 });
    expect(lines).toEqual(['budget store unreachable: requests under a budget are refused with 503 until it is back']);
    await store.close();
    await ledger.close();
  });

  it('looks back a month, or further for a longer rolling window', () => {
    expect(lookbackMs(budgets)).toBe(31 * 86_400_000);
    expect(lookbackMs([budget({ name: 'q', window: { kind: 'rolling', seconds: 90 * 86_400 } })])).toBe(90 * 86_400_000 + 60_000);
  });
});
