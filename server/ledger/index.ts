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
  /** PostgreSQL connection string; default DATABASE_URL. */
  databaseUrl?: string;
  /** The SQLite file, used when there is no database URL; default SWITCHYARD_DB, else ./switchyard.db. */
  sqlitePath?: string;
  /** PostgreSQL table (default switchyard_charges). */
  table?: string;
  /** Open an existing SQLite file only (the read-only tools): a missing file is an error. */
  mustExist?: boolean;
}

/**
 * Opens the ledger: PostgreSQL when a database URL is given or DATABASE_URL is set, else SQLite.
 * `sqlitePath` only names the SQLite file: instances that share a keys file (`serve --db`) still
 * share the PostgreSQL ledger. A caller that means one SQLite file whatever the environment says
 * (the read-only tools' --db) passes an env without DATABASE_URL.
 */
export async function createLedger(opts: CreateLedgerOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<SpendLedger> {
  const databaseUrl = opts.databaseUrl ?? env.DATABASE_URL;
  if (databaseUrl) return PostgresLedger.open({ connectionString: databaseUrl, table: opts.table });
  return new SqliteLedger({ path: opts.sqlitePath ?? defaultSqlitePath(env), mustExist: opts.mustExist });
}
