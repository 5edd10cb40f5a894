/** `switchyard spend` and `switchyard reconcile` from the built CLI (node dist/server/cli.js), on a ledger file the test fills. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicCostReport, openaiCostsPage } from '../../bench/sim/exports.js';
import { packagePath } from '../../engine/src/package-root.js';
import { SqliteLedger } from '../../server/ledger/sqlite.js';
import { charge, LEDGER_DAY } from '../helpers/charge.js';
import { servedTraffic } from '../helpers/served-traffic.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const DAYS = ['2025-11-03', '2025-11-04'];
let dir: string;
let db: string;

// The ledger these commands read is the file given, never a DATABASE_URL from the environment.
const env = { ...process.env, DATABASE_URL: '', SWITCHYARD_DB: '' };

function run(args: string[], opts: { cwd?: string; extraEnv?: Record<string, string> } = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, cwd: opts.cwd, env: { ...env, ...opts.extraEnv } });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-spend-cli-'));
  db = join(dir, 'switchyard.db');
  const ledger = new SqliteLedger({ path: db });
  for (const c of servedTraffic(DAYS, 40).charges) ledger.append(c);
  ledger.append(charge('lone', { at: LEDGER_DAY + 10, usd: 0.5, tokens: 7, scopes: { team: '', key: 'sk-lone' }, provider: 'gemini', model: 'gemini-2.5-flash' }));
  await ledger.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('switchyard spend', () => {
  it('is listed, and has --help', () => {
    expect(run(['--help']).stdout).toMatch(/spend\s+what the ledger charged/);
    const help = run(['spend', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: switchyard spend --by team\|key\|user\|model\|route/);
  });

  it('prints spend by team as a table with the total', () => {
    const r = run(['spend', '--by', 'team', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('spend by team, the start to now');
    expect(lines[2]).toMatch(/^team\s+requests\s+usd\s+tokens$/);
    expect(lines.slice(3).map((l) => l.split(/\s+/)[0])).toEqual(['research', 'support', '(none)', 'total']);
    expect(lines.at(-1)).toMatch(/^total\s+81\s+\d+\.\d{6}\s+\d+$/);
  });

  it('prints JSON, narrowed by --since and --until, and reads ./switchyard.db by default', () => {
    const all = JSON.parse(run(['spend', '--by', 'model', '--json'], { cwd: dir }).stdout);
    expect(all.rows.map((r: { key: string }) => r.key).sort()).toEqual(['claude-haiku-4-5', 'gemini-2.5-flash', 'gpt-4.1', 'gpt-4o-mini']);
    expect(all.total.requests).toBe(81);
    const day = JSON.parse(run(['spend', '--by', 'key', '--since', '2025-11-03', '--until', '2025-11-03T00:00:01Z', '--db', db, '--json']).stdout);
    expect(day).toMatchObject({ since: '2025-11-03T00:00:00.000Z', until: '2025-11-03T00:00:01.000Z', rows: [{ key: 'sk-lone', requests: 1, usd: 0.5, tokens: 7 }] });
    expect(JSON.parse(run(['spend', '--by', 'route', '--since', '1d', '--db', db, '--json']).stdout).rows).toEqual([]);
  });

  it('exits 2 on a bad command line and 1 when there is no ledger', () => {
    const bad = run(['spend', '--by', 'tenant', '--db', db]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--by "tenant": expected one of team, key, user, model, route');
    expect(run(['spend', '--db', db]).status).toBe(2);
    expect(run(['spend', '--by', 'team', '--since', 'last week', '--db', db]).status).toBe(2);
    const none = run(['spend', '--by', 'team', '--db', join(dir, 'missing.db')]);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('no ledger at');
  });
});

describe('switchyard reconcile', () => {
  const usages = () => servedTraffic(DAYS, 40).account.usages();

  it('exits 0 when the sim-made exports agree with the ledger', () => {
    const openai = join(dir, 'openai.json');
    writeFileSync(openai, JSON.stringify(openaiCostsPage(usages())));
    const o = run(['reconcile', '--provider', 'openai', openai, '--db', db]);
    expect(o.stderr).toBe('');
    expect(o.status).toBe(0);
    expect(o.stdout).toMatch(/no discrepancies above the tolerance/);
    const anthropic = join(dir, 'anthropic.json');
    writeFileSync(anthropic, JSON.stringify(anthropicCostReport(usages())));
    expect(run(['reconcile', '--provider', 'anthropic', anthropic, '--db', db]).status).toBe(0);
  });

  it('exits 1 and lists the discrepancy when an amount differs', () => {
    const page = openaiCostsPage(usages()) as { data: Array<{ results: Array<{ line_item: string; amount: { value: number } }> }> };
    const item = page.data[1]!.results.find((r) => r.line_item === 'gpt-4.1, input')!;
    item.amount.value += 1;
    const file = join(dir, 'openai-off.json');
    writeFileSync(file, JSON.stringify(page));
    const r = run(['reconcile', '--provider', 'openai', file, '--db', db]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^2025-11-04\s+gpt-4\.1\s+\d+\s+[\d.]+\s+[\d.]+\s+\+1\.000000\s+amounts differ$/m);
    expect(r.stdout).toContain('1 discrepancy above the tolerance');
  });
});
