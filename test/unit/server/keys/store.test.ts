import crypto from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashSecret } from '../../../../server/keys/secret.js';
import { DEFAULT_DB_FILE, KeyStore, keysDbPath } from '../../../../server/keys/store.js';

const open: KeyStore[] = [];
function store(file = join(mkdtempSync(join(tmpdir(), 'sy-keys-')), 'keys.db'), opts: ConstructorParameters<typeof KeyStore>[1] = {}): KeyStore {
  const s = new KeyStore(file, opts);
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  vi.restoreAllMocks();
});

/** Polls `check` until it holds or `ms` pass; resolves with the time it took. */
async function within(ms: number, check: () => boolean): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

describe('KeyStore', () => {
  it('creates a key: the secret once, the record without it', () => {
    const keys = store();
    const { record, secret } = keys.create({ name: 'search', team: 'search', user: 'alice', allowedRoutes: ['cheap'], allowedModels: ['chat'], metadata: { env: 'prod' } });
    expect(record.id).toMatch(/^key_[0-9a-f]{12}$/);
    expect(record.prefix).toBe(secret.slice(0, 7));
    expect(record).toMatchObject({ name: 'search', team: 'search', user: 'alice', allowedRoutes: ['cheap'], allowedModels: ['chat'], metadata: { env: 'prod' }, revokedAt: null });
    expect(Date.parse(record.createdAt)).not.toBeNaN();
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(JSON.stringify(keys.list())).not.toContain(secret);
    expect(keys.list()).toEqual([record]);
  });

  it('stores the SHA-256 digest, never the secret (database file and WAL)', () => {
    const keys = store();
    const { record, secret } = keys.create({ team: 't' });
    const raw = new Database(keys.file, { readonly: true });
    const row = raw.prepare('SELECT * FROM keys WHERE id = ?').get(record.id) as Record<string, unknown>;
    raw.close();
    expect(row.hash).toBe(hashSecret(secret));
    expect(Object.values(row)).not.toContain(secret);
    for (const file of [keys.file, `${keys.file}-wal`]) {
      if (existsSync(file)) expect(readFileSync(file).includes(Buffer.from(secret.slice(7)))).toBe(false);
    }
  });

  it('looks up active keys by secret; unknown and revoked ones are refused', () => {
    const keys = store();
    const a = keys.create({ team: 'a' });
    const b = keys.create({ team: 'b' });
    expect(keys.lookup(a.secret)?.id).toBe(a.record.id);
    expect(keys.lookup(b.secret)?.team).toBe('b');
    expect(keys.lookup(`${a.secret}x`)).toBeNull();
    expect(keys.lookup('')).toBeNull();
    expect(keys.lookup(a.record.id)).toBeNull();
    const revoked = keys.revoke(a.record.id);
    expect(revoked?.revokedAt).not.toBeNull();
    expect(keys.lookup(a.secret)).toBeNull();
    expect(keys.lookup(b.secret)?.id).toBe(b.record.id);
  });

  it('decides a lookup with a constant-time digest comparison', () => {
    const keys = store();
    const { secret } = keys.create();
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    expect(keys.lookup(secret)).not.toBeNull();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![0]).toEqual(Buffer.from(hashSecret(secret), 'hex'));
  });

  it('revokes once: a second revoke keeps the first time; an unknown id is null', () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const keys = store(undefined, { now: () => now });
    const { record } = keys.create();
    expect(keys.revoke(record.id)?.revokedAt).toBe('2025-01-01T00:00:00.000Z');
    now += 60_000;
    expect(keys.revoke(record.id)?.revokedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(keys.revoke('key_000000000000')).toBeNull();
    expect(keys.list()).toHaveLength(1);
  });

  it('counts as holding keys once one is issued, even after all are revoked', () => {
    const keys = store();
    expect(keys.hasKeys()).toBe(false);
    const { record } = keys.create();
    expect(keys.hasKeys()).toBe(true);
    keys.revoke(record.id);
    expect(keys.hasKeys()).toBe(true);
  });

  it('lists keys oldest first with their limits', () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const keys = store(undefined, { now: () => now });
    keys.create({ name: 'second-made-first' });
    now -= 1000;
    keys.create({ name: 'older' });
    expect(keys.list().map((k) => k.name)).toEqual(['older', 'second-made-first']);
    expect(keys.list()[0]).toMatchObject({ allowedRoutes: [], allowedModels: [], metadata: {}, team: null, user: null });
  });

  it("sees another instance's new and revoked keys on the same file within 2 s", async () => {
    const gateway = store();
    const cli = store(gateway.file);
    expect(gateway.hasKeys()).toBe(false);
    const { record, secret } = cli.create({ team: 'late' });
    expect(await within(2000, () => gateway.lookup(secret) !== null)).toBeLessThan(2000);
    expect(gateway.hasKeys()).toBe(true);
    cli.revoke(record.id);
    expect(await within(2000, () => gateway.lookup(secret) === null)).toBeLessThan(2000);
  });

  it('reads the file at most every refreshMs', () => {
    let now = 0;
    const gateway = store(undefined, { now: () => now, refreshMs: 1000 });
    const cli = store(gateway.file);
    expect(gateway.hasKeys()).toBe(false);
    const { secret } = cli.create();
    now = 999;
    expect(gateway.lookup(secret)).toBeNull();
    now = 1000;
    expect(gateway.lookup(secret)).not.toBeNull();
  });
});

describe('keysDbPath', () => {
  it('is --db, else $SWITCHYARD_DB, else ./switchyard.db, resolved', () => {
    expect(keysDbPath('a.db', { SWITCHYARD_DB: 'b.db' })).toBe(resolve('a.db'));
    expect(keysDbPath(undefined, { SWITCHYARD_DB: 'b.db' })).toBe(resolve('b.db'));
    expect(keysDbPath(undefined, {})).toBe(resolve(DEFAULT_DB_FILE));
    expect(DEFAULT_DB_FILE).toBe('switchyard.db');
  });
});
