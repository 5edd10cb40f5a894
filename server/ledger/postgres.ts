/**
 * The shared spend ledger for many gateway instances: one append-only PostgreSQL table.
 *
 * Written in batches, never row by row: `append` queues the charge in memory and returns; a
 * background flush writes what is queued every FLUSH_MS, or at once when BATCH_ROWS are waiting,
 * as one INSERT of every row (unnest of one array per column) ... ON CONFLICT (request_id) DO
 * NOTHING. Rows are only ever inserted: no counter row is updated, so instances never wait on
 * each other's row locks, and a charge written twice (a retry after a lost acknowledgement) is
 * stored once.
 *
 * When a charge is durable: once the flush that carries it has committed, at most FLUSH_MS after
 * `append` (plus the INSERT's round trip) while the database answers. A gateway killed before
 * that loses the charges still queued; `flush()` and `close()` wait for everything queued. A
 * batch that fails is kept, logged, and retried with backoff, never dropped; if it still cannot
 * be written at close, close() rejects and every unwritten charge is logged in full (one JSON
 * object per line) so that it can be replayed.
 */
import pg from 'pg';
import type { Charge } from '../budgets/types.js';
import { DAY_MS, dayOf, sortSpend, type DailyModelQuery, type DailyModelRow, type SpendBy, type SpendLedger, type SpendQuery, type SpendRow } from './query.js';

/** The part of a pg.Pool (or Client) the ledger uses. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export interface PostgresLedgerOptions {
  /** A connection string (DATABASE_URL); the ledger opens and closes its own pool. */
  connectionString?: string;
  /** Or a pool the caller owns (and closes). */
  db?: Queryable;
  /** The table, optionally schema-qualified (default switchyard_charges); created if absent. */
  table?: string;
  /** Where failed batches and unwritten charges are reported (default: stderr). */
  log?: (line: string) => void;
  flushMs?: number;
  batchRows?: number;
}

export const FLUSH_MS = 100;
export const BATCH_ROWS = 500;
const DEFAULT_TABLE = 'switchyard_charges';
const MAX_BACKOFF_MS = 5_000;

// unnest takes one array per column and yields the rows; the casts name each column's type, so
// the statement's text is the same for every batch size.
const COLUMNS = ['request_id', 'at', 'settled_at', 'key', 'user', 'team', 'session', 'scope_model', 'model', 'route', 'provider', 'usd', 'tokens', 'instance'] as const;
const COLUMN_TYPES = ['text', 'int8', 'int8', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'float8', 'int8', 'text'] as const;

const GROUP_COLUMN: Record<SpendBy, string> = { team: 'team', key: 'key', user: 'user', model: 'model', route: 'route' };

/** A table name of plain identifiers (`name` or `schema.name`), quoted for SQL. */
function quotedTable(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) {
    throw new Error(`ledger table ${JSON.stringify(name)}: expected name or schema.name of letters, digits and _`);
  }
  return parts.map((p) => `"${p}"`).join('.');
}

/** A string literal for SQL (the table name is already checked to be plain identifiers). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** An index name for `table` (its last part) and `suffix`, quoted. */
function indexName(table: string, suffix: string): string {
  return `"${(table.split('.').pop() as string)}_${suffix}"`;
}

