/**
 * The spend ledger: SQLite embedded by default, PostgreSQL shared by many instances when
 * DATABASE_URL is set. Both store one row per settled charge and answer the same queries.
 */
import { PostgresLedger } from './postgres.js';
import type { SpendLedger } from './query.js';
import { defaultSqlitePath, SqliteLedger } from './sqlite.js';

export { PostgresLedger } from './postgres.js';
export { SqliteLedger, defaultSqlitePath } from './sqlite.js';
export * from './query.js';

export interface CreateLedgerOptions {
  /** PostgreSQL connection string; default DATABASE_URL, unless `sqlitePath` is given. */
  databaseUrl?: string;
  /** SQLite file; default SWITCHYARD_DB, else ./switchyard.db. */
  sqlitePath?: string;
  /** PostgreSQL table (default switchyard_charges). */
  table?: string;
  /** Open an existing SQLite file only (the read-only tools): a missing file is an error. */
  mustExist?: boolean;
}

/**
 * Opens the ledger: PostgreSQL when a database URL is given or DATABASE_URL is set, else SQLite.
 * An explicit `sqlitePath` wins over DATABASE_URL in the environment.
 */
export async function createLedger(opts: CreateLedgerOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<SpendLedger> {
  const databaseUrl = opts.databaseUrl ?? (opts.sqlitePath === undefined ? env.DATABASE_URL : undefined);
  if (databaseUrl) return PostgresLedger.open({ connectionString: databaseUrl, table: opts.table });
  return new SqliteLedger({ path: opts.sqlitePath ?? defaultSqlitePath(env), mustExist: opts.mustExist });
}
