/** `switchyard spend`: what the ledger charged, grouped by team, key, user, model or route. */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLedger, defaultSqlitePath, isSpendBy, parseTime, spendReport, SPEND_BY, type SpendLedger, type SpendReport } from '../../ledger/index.js';
import { UsageError, usage } from '../policy/args.js';
import { processIo, type Io } from '../policy/io.js';

export const SPEND_HELP = `usage: switchyard spend --by team|key|user|model|route [options]

Reads the spend ledger and prints what was charged per group: requests, USD and tokens,
largest first, with the total. Charges are counted by the time their request arrived.

options:
  --by DIM        team, key, user, model (the model that served) or route (required)
  --since TIME    from TIME: an ISO date or date-time (UTC when it has no zone: 2025-11-01,
                  2025-11-01T09:00) or a span back from now (90m, 12h, 7d, 2w)
  --until TIME    up to TIME (exclusive), same forms
  --db FILE       the SQLite ledger (default: $SWITCHYARD_DB, else ./switchyard.db); without
                  it, the PostgreSQL ledger at $DATABASE_URL when that is set
  --json          print the report as JSON
  -h, --help      show this help

Exits 0 with the report, 1 when the ledger cannot be read, 2 on a bad command line.`;

/** Reads a time option, or throws the usage error naming it. */
export function timeOption(name: string, text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const at = parseTime(text, now);
  if (at === null) throw new UsageError(`--${name} ${JSON.stringify(text)}: expected an ISO date (2025-11-01, 2025-11-01T09:00Z) or a span back from now (12h, 7d)`);
  return at;
}

/**
 * The ledger a read-only tool reads: the SQLite file `--db` names, else PostgreSQL when
 * DATABASE_URL is set, else the default SQLite file. A missing SQLite file is an error, not a
 * new empty ledger.
 */
export async function openLedgerForReading(db: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<SpendLedger> {
  if (db === undefined && env.DATABASE_URL) return createLedger({ databaseUrl: env.DATABASE_URL });
  const path = db ?? defaultSqlitePath(env);
  if (!existsSync(path)) throw new Error(`no ledger at ${path} (give --db FILE, or set SWITCHYARD_DB or DATABASE_URL)`);
  // The file --db names is read even with DATABASE_URL set: no environment here.
  return createLedger({ sqlitePath: path, mustExist: true }, {});
}

/** The report as an aligned table. */
export function renderSpend(report: SpendReport): string[] {
  const range = `${report.since ?? 'the start'} to ${report.until ?? 'now'}`;
  const cells = [
    [report.by, 'requests', 'usd', 'tokens'],
    ...report.rows.map((r) => [r.key === '' ? '(none)' : r.key, String(r.requests), r.usd.toFixed(6), String(r.tokens)]),
    ['total', String(report.total.requests), report.total.usd.toFixed(6), String(report.total.tokens)],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...cells.map((row) => (row[i] as string).length)));
  const line = (row: string[]): string => row.map((c, i) => (i === 0 ? c.padEnd(widths[0] as number) : c.padStart(widths[i] as number))).join('  ');
  return [`spend by ${report.by}, ${range}`, '', line(cells[0] as string[]), ...cells.slice(1, -1).map(line), line(cells[cells.length - 1] as string[])];
}

async function runSpend(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({
    args: argv,
    allowPositionals: true,
    options: { by: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' } },
  }));
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.by === undefined) throw new UsageError('--by is required');
  if (!isSpendBy(values.by)) throw new UsageError(`--by ${JSON.stringify(values.by)}: expected one of ${SPEND_BY.join(', ')}`);
  const now = Date.now();
  const since = timeOption('since', values.since, now);
  const until = timeOption('until', values.until, now);
  let ledger: SpendLedger;
  try {
    ledger = await openLedgerForReading(values.db);
  } catch (e) {
    io.err(`switchyard spend: ${(e as Error).message}`);
    return 1;
  }
  try {
    const report = spendReport(values.by, await ledger.spend({ by: values.by, since, until }), since, until);
    io.out(values.json === true ? JSON.stringify(report, null, 2) : renderSpend(report).join('\n'));
    return 0;
  } finally {
    await ledger.close();
  }
}

export async function runSpendCli(argv: string[], io: Io = processIo()): Promise<number> {
  try {
    return await runSpend(argv, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`switchyard spend: ${e.message}\n\n${SPEND_HELP}`);
    return 2;
  }
}
