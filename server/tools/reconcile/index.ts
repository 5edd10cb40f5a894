/** `switchyard reconcile`: a provider's cost export against the ledger, by UTC day and model. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compilePolicyFile } from '../../../engine/src/policy/compile.js';
import { DAY_MS, type SpendLedger } from '../../ledger/index.js';
import { UsageError, usage } from '../policy/args.js';
import { processIo, type Io } from '../policy/io.js';
import { openLedgerForReading, timeOption } from '../spend/index.js';
import { DEFAULT_TOLERANCE, reconcile, type ReconcileReport, type Tolerance } from './compare.js';
import { ExportFormatError, readExport, type ExportProvider, type ProviderCosts } from './read-export.js';

export const RECONCILE_HELP = `usage: switchyard reconcile --provider openai|anthropic FILE [options]

Compares a provider's cost export with the ledger's charges for that provider, per UTC day
and model, over the days the export covers, and lists every difference above the tolerance and
every model only one side has (whatever its amount), then the totals. The ledger keeps the policy's model names; with --policy they are translated to
the upstream names the provider bills (a model \`fast\` with upstream gpt-4o-mini is gpt-4o-mini).
Names are compared without their snapshot date (gpt-4o-2024-08-06 is gpt-4o).

FILE is the JSON the provider's API answered (one page, or an array of pages):
  openai     GET /v1/organization/costs?start_time=...&group_by=line_item&bucket_width=1d
  anthropic  GET /v1/organizations/cost_report?starting_at=...&group_by[]=description&bucket_width=1d
Costs that are not a model's tokens (tool calls, other surfaces) are totalled apart.

options:
  --provider NAME         the export's format: openai or anthropic (required)
  --ledger-provider NAME  the provider name the ledger's charges carry (default: --provider)
  --policy FILE           the policy that served: its models' upstream names replace the
                          policy's names (needed when they differ)
  --since TIME            compare from TIME's UTC day (ISO date or date-time, or 7d, 12h...)
  --until TIME            compare up to TIME's UTC day, exclusive; both default to the export's days
  --tolerance PCT         relative tolerance in percent (default 1)
  --tolerance-usd USD     absolute tolerance (default 0.01); a difference is listed when it is
                          above both
  --db FILE               the SQLite ledger (default: $SWITCHYARD_DB, else ./switchyard.db);
                          without it, the PostgreSQL ledger at $DATABASE_URL when that is set
  --json                  print the report as JSON
  -h, --help              show this help

Exits 0 when export and ledger agree within the tolerance, 1 when they do not (or the ledger
cannot be read), 2 on a bad command line or an export that is not in the provider's format.`;

const floorDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
const ceilDay = (ms: number): number => Math.ceil(ms / DAY_MS) * DAY_MS;

function nonNegative(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/%$/, ''));
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} ${JSON.stringify(text)}: expected a number >= 0`);
  return n;
}

/** The export's costs on the days [from, to). */
function within(costs: ProviderCosts, from: number, to: number): ProviderCosts {
  const inside = (day: string): boolean => {
    const at = Date.parse(`${day}T00:00:00Z`);
    return at >= from && at < to;
  };
  return { lines: costs.lines.filter((l) => inside(l.day)), other: costs.other.filter((o) => inside(o.day)), from, to };
}

