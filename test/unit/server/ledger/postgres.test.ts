/** The PostgreSQL ledger against the real server at 127.0.0.1:5432, database `test`, one schema per run. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Charge } from '../../../../server/budgets/types.js';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PostgresLedger, type Queryable } from '../../../../server/ledger/postgres.js';
import { SqliteLedger } from '../../../../server/ledger/sqlite.js';
import { createLedger } from '../../../../server/ledger/index.js';
import { SPEND_BY } from '../../../../server/ledger/query.js';
import { charge, LEDGER_DAY } from '../../../helpers/charge.js';

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `sy_ledger_${process.pid}_${Date.now().toString(36)}`;
let pool: pg.Pool;
let tables = 0;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: URL, max: 4 });
  await pool.query(`CREATE SCHEMA "${SCHEMA}"`);
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA "${SCHEMA}" CASCADE`);
  await pool.end();
});

/** A fresh table, and the SQL statements the ledger sends through `db`. */
function counted(db: Queryable = pool): { db: Queryable; statements: string[]; table: string } {
  const statements: string[] = [];
  return {
    statements,
    table: `${SCHEMA}.charges_${++tables}`,
    db: { query: (text, values) => { statements.push(text); return db.query(text, values); } },
  };
}

async function count(table: string): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n as number;
}

