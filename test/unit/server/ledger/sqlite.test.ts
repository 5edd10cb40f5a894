import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { packagePath } from '../../../../engine/src/package-root.js';
import { SqliteLedger } from '../../../../server/ledger/sqlite.js';
import { charge, LEDGER_DAY } from '../../../helpers/charge.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-ledger-'));
  dirs.push(dir);
  return join(dir, 'ledger.db');
}

const DAY = LEDGER_DAY;

describe('SqliteLedger', () => {
  it('stores every field of a charge and gives it back in order of arrival', () => {
    const ledger = new SqliteLedger({ path: dbFile() });
    const a = charge('a', { at: DAY + 5, settledAt: DAY + 9, usd: 0.123456789, tokens: 42, scopes: { session: 's', model: 'auto-model' }, model: 'gpt-4o', instance: 'x' });
    const b = charge('b', { at: DAY + 1 });
    ledger.append(a);
    ledger.append(b);
    expect([...ledger.charges()]).toEqual([b, a]);
    expect([...ledger.charges(DAY + 2)]).toEqual([a]);
  });

  it('is idempotent on request_id: a second append of the same request is not stored', () => {
    const ledger = new SqliteLedger({ path: dbFile() });
    ledger.append(charge('same', { usd: 1 }));
    ledger.append(charge('same', { usd: 2 }));
    expect([...ledger.charges()].map((c) => c.usd)).toEqual([1]);
  });

  it('runs in WAL mode with synchronous NORMAL by default, FULL when asked', async () => {
    const path = dbFile();
    const normal = new SqliteLedger({ path });
    normal.append(charge('a'));
    const probe = new Database(path);
    expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    probe.close();
    expect((normal as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(1);
    await normal.close();
    const full = new SqliteLedger({ path, synchronous: 'full' });
    expect((full as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(2);
    await full.close();
  });

  it('keeps charges across close and reopen, and refuses a missing file when it must exist', async () => {
    const path = dbFile();
    const first = new SqliteLedger({ path });
    first.append(charge('a'));
    await first.close();
    const again = new SqliteLedger({ path, mustExist: true });
    expect([...again.charges()].map((c) => c.requestId)).toEqual(['a']);
    await again.close();
    expect(() => new SqliteLedger({ path: `${path}.missing`, mustExist: true })).toThrow();
    expect(existsSync(`${path}.missing`)).toBe(false);
  });

  it('reports spend by each dimension over [since, until), largest first, with no-value groups as ""', async () => {
    const ledger = new SqliteLedger({ path: dbFile() });
    ledger.append(charge('1', { at: DAY, usd: 1, tokens: 10, scopes: { team: 'a', key: 'k1', user: 'ann', route: 'cheap' }, model: 'm1' }));
    ledger.append(charge('2', { at: DAY + 10, usd: 2, tokens: 20, scopes: { team: 'b', key: 'k2', user: 'bob', route: 'smart' }, model: 'm2' }));
    ledger.append(charge('3', { at: DAY + 20, usd: 0.5, tokens: 5, scopes: { team: 'a', key: 'k2', user: '', route: 'smart' }, model: 'm2' }));
    expect(await ledger.spend({ by: 'team' })).toEqual([
      { key: 'b', requests: 1, usd: 2, tokens: 20 },
      { key: 'a', requests: 2, usd: 1.5, tokens: 15 },
    ]);
    expect(await ledger.spend({ by: 'key' })).toEqual([{ key: 'k2', requests: 2, usd: 2.5, tokens: 25 }, { key: 'k1', requests: 1, usd: 1, tokens: 10 }]);
    expect((await ledger.spend({ by: 'user' })).map((r) => r.key)).toEqual(['bob', 'ann', '']);
    expect((await ledger.spend({ by: 'model' })).map((r) => [r.key, r.requests])).toEqual([['m2', 2], ['m1', 1]]);
    expect((await ledger.spend({ by: 'route' })).map((r) => [r.key, r.usd])).toEqual([['smart', 2.5], ['cheap', 1]]);
    expect(await ledger.spend({ by: 'team', since: DAY + 10, until: DAY + 20 })).toEqual([{ key: 'b', requests: 1, usd: 2, tokens: 20 }]);
    expect(await ledger.spend({ by: 'team', since: DAY + 21 })).toEqual([]);
  });

  it('sums one provider per UTC day and model for reconciliation', async () => {
    const ledger = new SqliteLedger({ path: dbFile() });
    const midnight = Date.UTC(2025, 10, 4);
    ledger.append(charge('1', { at: midnight - 1, usd: 1, model: 'gpt-4o' }));
    ledger.append(charge('2', { at: midnight, usd: 2, model: 'gpt-4o' }));
    ledger.append(charge('3', { at: midnight + 5, usd: 3, model: 'gpt-4o' }));
    ledger.append(charge('4', { at: midnight + 5, usd: 4, model: 'claude', provider: 'anthropic' }));
    expect(await ledger.dailyByModel({ provider: 'openai' })).toEqual([
      { day: '2025-11-03', model: 'gpt-4o', requests: 1, usd: 1 },
      { day: '2025-11-04', model: 'gpt-4o', requests: 2, usd: 5 },
    ]);
    expect(await ledger.dailyByModel({ provider: 'anthropic', since: midnight, until: midnight + 6 })).toEqual([{ day: '2025-11-04', model: 'claude', requests: 1, usd: 4 }]);
  });

  it('keeps every charge whose append returned when the process is killed with SIGKILL mid-way', async () => {
    const module = packagePath('dist', 'server', 'ledger', 'sqlite.js');
    if (!existsSync(module)) throw new Error(`${module} is missing: run npm run build first`);
    const path = dbFile();
    // The child appends as fast as it can and prints each request id once append has returned,
    // with a blocking write(2) on fd 1: an id the parent read was appended before the kill.
    const script = `
      const { writeSync } = await import('node:fs');
      const { SqliteLedger } = await import(${JSON.stringify(pathToFileURL(module).href)});
      const ledger = new SqliteLedger({ path: ${JSON.stringify(path)} });
      for (let i = 0; ; i++) {
        const id = 'req-' + i;
        ledger.append({ requestId: id, at: Date.now(), settledAt: Date.now(), usd: 0.001, tokens: 10, provider: 'openai', model: 'm', instance: 'child',
          scopes: { key: 'k', user: 'u', team: 't', session: '', model: 'm', route: 'r' } });
        writeSync(1, id + '\\n');
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const printed = await new Promise<string[]>((resolve, reject) => {
      child.on('error', reject);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => (err += chunk));
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.split('\n').length > 2000 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      const stuck = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`child stuck: ${out.length} bytes out, stderr ${err}, killed ${child.killed}`));
      }, 10_000);
      child.on('exit', (code, signal) => {
        clearTimeout(stuck);
        if (signal !== 'SIGKILL') reject(new Error(`child exited ${code} ${signal}: ${err}`));
        // Only whole lines: a partial last line was being printed when the kill landed.
        else resolve(out.split('\n').slice(0, -1));
      });
    });
    expect(printed.length).toBeGreaterThanOrEqual(2000);
    const ledger = new SqliteLedger({ path, mustExist: true });
    const stored = new Set([...ledger.charges()].map((c) => c.requestId));
    await ledger.close();
    expect(printed.filter((id) => !stored.has(id))).toEqual([]);
    expect(stored.size).toBeGreaterThanOrEqual(printed.length);
  });
});
