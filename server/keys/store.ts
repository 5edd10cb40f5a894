/**
 * KeyStore: virtual keys in SQLite (WAL), shared by the gateway and the `switchyard keys` CLI,
 * which may run in different processes against one file. Rows hold the SHA-256 digest of each
 * secret, never the secret. The gateway authenticates from an in-memory map of the active keys,
 * reloaded after its own writes and, when another process has written, within REFRESH_MS.
 */
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { digestsEqual, hashSecret, newSecret, prefixOf } from './secret.js';

/** Where keys live unless --db or SWITCHYARD_DB says otherwise (relative to the working directory). */
export const DEFAULT_DB_FILE = 'switchyard.db';

/**
 * How stale the gateway's view of the file may get: a key created or revoked by the CLI counts
 * within this long. Checking costs one `PRAGMA data_version` (microseconds), so 1 s keeps well
 * inside the 2 s promised in the README at no measurable cost per request.
 */
export const REFRESH_MS = 1000;

/** Writers (the CLI, other gateways) hold the lock for microseconds; wait rather than fail. */
const BUSY_TIMEOUT_MS = 5000;

/** One virtual key as stored and listed: everything but its secret. */
export interface KeyRecord {
  /** `key_` and 12 hex digits: what policies see as caller.key and what revoke takes. */
  id: string;
  /** The first 7 characters of the secret (`sy-AbCd`), for people to recognise it. */
  prefix: string;
  name: string | null;
  team: string | null;
  user: string | null;
  /** Route names the key may be served by; empty means any. */
  allowedRoutes: string[];
  /** Model aliases the key may ask for; empty means any. */
  allowedModels: string[];
  metadata: Record<string, string>;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; null while the key is active. */
  revokedAt: string | null;
}

/** What a new key carries; every field is optional. */
export interface NewKey {
  name?: string | null | undefined;
  team?: string | null | undefined;
  user?: string | null | undefined;
  allowedRoutes?: readonly string[] | undefined;
  allowedModels?: readonly string[] | undefined;
  metadata?: Readonly<Record<string, string>> | undefined;
}

export interface KeyStoreOptions {
  /** Milliseconds between checks of the file for other processes' writes (default REFRESH_MS). */
  refreshMs?: number;
  /** Epoch milliseconds; tests pass a fixed clock. */
  now?: () => number;
}

interface KeyRow {
  id: string;
  hash: string;
  prefix: string;
  name: string | null;
  team: string | null;
  user: string | null;
  allowed_routes: string;
  allowed_models: string;
  metadata: string;
  created_at: string;
  revoked_at: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS keys (
  id             TEXT PRIMARY KEY,
  hash           TEXT NOT NULL UNIQUE,
  prefix         TEXT NOT NULL,
  name           TEXT,
  team           TEXT,
  "user"         TEXT,
  allowed_routes TEXT NOT NULL DEFAULT '[]',
  allowed_models TEXT NOT NULL DEFAULT '[]',
  metadata       TEXT NOT NULL DEFAULT '{}',
  created_at     TEXT NOT NULL,
  revoked_at     TEXT
)`;

/** The database file for keys: the --db flag, else $SWITCHYARD_DB, else ./switchyard.db. */
export function keysDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env.SWITCHYARD_DB || DEFAULT_DB_FILE));
}

function toRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    team: row.team,
    user: row.user,
    allowedRoutes: JSON.parse(row.allowed_routes) as string[],
    allowedModels: JSON.parse(row.allowed_models) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** Virtual keys in one SQLite file. Synchronous, as better-sqlite3 is. */
export class KeyStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #refreshMs: number;
  readonly #now: () => number;
  /** Active keys by the digest of their secret. */
  #active = new Map<string, { hash: string; record: KeyRecord }>();
  /** Rows of any state: once a key has been issued the gateway stays closed, even if all are revoked. */
  #issued = 0;
  #dataVersion = -1;
  #checkedAt = 0;

  constructor(file: string, opts: KeyStoreOptions = {}) {
    this.file = file;
    this.#refreshMs = opts.refreshMs ?? REFRESH_MS;
    this.#now = opts.now ?? Date.now;
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.#db.exec(SCHEMA);
    this.#reload();
  }

  /** Issues a key. The secret is returned here and nowhere else: only its digest is stored. */
  create(spec: NewKey = {}): { record: KeyRecord; secret: string } {
    const secret = newSecret();
    const row: KeyRow = {
      id: `key_${randomBytes(6).toString('hex')}`,
      hash: hashSecret(secret),
      prefix: prefixOf(secret),
      name: spec.name || null,
      team: spec.team || null,
      user: spec.user || null,
      allowed_routes: JSON.stringify(spec.allowedRoutes ?? []),
      allowed_models: JSON.stringify(spec.allowedModels ?? []),
      metadata: JSON.stringify(spec.metadata ?? {}),
      created_at: new Date(this.#now()).toISOString(),
      revoked_at: null,
    };
    this.#db.prepare(`INSERT INTO keys (id, hash, prefix, name, team, "user", allowed_routes, allowed_models, metadata, created_at, revoked_at)
      VALUES (@id, @hash, @prefix, @name, @team, @user, @allowed_routes, @allowed_models, @metadata, @created_at, @revoked_at)`).run(row);
    this.#reload();
    return { record: toRecord(row), secret };
  }

  /** Every key ever issued, oldest first, revoked ones included. */
  list(): KeyRecord[] {
    return (this.#db.prepare('SELECT * FROM keys ORDER BY created_at, id').all() as KeyRow[]).map(toRecord);
  }

  /**
   * Revokes a key; it stops authenticating at once in this process and within REFRESH_MS in
   * others. Revoking twice keeps the first time. Null when no key has this id.
   */
  revoke(id: string): KeyRecord | null {
    this.#db.prepare('UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date(this.#now()).toISOString(), id);
    this.#reload();
    const row = this.#db.prepare('SELECT * FROM keys WHERE id = ?').get(id) as KeyRow | undefined;
    return row === undefined ? null : toRecord(row);
  }

  /** The active key whose secret this is; null for an unknown or revoked one. */
  lookup(secret: string): KeyRecord | null {
    this.#refreshIfDue();
    const digest = hashSecret(secret);
    // The map finds the candidate by digest, which tells an attacker nothing usable about a
    // secret; the constant-time compare is what decides.
    const entry = this.#active.get(digest);
    return entry !== undefined && digestsEqual(entry.hash, digest) ? entry.record : null;
  }

  /** Whether any key was ever issued: from then on every /v1 request needs one. */
  hasKeys(): boolean {
    this.#refreshIfDue();
    return this.#issued > 0;
  }

  close(): void {
    this.#db.close();
  }

  /**
   * Reloads when another connection has committed since the last check, looking at most every
   * refreshMs. `data_version` changes only for other connections' commits, which is why this
   * store's own writes reload explicitly.
   */
  #refreshIfDue(): void {
    const now = this.#now();
    if (now - this.#checkedAt < this.#refreshMs) return;
    this.#checkedAt = now;
    if (this.#db.pragma('data_version', { simple: true }) !== this.#dataVersion) this.#reload();
  }

  #reload(): void {
    this.#dataVersion = this.#db.pragma('data_version', { simple: true }) as number;
    this.#checkedAt = this.#now();
    const rows = this.#db.prepare('SELECT * FROM keys').all() as KeyRow[];
    const active = new Map<string, { hash: string; record: KeyRecord }>();
    for (const row of rows) {
      if (row.revoked_at === null) active.set(row.hash, { hash: row.hash, record: toRecord(row) });
    }
    this.#active = active;
    this.#issued = rows.length;
  }
}