describe('PostgresLedger', () => {
  it('creates its append-only table, writes 2,000 appends in a few batched INSERTs, never an UPDATE', async () => {
    const { db, statements, table } = counted();
    const ledger = await PostgresLedger.open({ db, table });
    for (let i = 0; i < 2000; i++) ledger.append(charge(`r${i}`, { at: LEDGER_DAY + i, usd: 0.001, tokens: 3 }));
    await ledger.flush();
    const inserts = statements.filter((s) => /^\s*INSERT\b/i.test(s));
    // 500 rows a batch: 4, and never one per row.
    expect(inserts.length).toBeGreaterThanOrEqual(4);
    expect(inserts.length).toBeLessThanOrEqual(8);
    expect(statements.filter((s) => /\bUPDATE\b/i.test(s) && !/ON CONFLICT/i.test(s))).toEqual([]);
    expect(statements.some((s) => /\bDO UPDATE\b/i.test(s))).toBe(false);
    expect(await count(table)).toBe(2000);
    const { rows } = await pool.query(`SELECT sum(tokens)::int AS tokens, count(DISTINCT request_id)::int AS ids FROM ${table}`);
    expect(rows[0]).toEqual({ tokens: 6000, ids: 2000 });
    await ledger.close();
  });

  it('stores a request once: a conflict on request_id, within a batch or from another instance, does not duplicate', async () => {
    const { db, table } = counted();
    const a = await PostgresLedger.open({ db, table });
    const b = await PostgresLedger.open({ db, table });
    a.append(charge('dup', { usd: 1 }));
    a.append(charge('dup', { usd: 2 }));
    await a.flush();
    b.append(charge('dup', { usd: 3 }));
    b.append(charge('other', { usd: 4 }));
    await b.flush();
    const { rows } = await pool.query(`SELECT request_id, usd FROM ${table} ORDER BY request_id`);
    expect(rows).toEqual([{ request_id: 'dup', usd: 1 }, { request_id: 'other', usd: 4 }]);
    await a.close();
    await b.close();
  });

  it('writes in the background within the flush interval, without flush()', async () => {
    const { db, table } = counted();
    const ledger = await PostgresLedger.open({ db, table });
    ledger.append(charge('bg1'));
    ledger.append(charge('bg2'));
    expect(ledger.pending).toBe(2);
    const deadline = Date.now() + 2000;
    while ((await count(table)) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await count(table)).toBe(2);
    expect(ledger.pending).toBe(0);
    await ledger.close();
  });

  it('keeps a failed batch, logs it, and writes it on a retry', async () => {
    const { db: real, table } = counted();
    let failuresLeft = 2;
    const db: Queryable = {
      query: (text, values) => {
        if (/^\s*INSERT/i.test(text) && failuresLeft > 0) {
          failuresLeft--;
          return Promise.reject(new Error('connection reset (test)'));
        }
        return real.query(text, values);
      },
    };
    const log: string[] = [];
    const ledger = await PostgresLedger.open({ db, table, log: (line) => log.push(line), flushMs: 10 });
    for (let i = 0; i < 10; i++) ledger.append(charge(`f${i}`));
    const deadline = Date.now() + 3000;
    while ((await count(table)) < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await count(table)).toBe(10);
    expect(log.filter((l) => l.includes('connection reset (test)')).length).toBe(2);
    expect(log[0]).toMatch(/10 kept queued, retrying in \d+ ms/);
    await ledger.close();
  });

  it('rejects close() when the database stays down, and logs every unwritten charge in full', async () => {
    const { db: real, table } = counted();
    const ledger = await PostgresLedger.open({
      db: { query: (text, values) => (/^\s*INSERT/i.test(text) ? Promise.reject(new Error('down (test)')) : real.query(text, values)) },
      table,
      log: (line) => log.push(line),
      flushMs: 10_000,
    });
    const log: string[] = [];
    ledger.append(charge('lost1', { usd: 0.5 }));
    ledger.append(charge('lost2'));
    await expect(ledger.flush()).rejects.toThrow('down (test)');
    expect(ledger.pending).toBe(2);
    await expect(ledger.close()).rejects.toThrow('down (test)');
    const logged = log.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { requestId: string; usd: number });
    expect(logged.map((c) => c.requestId)).toEqual(['lost1', 'lost2']);
    expect(logged[0]?.usd).toBe(0.5);
    expect(() => ledger.append(charge('late'))).toThrow('closed');
  });

  it('opens on one table from several instances starting at once', async () => {
    const { db, table } = counted();
    const ledgers = await Promise.all([1, 2, 3, 4].map(() => PostgresLedger.open({ db, table })));
    ledgers.forEach((l, i) => l.append(charge(`inst${i}`)));
    await Promise.all(ledgers.map((l) => l.close()));
    expect(await count(table)).toBe(4);
  });

  it('reads charges back in order of arrival from `since`, across pages', async () => {
    const { db, table } = counted();
    const ledger = await PostgresLedger.open({ db, table });
    for (let i = 0; i < 2500; i++) ledger.append(charge(`c${String(i).padStart(4, '0')}`, { at: LEDGER_DAY + Math.floor(i / 2) }));
    await ledger.flush();
    const all: Charge[] = [];
    for await (const c of ledger.charges()) all.push(c);
    expect(all.length).toBe(2500);
    expect(new Set(all.map((c) => c.requestId)).size).toBe(2500);
    expect(all.every((c, i) => i === 0 || c.at >= (all[i - 1] as Charge).at)).toBe(true);
    expect(all[0]).toEqual(charge('c0000', { at: LEDGER_DAY }));
    const later: string[] = [];
    for await (const c of ledger.charges(LEDGER_DAY + 1000)) later.push(c.requestId);
    expect(later.length).toBe(500);
    await ledger.close();
  });

  it('answers spend and daily queries as the SQLite ledger does on the same charges', async () => {
    const { db, table } = counted();
    const postgres = await PostgresLedger.open({ db, table });
    const dir = mkdtempSync(join(tmpdir(), 'sy-ledger-pg-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const sqlite = new SqliteLedger({ path: join(dir, 'l.db') });
    const teams = ['a', 'b', ''];
    const midnight = Date.UTC(2025, 10, 4);
    for (let i = 0; i < 60; i++) {
      const c = charge(`s${i}`, {
        at: midnight - 30 * 60_000 + i * 60_000, usd: (i % 7) * 0.013, tokens: i, provider: i % 3 === 0 ? 'anthropic' : 'openai', model: `m${i % 4}`,
        scopes: { team: teams[i % 3] as string, key: `k${i % 5}`, user: `u${i % 2}`, route: i % 2 === 0 ? 'cheap' : 'smart' },
      });
      postgres.append(c);
      sqlite.append(c);
    }
    const round = <T extends { usd: number }>(rows: T[]): T[] => rows.map((r) => ({ ...r, usd: Math.round(r.usd * 1e9) / 1e9 }));
    for (const by of SPEND_BY) {
      for (const range of [{}, { since: midnight }, { since: midnight - 600_000, until: midnight + 600_000 }]) {
        expect(round(await postgres.spend({ by, ...range }))).toEqual(round(await sqlite.spend({ by, ...range })));
      }
    }
    for (const provider of ['openai', 'anthropic']) {
      const daily = await postgres.dailyByModel({ provider });
      expect(new Set(daily.map((d) => d.day))).toEqual(new Set(['2025-11-03', '2025-11-04']));
      expect(round(daily)).toEqual(round(await sqlite.dailyByModel({ provider })));
    }
    await postgres.close();
    await sqlite.close();
  });
});

describe('createLedger', () => {
  it('opens PostgreSQL when a database URL is given or DATABASE_URL is set, even with a SQLite file named; SQLite otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-ledger-create-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const table = `${SCHEMA}.created`;
    const fromEnv = await createLedger({ table }, { DATABASE_URL: URL });
    expect(fromEnv).toBeInstanceOf(PostgresLedger);
    fromEnv.append(charge('via-env'));
    await fromEnv.close();
    expect(await count(table)).toBe(1);
    // `serve --db FILE` names the keys file: with DATABASE_URL set, the ledger is still PostgreSQL.
    const namedFile = await createLedger({ sqlitePath: join(dir, 'x.db'), table }, { DATABASE_URL: URL });
    expect(namedFile).toBeInstanceOf(PostgresLedger);
    namedFile.append(charge('via-env-with-file'));
    await namedFile.close();
    expect(await count(table)).toBe(2);
    const explicitFile = await createLedger({ sqlitePath: join(dir, 'x.db') }, {});
    expect(explicitFile).toBeInstanceOf(SqliteLedger);
    expect((explicitFile as SqliteLedger).path).toBe(join(dir, 'x.db'));
    await explicitFile.close();
    const fallback = await createLedger({}, { SWITCHYARD_DB: join(dir, 'env.db') });
    expect(fallback).toBeInstanceOf(SqliteLedger);
    expect((fallback as SqliteLedger).path).toBe(join(dir, 'env.db'));
    await fallback.close();
  });
});