/** The PostgreSQL ledger. Open it with `PostgresLedger.open`, which creates the table. */
export class PostgresLedger implements SpendLedger {
  private readonly table: string;
  private readonly insertSql: string;
  private readonly log: (line: string) => void;
  private readonly flushMs: number;
  private readonly batchRows: number;
  private queue: Charge[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The drain writing now, if any. */
  private draining: Promise<void> | undefined;
  private failures = 0;
  private closed = false;

  private constructor(private readonly db: Queryable, private readonly ownPool: pg.Pool | undefined, opts: PostgresLedgerOptions) {
    this.table = quotedTable(opts.table ?? DEFAULT_TABLE);
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.flushMs = opts.flushMs ?? FLUSH_MS;
    this.batchRows = opts.batchRows ?? BATCH_ROWS;
    const columns = COLUMNS.map((c) => `"${c}"`).join(', ');
    const arrays = COLUMN_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
    this.insertSql = `INSERT INTO ${this.table} (${columns}) SELECT * FROM unnest(${arrays}) ON CONFLICT (request_id) DO NOTHING`;
    // An idle connection the server drops (a restart, a failover) is an 'error' event on the
    // pool, fatal to the process when nothing listens; the next query simply reconnects.
    ownPool?.on('error', (e) => this.log(`switchyard ledger: PostgreSQL connection lost (${e.message}); reconnecting on the next write`));
  }

  /** Connects, creates the table and its indexes if absent, and returns the ledger. */
  static async open(opts: PostgresLedgerOptions): Promise<PostgresLedger> {
    const ownPool = opts.db ? undefined : new pg.Pool({ connectionString: opts.connectionString, max: 4 });
    const ledger = new PostgresLedger(opts.db ?? (ownPool as pg.Pool), ownPool, opts);
    try {
      await ledger.createTable(opts.table ?? DEFAULT_TABLE);
    } catch (e) {
      await ownPool?.end();
      throw e;
    }
    return ledger;
  }

  private async createTable(name: string): Promise<void> {
    const t = this.table;
    // One round trip on one connection, under a lock: instances starting together would
    // otherwise race on CREATE ... IF NOT EXISTS (PostgreSQL can fail one with a unique violation).
    await this.db.query(`BEGIN;
      SELECT pg_advisory_xact_lock(hashtext('switchyard ledger ' || ${literal(t)}));
      CREATE TABLE IF NOT EXISTS ${t} (
        request_id  text             PRIMARY KEY,
        at          bigint           NOT NULL,
        settled_at  bigint           NOT NULL,
        key         text             NOT NULL,
        "user"      text             NOT NULL,
        team        text             NOT NULL,
        session     text             NOT NULL,
        scope_model text             NOT NULL,
        model       text             NOT NULL,
        route       text             NOT NULL,
        provider    text             NOT NULL,
        usd         double precision NOT NULL,
        tokens      bigint           NOT NULL,
        instance    text             NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${indexName(name, 'at')} ON ${t} (at);
      CREATE INDEX IF NOT EXISTS ${indexName(name, 'provider_at')} ON ${t} (provider, at);
      COMMIT;`);
  }

  /** Queues the charge; it is written within FLUSH_MS (see the file comment). */
  append(charge: Charge): void {
    if (this.closed) throw new Error('ledger is closed');
    this.queue.push(charge);
    // A drain running now writes this charge too, once it is done with its batch.
    if (!this.draining) this.schedule(this.queue.length >= this.batchRows ? 0 : this.flushMs);
  }

  /** Charges appended and not yet committed. */
  get pending(): number {
    return this.queue.length;
  }

  /** Writes everything queued; rejects (the charges stay queued, and are retried) when a write fails. */
  async flush(): Promise<void> {
    this.cancelTimer();
    while (this.queue.length > 0 || this.draining) await (this.draining ?? this.drain());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } catch (e) {
      this.log(`switchyard ledger: ${this.queue.length} charge(s) could not be written to PostgreSQL at close (${(e as Error).message}); they follow, one JSON object per line`);
      for (const charge of this.queue) this.log(JSON.stringify(charge));
      throw e;
    } finally {
      this.cancelTimer();
      await this.ownPool?.end();
    }
  }

