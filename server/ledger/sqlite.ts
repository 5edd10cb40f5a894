/**
 * The embedded spend ledger: every settled charge, one row each, in one SQLite file.
 *
 * When a charge is durable: `append` returns after its INSERT has committed. The database runs
 * in WAL mode, and a commit writes the transaction's pages into the WAL file with write(2)
 * before it returns, so the row is in the operating system's file cache from then on:
 * - a crash of the gateway process (kill -9, an uncaught error, OOM) loses nothing appended;
 *   the next open replays the WAL;
 * - with `synchronous: 'normal'` (the default) the WAL is fsynced only at checkpoints, so a
 *   power loss or kernel crash can lose the charges committed since the last checkpoint
 *   (never corrupting the file: SQLite rolls back to the last synced state);
 * - with `synchronous: 'full'` every commit fsyncs the WAL before returning: charges survive
 *   power loss too, at the cost of one fsync per request.
 * The gateway's promise (README: a response the client received is in the ledger after
 * the gateway is killed) is about the process, so NORMAL keeps it without a per-request fsync.
 */
import Database from 'better-sqlite3';
import type { Charge } from '../budgets/types.js';
import { DAY_MS, dayOf, sortSpend, type DailyModelQuery, type DailyModelRow, type SpendBy, type SpendLedger, type SpendQuery, type SpendRow } from './query.js';

export interface SqliteLedgerOptions {
  /** The database file (default: SWITCHYARD_DB, else ./switchyard.db); created when absent. */
  path?: string;
  /** fsync per commit ('full') or per checkpoint ('normal', the default); see above. */
  synchronous?: 'normal' | 'full';
  /** Refuse to create the file: for tools that only read an existing ledger. */
  mustExist?: boolean;
}

/** Where the ledger file is when nothing says otherwise. */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWITCHYARD_DB || './switchyard.db';
}

// `scope_model` is the model scope whose budgets the charge counts against, `model` the model
// that served: the same since a failover's charge moves to the served model's budgets (kept
// apart so that resuming budgets reads the scope, and reports the model). Times are epoch ms.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS charges (
  request_id  TEXT    NOT NULL UNIQUE,
  at          INTEGER NOT NULL,
  settled_at  INTEGER NOT NULL,
  key         TEXT    NOT NULL,
  user        TEXT    NOT NULL,
  team        TEXT    NOT NULL,
  session     TEXT    NOT NULL,
  scope_model TEXT    NOT NULL,
  model       TEXT    NOT NULL,
  route       TEXT    NOT NULL,
  provider    TEXT    NOT NULL,
  usd         REAL    NOT NULL,
  tokens      INTEGER NOT NULL,
  instance    TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_at ON charges (at);
CREATE INDEX IF NOT EXISTS charges_team_at ON charges (team, at);
CREATE INDEX IF NOT EXISTS charges_key_at ON charges (key, at);
CREATE INDEX IF NOT EXISTS charges_user_at ON charges (user, at);
CREATE INDEX IF NOT EXISTS charges_provider_at ON charges (provider, at);
`;

/** The column each spend dimension groups by. */
const GROUP_COLUMN: Record<SpendBy, string> = { team: 'team', key: 'key', user: 'user', model: 'model', route: 'route' };

// The widest range a query can ask for; epoch ms fit in SQLite's 64-bit integers.
const ALL_TIME: [number, number] = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

interface ChargeRow {
  request_id: string;
  at: number;
  settled_at: number;
  key: string;
  user: string;
  team: string;
  session: string;
  scope_model: string;
  model: string;
  route: string;
  provider: string;
  usd: number;
  tokens: number;
  instance: string;
}

/** The SQLite ledger; one per gateway process (SQLite serializes writers across processes too). */
export class SqliteLedger implements SpendLedger {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly spendStatements = new Map<SpendBy, Database.Statement>();

  constructor(opts: SqliteLedgerOptions = {}) {
    this.path = opts.path ?? defaultSqlitePath();
    this.db = new Database(this.path, { fileMustExist: opts.mustExist === true });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // Another process (a second gateway, `switchyard spend`) may hold the write lock briefly.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // Idempotent on request_id: a charge settled twice (a retried settle) is stored once.
    this.insert = this.db.prepare(`INSERT INTO charges
      (request_id, at, settled_at, key, user, team, session, scope_model, model, route, provider, usd, tokens, instance)
      VALUES (@requestId, @at, @settledAt, @key, @user, @team, @session, @scopeModel, @model, @route, @provider, @usd, @tokens, @instance)
      ON CONFLICT (request_id) DO NOTHING`);
  }

  /** Commits the charge before returning (see the file comment for what survives what). */
  append(charge: Charge): void {
    const s = charge.scopes;
    this.insert.run({
      requestId: charge.requestId, at: Math.round(charge.at), settledAt: Math.round(charge.settledAt),
      key: s.key, user: s.user, team: s.team, session: s.session, scopeModel: s.model, route: s.route,
      model: charge.model, provider: charge.provider, usd: charge.usd, tokens: Math.round(charge.tokens), instance: charge.instance,
    });
  }

  /** Nothing is ever queued: every append has committed when it returns. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  *charges(since = ALL_TIME[0]): IterableIterator<Charge> {
    const rows = this.db.prepare('SELECT * FROM charges WHERE at >= ? ORDER BY at, request_id').iterate(since) as IterableIterator<ChargeRow>;
    for (const row of rows) yield chargeOf(row);
  }

  async spend(query: SpendQuery): Promise<SpendRow[]> {
    let statement = this.spendStatements.get(query.by);
    if (!statement) {
      const column = GROUP_COLUMN[query.by];
      statement = this.db.prepare(`SELECT ${column} AS key, COUNT(*) AS requests, TOTAL(usd) AS usd, SUM(tokens) AS tokens
        FROM charges WHERE at >= ? AND at < ? GROUP BY ${column}`);
      this.spendStatements.set(query.by, statement);
    }
    return sortSpend(statement.all(query.since ?? ALL_TIME[0], query.until ?? ALL_TIME[1]) as SpendRow[]);
  }

  async dailyByModel(query: DailyModelQuery): Promise<DailyModelRow[]> {
    const rows = this.db.prepare(`SELECT at / ${DAY_MS} AS day, model, COUNT(*) AS requests, TOTAL(usd) AS usd
      FROM charges WHERE provider = ? AND at >= ? AND at < ? GROUP BY day, model ORDER BY day, model`)
      .all(query.provider, query.since ?? ALL_TIME[0], query.until ?? ALL_TIME[1]) as Array<Omit<DailyModelRow, 'day'> & { day: number }>;
    return rows.map((r) => ({ ...r, day: dayOf(r.day) }));
  }
}

function chargeOf(row: ChargeRow): Charge {
  return {
    requestId: row.request_id, at: row.at, settledAt: row.settled_at,
    scopes: { key: row.key, user: row.user, team: row.team, session: row.session, model: row.scope_model, route: row.route },
    usd: row.usd, tokens: row.tokens, provider: row.provider, model: row.model, instance: row.instance,
  };
}
