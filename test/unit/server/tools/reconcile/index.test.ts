/** `switchyard reconcile` on exports the sim makes and a SQLite ledger filled with the same traffic. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { anthropicCostReport, openaiCostsPage } from '../../../../../bench/sim/exports.js';
import { SqliteLedger } from '../../../../../server/ledger/sqlite.js';
import type { ReconcileReport } from '../../../../../server/tools/reconcile/compare.js';
import { runReconcileCli } from '../../../../../server/tools/reconcile/index.js';
import { servedTraffic } from '../../../../helpers/served-traffic.js';

const DAYS = ['2025-11-03', '2025-11-04', '2025-11-05'];
let dir: string;
let db: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-reconcile-'));
  db = join(dir, 'ledger.db');
  const { charges } = servedTraffic(DAYS, 60);
  const ledger = new SqliteLedger({ path: db });
  for (const c of charges) ledger.append(c);
  // A day the exports do not cover: outside the compared range, so not a discrepancy.
  for (const c of servedTraffic(['2025-11-09'], 5).charges) ledger.append(c);
  await ledger.close();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Page = { data: Array<{ results: Array<Record<string, unknown>> }> };

function exports(): { openai: Page; anthropic: Page } {
  const usages = servedTraffic(DAYS, 60).account.usages();
  return { openai: openaiCostsPage(usages) as Page, anthropic: anthropicCostReport(usages) as Page };
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runReconcileCli(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), stdin: Readable.from([]) });
  return { code, out, err };
}

function file(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

describe('switchyard reconcile', () => {
  it('finds no discrepancies when the exports bill what the ledger charged', async () => {
    const { openai, anthropic } = exports();
    const o = await run(['--provider', 'openai', file('openai.json', openai), '--db', db]);
    expect(o.err).toBe('');
    expect(o.code).toBe(0);
    expect(o.out).toContain('UTC days 2025-11-03 to 2025-11-06');
    expect(o.out).toMatch(/no discrepancies above the tolerance \(1% and \$0\.01\) in 6 day\/model pairs/);
    const a = await run(['--provider', 'anthropic', file('anthropic.json', anthropic), '--db', db, '--json']);
    expect(a.code).toBe(0);
    const report = JSON.parse(a.out) as ReconcileReport;
    // claude-haiku-4-5 (the ledger's) is claude-haiku-4-5-20251001 (the export's).
    expect(report.compared.map((c) => [c.day, c.model])).toEqual(DAYS.map((d) => [d, 'claude-haiku-4-5']));
    expect(report.totals.requests).toBe(60);
    expect(report.totals.providerUsd).toBeCloseTo(report.totals.ledgerUsd, 9);
    expect(report.totals.ledgerUsd).toBeGreaterThan(0);
  });

  it('lists a day missing from the export and a wrong amount, and exits 1', async () => {
    const { openai } = exports();
    openai.data[1]!.results = [];
    const wrong = openai.data[2]!.results.find((r) => r.line_item === 'gpt-4.1, output') as { amount: { value: number } };
    wrong.amount.value *= 1.5;
    const r = await run(['--provider', 'openai', file('openai.json', openai), '--db', db]);
    expect(r.code).toBe(1);
    const listed = r.out.split('\n').filter((l) => /^2025-11-0\d /.test(l));
    expect(listed).toHaveLength(3);
    expect(listed[0]).toMatch(/^2025-11-04\s+gpt-4\.1\s+\d+\s+[\d.]+\s+0\.000000\s+-[\d.]+\s+not in the export$/);
    expect(listed[1]).toMatch(/^2025-11-04\s+gpt-4o-mini\s.*not in the export$/);
    expect(listed[2]).toMatch(/^2025-11-05\s+gpt-4\.1\s+\d+\s+[\d.]+\s+[\d.]+\s+\+[\d.]+\s+amounts differ$/);
    expect(r.out).toMatch(/3 discrepancies above the tolerance/);
  });

  it('lists what the provider billed and the ledger never charged', async () => {
    const { anthropic } = exports();
    anthropic.data[0]!.results.push({ currency: 'USD', amount: '250', cost_type: 'tokens', model: 'claude-opus-4-1-20250805', token_type: 'output_tokens', description: 'x' });
    anthropic.data[0]!.results.push({ currency: 'USD', amount: '90', cost_type: 'web_search', model: null, token_type: null, description: 'Web Search' });
    const r = await run(['--provider', 'anthropic', file('a.json', anthropic), '--db', db, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as ReconcileReport;
    expect(report.discrepancies).toEqual([{ day: '2025-11-03', model: 'claude-opus-4-1', requests: 0, ledgerUsd: 0, providerUsd: 2.5, diffUsd: 2.5, kind: 'missing_in_ledger' }]);
    expect(report.other).toEqual([{ label: 'Web Search', usd: 0.9 }]);
  });

  it('narrows to --since/--until days, and takes the tolerance it is given', async () => {
    const { openai } = exports();
    const wrong = openai.data[2]!.results[0] as { amount: { value: number } };
    wrong.amount.value *= 1.5;
    const path = file('openai.json', openai);
    expect((await run(['--provider', 'openai', path, '--db', db, '--until', '2025-11-05'])).code).toBe(0);
    expect((await run(['--provider', 'openai', path, '--db', db, '--since', '2025-11-05T10:00'])).code).toBe(1);
    expect((await run(['--provider', 'openai', path, '--db', db, '--tolerance', '60', '--tolerance-usd', '5'])).code).toBe(0);
  });

  it('exits 2 on a bad command line or an export in the wrong format, 1 without a ledger', async () => {
    const { openai } = exports();
    const path = file('openai.json', openai);
    expect((await run([path, '--db', db])).err).toContain('--provider is required');
    expect((await run(['--provider', 'gemini', path, '--db', db])).code).toBe(2);
    const wrongFormat = await run(['--provider', 'anthropic', path, '--db', db]);
    expect(wrongFormat.code).toBe(2);
    expect(wrongFormat.err).toContain('is not a anthropic cost export');
    expect((await run(['--provider', 'openai', join(dir, 'nope.json'), '--db', db])).err).toContain('cannot read');
    const noLedger = await run(['--provider', 'openai', path, '--db', join(dir, 'none.db')]);
    expect(noLedger.code).toBe(1);
    expect(noLedger.err).toContain('no ledger at');
  });
});