  /** Starts a drain in `ms`; an earlier scheduled start is kept unless this one is immediate. */
  private schedule(ms: number): void {
    if (this.timer && ms > 0) return;
    this.cancelTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failure is logged and rescheduled by drain itself.
      this.drain().catch(() => undefined);
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Writes batches until the queue is empty. One drain at a time, so batches commit in order and
   * never overlap. A failed batch goes back to the head of the queue, is logged, and a retry is
   * scheduled with exponential backoff.
   */
  private drain(): Promise<void> {
    if (this.draining) return this.draining;
    this.draining = (async () => {
      try {
        while (this.queue.length > 0) await this.writeBatch();
        this.failures = 0;
      } catch (e) {
        this.failures++;
        const backoff = Math.min(MAX_BACKOFF_MS, this.flushMs * 2 ** this.failures);
        this.log(`switchyard ledger: writing charges to PostgreSQL failed (${(e as Error).message}); ${this.queue.length} kept queued${this.closed ? '' : `, retrying in ${backoff} ms`}`);
        if (!this.closed) this.schedule(backoff);
        throw e;
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  /** Writes the oldest batchRows charges in one INSERT; on failure puts them back at the head. */
  private async writeBatch(): Promise<void> {
    const batch = this.queue.splice(0, this.batchRows);
    const columns: unknown[][] = COLUMNS.map(() => new Array(batch.length));
    batch.forEach((c, i) => {
      const row = [c.requestId, Math.round(c.at), Math.round(c.settledAt), c.scopes.key, c.scopes.user, c.scopes.team, c.scopes.session,
        c.scopes.model, c.model, c.scopes.route, c.provider, c.usd, Math.round(c.tokens), c.instance];
      for (let k = 0; k < row.length; k++) (columns[k] as unknown[])[i] = row[k];
    });
    try {
      await this.db.query(this.insertSql, columns);
    } catch (e) {
      this.queue.unshift(...batch);
      throw e;
    }
  }

  async *charges(since = Number.MIN_SAFE_INTEGER): AsyncIterableIterator<Charge> {
    // Keyset pages: no cursor to hold open, and no page is read twice.
    let after: [number, string] = [since - 1, ''];
    for (;;) {
      const { rows } = await this.db.query(
        `SELECT * FROM ${this.table} WHERE at >= $1 AND (at, request_id) > ($2::bigint, $3::text) ORDER BY at, request_id LIMIT 1000`,
        [since, after[0], after[1]],
      );
      for (const row of rows) yield chargeOf(row);
      if (rows.length < 1000) return;
      const last = rows[rows.length - 1] as Record<string, unknown>;
      after = [Number(last.at), String(last.request_id)];
    }
  }

  async spend(query: SpendQuery): Promise<SpendRow[]> {
    await this.flush();
    const column = GROUP_COLUMN[query.by] === 'user' ? '"user"' : GROUP_COLUMN[query.by];
    const { rows } = await this.db.query(
      `SELECT ${column} AS key, count(*) AS requests, sum(usd) AS usd, sum(tokens) AS tokens
       FROM ${this.table} WHERE at >= $1 AND at < $2 GROUP BY ${column}`,
      [query.since ?? Number.MIN_SAFE_INTEGER, query.until ?? Number.MAX_SAFE_INTEGER],
    );
    return sortSpend(rows.map((r) => ({ key: String(r.key), requests: Number(r.requests), usd: Number(r.usd), tokens: Number(r.tokens) })));
  }

  async dailyByModel(query: DailyModelQuery): Promise<DailyModelRow[]> {
    await this.flush();
    const { rows } = await this.db.query(
      `SELECT at / ${DAY_MS} AS day, model, count(*) AS requests, sum(usd) AS usd
       FROM ${this.table} WHERE provider = $1 AND at >= $2 AND at < $3 GROUP BY 1, 2 ORDER BY 1, 2`,
      [query.provider, query.since ?? Number.MIN_SAFE_INTEGER, query.until ?? Number.MAX_SAFE_INTEGER],
    );
    return rows.map((r) => ({ day: dayOf(Number(r.day)), model: String(r.model), requests: Number(r.requests), usd: Number(r.usd) }));
  }
}

function chargeOf(row: Record<string, unknown>): Charge {
  return {
    requestId: String(row.request_id), at: Number(row.at), settledAt: Number(row.settled_at),
    scopes: { key: String(row.key), user: String(row.user), team: String(row.team), session: String(row.session), model: String(row.scope_model), route: String(row.route) },
    usd: Number(row.usd), tokens: Number(row.tokens), provider: String(row.provider), model: String(row.model), instance: String(row.instance),
  };
}