const usd = (n: number): string => n.toFixed(6);
const signed = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(6)}`;
const KIND_TEXT = { missing_in_ledger: 'not in the ledger', missing_in_export: 'not in the export', amount: 'amounts differ' } as const;

/** The report as text: the discrepancies as a table, then the totals. */
export function renderReconcile(report: ReconcileReport, what: { provider: string; file: string; ledgerProvider: string }): string[] {
  const tolerance = `${report.tolerance.share * 100}% and $${report.tolerance.usd}`;
  const out = [`reconcile: ${what.provider} export ${what.file} against the ledger's "${what.ledgerProvider}" charges, UTC days ${report.from ?? '-'} to ${report.to ?? '-'} (exclusive)`, ''];
  if (report.discrepancies.length > 0) {
    const cells = [
      ['day', 'model', 'requests', 'ledger usd', 'provider usd', 'difference', ''],
      ...report.discrepancies.map((d) => [d.day, d.model, String(d.requests), usd(d.ledgerUsd), usd(d.providerUsd), signed(d.diffUsd), KIND_TEXT[d.kind]]),
    ];
    const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => (row[i] as string).length)));
    for (const row of cells) {
      out.push(row.map((c, i) => (i <= 1 || i === 6 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ').trimEnd());
    }
    out.push('');
  }
  const t = report.totals;
  out.push(`ledger:   $${usd(t.ledgerUsd)} over ${t.requests} requests`);
  out.push(`provider: $${usd(t.providerUsd)} for model tokens (difference ${signed(t.diffUsd)})`);
  if (report.other.length > 0) {
    out.push(`          $${usd(t.otherUsd)} besides, not gateway traffic: ${report.other.map((o) => `${o.label} $${usd(o.usd)}`).join('; ')}`);
  }
  out.push(report.discrepancies.length === 0
    ? `no discrepancies above the tolerance (${tolerance}) in ${report.compared.length} day/model pairs`
    : `${report.discrepancies.length} discrepanc${report.discrepancies.length === 1 ? 'y' : 'ies'} above the tolerance (${tolerance}) in ${report.compared.length} day/model pairs`);
  return out;
}

/** Each model's upstream name by its policy name; undefined (said on stderr) when the policy has errors. */
function upstreamNames(file: string, io: Io): Map<string, string> | undefined {
  const built = compilePolicyFile(file);
  if (!built.ok) {
    io.err(built.errors.map((e) => e.format()).join('\n'));
    return undefined;
  }
  return new Map(built.compiled.policy.models.map((m) => [m.name, m.upstream]));
}

async function runReconcile(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      provider: { type: 'string' }, 'ledger-provider': { type: 'string' }, since: { type: 'string' }, until: { type: 'string' },
      tolerance: { type: 'string' }, 'tolerance-usd': { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' },
      policy: { type: 'string' },
    },
  }));
  const provider = values.provider;
  if (provider !== 'openai' && provider !== 'anthropic') {
    throw new UsageError(provider === undefined ? '--provider is required' : `--provider ${JSON.stringify(provider)}: expected openai or anthropic`);
  }
  if (positionals.length !== 1) throw new UsageError(`expected one export FILE, got ${positionals.length}`);
  const file = positionals[0] as string;
  const tolerance: Tolerance = {
    share: nonNegative('tolerance', values.tolerance, DEFAULT_TOLERANCE.share * 100) / 100,
    usd: nonNegative('tolerance-usd', values['tolerance-usd'], DEFAULT_TOLERANCE.usd),
  };
  const now = Date.now();
  const since = timeOption('since', values.since, now);
  const until = timeOption('until', values.until, now);

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let costs: ProviderCosts;
  try {
    costs = readExport(provider as ExportProvider, text);
  } catch (e) {
    if (!(e instanceof ExportFormatError)) throw e;
    throw new UsageError(`${file} is not a ${provider} cost export: ${e.message}`);
  }
  // Whole UTC days: a day cut in two would compare part of the ledger's day with all the provider's.
  const from = since !== undefined ? floorDay(since) : costs.from === null ? null : floorDay(costs.from);
  const to = until !== undefined ? ceilDay(until) : costs.to === null ? null : ceilDay(costs.to);
  if (from === null || to === null) throw new UsageError(`${file} covers no days; give --since and --until to compare the ledger with an empty export`);

  const upstream = values.policy === undefined ? null : upstreamNames(values.policy, io);
  if (upstream === undefined) return 1;

  let ledger: SpendLedger;
  try {
    ledger = await openLedgerForReading(values.db);
  } catch (e) {
    io.err(`switchyard reconcile: ${(e as Error).message}`);
    return 1;
  }
  const ledgerProvider = values['ledger-provider'] ?? provider;
  let report: ReconcileReport;
  try {
    const rows = await ledger.dailyByModel({ provider: ledgerProvider, since: from, until: to });
    report = reconcile(within(costs, from, to), upstream ? rows.map((r) => ({ ...r, model: upstream.get(r.model) ?? r.model })) : rows, tolerance);
  } finally {
    await ledger.close();
  }
  io.out(values.json === true ? JSON.stringify(report, null, 2) : renderReconcile(report, { provider, file, ledgerProvider }).join('\n'));
  return report.discrepancies.length === 0 ? 0 : 1;
}

export async function runReconcileCli(argv: string[], io: Io = processIo()): Promise<number> {
  try {
    return await runReconcile(argv, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`switchyard reconcile: ${e.message}\n\n${RECONCILE_HELP}`);
    return 2;
  }
}
