/** `switchyard dry-run` and `switchyard diff`: what a policy would have done with recorded traffic. */
import { statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compilePolicyFile } from '../../../engine/src/policy/compile.js';
import type { CompiledPolicy } from '../../../engine/src/policy/lower.js';
import { UsageError, usage } from '../policy/args.js';
import { processIo, type Io } from '../policy/io.js';
import { renderDiffHtml, renderDryRunHtml } from '../report/html.js';
import { parseBudget, type BudgetSpec } from './budgets.js';
import { runDiff } from './diff.js';
import { runDryRun } from './dry-run.js';
import type { ReadStats } from './read.js';
import { renderDiff, renderDryRun } from './render.js';
import type { OutcomesReport } from './outcomes.js';
import type { DryRunReport } from '../report/types.js';

export const DRY_RUN_HELP = `usage: switchyard dry-run POLICY --traffic FILE... [options]

Replays recorded traffic (the JSON lines \`serve --record\` writes), in arrival order, through
POLICY's own decide() and projects what it would have cost: prompt tokens exact for each
model's tokenizer (from the counts every record keeps), output tokens as recorded, the
provider's prompt-cache share kept when the provider stays the same, batch routes at the batch
price. Reports the total against the recorded cost, by route, model, provider, team and key.
Failover is not simulated: the first eligible candidate is taken to serve. A served request the
policy cannot route is a changed decision, and its recorded cost is reported apart, never as a
saving: "saved" compares only the requests both served.

options:
  --traffic FILE         a traffic log (repeat, or list several after it); merged in arrival
                         order (logs are written at completion; reordered within 15 minutes)
  --budget SPEC          a budget on top of the policy's own: SCOPE[:VALUE]=AMOUNT(usd|tokens)/WINDOW[:ACTION]
                         e.g. team:research=100usd/month, global=20usd/day:alert; scopes key, user,
                         team, session, global; windows hour, day, month (UTC); action reject
                         (default) or alert. All budgets run as the gateway runs them: each request
                         reserves its worst case; conditions see what is left as snapshot.budget.*.
  --exact-cache TTL      simulate an exact-match cache holding answers for TTL (e.g. 10m, 1h)
  --outcomes FILE        evaluate on a dataset of known outcomes (../shared/data/routing format)
                         instead of traffic: quality and cost next to the best and cheapest models
  --model ALIAS          with --outcomes: the model the requests ask for (default auto)
  --json                 print the report as JSON
  --html FILE            also write a self-contained HTML report with charts
  -h, --help             show this help

Exits 0 when the report was made, 1 when the policy has errors or a file cannot be read, 2 on
a bad command line.`;

export const DIFF_HELP = `usage: switchyard diff OLD NEW --traffic FILE... [--json] [--html FILE]

Replays the same recorded traffic through two policies and reports how many decisions change
(route or model; those NEW cannot route counted apart), by the route the old policy chose, with
up to 20 examples, and the cost of each policy on that traffic (the delta over the requests
both route).

options:
  --traffic FILE   a traffic log (repeat, or list several after it)
  --json           print the report as JSON
  --html FILE      also write a self-contained HTML report with charts
  -h, --help       show this help`;

/** Compiles a policy or prints its errors; null when it has any. */
function compile(file: string, io: Io): CompiledPolicy | null {
  const built = compilePolicyFile(file);
  for (const w of built.warnings) io.err(w.format());
  if (built.ok) return built.compiled;
  for (const e of built.errors) io.err(e.format());
  io.err(`${file}: ${built.errors.length} error(s); nothing replayed`);
  return null;
}

/** Traffic files that exist, or a message naming the first that does not. */
function trafficFiles(files: string[]): { files: string[]; size: number } {
  if (files.length === 0) throw new UsageError('--traffic FILE is required');
  let size = 0;
  for (const file of files) {
    try {
      size += statSync(file).size;
    } catch {
      throw new UsageError(`cannot read traffic file ${file}`);
    }
  }
  return { files, size };
}

/** A progress bar on stderr, only when it is a terminal. */
function progress(totalBytes: number): ((stats: ReadStats) => void) | undefined {
  if (!process.stderr.isTTY || totalBytes === 0) return undefined;
  return (stats) => {
    const share = Math.min(1, stats.bytes / totalBytes);
    const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, ' ');
    process.stderr.write(`\r[${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${stats.records} records`);
    if (share >= 1) process.stderr.write('\n');
  };
}

function parseTtl(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new UsageError(`--exact-cache ${JSON.stringify(text)}: expected a duration like 30s, 10m, 1h`);
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

async function runDryRunCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      traffic: { type: 'string', multiple: true }, budget: { type: 'string', multiple: true }, 'exact-cache': { type: 'string' },
      outcomes: { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' }, html: { type: 'string' },
    },
  }));
  const [policyFile, ...extra] = positionals;
  if (policyFile === undefined) throw new UsageError('POLICY is required');
  const budgets: BudgetSpec[] = (values.budget ?? []).map((text) => {
    const spec = parseBudget(text);
    if (typeof spec === 'string') throw new UsageError(spec);
    return spec;
  });
  const cacheTtl = values['exact-cache'] === undefined ? undefined : parseTtl(values['exact-cache']);
  if (values.outcomes !== undefined) return runOutcomes(policyFile, values.outcomes, values.model, values.json === true, values.html, io);
  const { files, size } = trafficFiles([...(values.traffic ?? []), ...extra]);
  const compiled = compile(policyFile, io);
  if (!compiled) return 1;
  const report = await runDryRun({ compiled, policyFile, files, budgets, exactCacheTtlMs: cacheTtl, onProgress: progress(size) });
  if (values.html !== undefined) writeFileSync(values.html, renderDryRunHtml(report));
  io.out(values.json === true ? JSON.stringify(report, null, 2) : renderDryRun(report).join('\n'));
  if (values.html !== undefined && values.json !== true) io.out(`\nHTML report: ${values.html}`);
  return 0;
}

async function runOutcomes(policyFile: string, file: string, alias: string | undefined, json: boolean, html: string | undefined, io: Io): Promise<number> {
  const { evaluateOutcomes, renderOutcomes } = await import('./outcomes.js');
  try {
    statSync(file);
  } catch {
    throw new UsageError(`cannot read outcomes file ${file}`);
  }
  const compiled = compile(policyFile, io);
  if (!compiled) return 1;
  const report = await evaluateOutcomes(compiled, file, { alias });
  if (html !== undefined) writeFileSync(html, renderDryRunHtml(outcomesPage(policyFile, compiled, report)));
  io.out(json ? JSON.stringify(report, null, 2) : renderOutcomes(report).join('\n'));
  if (html !== undefined && !json) io.out(`\nHTML report: ${html}`);
  return 0;
}

/**
 * An outcomes evaluation as a dry-run page: no traffic was replayed, so the cost figures are
 * the policy's on the dataset (pool totals) and the quality section carries the comparison.
 */
function outcomesPage(policyFile: string, compiled: CompiledPolicy, quality: OutcomesReport): DryRunReport {
  const totals = quality.groups.filter((g) => g.task === null);
  const projected = totals.reduce((sum, g) => sum + g.policy.costUsd, 0);
  const queries = totals.reduce((sum, g) => sum + g.queries, 0);
  const empty = { route: [], model: [], provider: [], team: [], key: [] };
  return {
    kind: 'dry-run',
    policy: { file: policyFile, hash: compiled.policy.hash },
    traffic: { files: [quality.file], records: queries, skipped: 0, from: null, to: null },
    cost: { recorded: 0, projected, saved: -projected, savedShare: 0, unroutable: { requests: 0, recorded: 0 } },
    by: { ...empty, model: totals.flatMap((g) => g.chosen.map((c) => ({ key: c.model, requests: c.count, recorded: 0, projected: 0 }))) },
    overTime: [],
    decisions: { changed: 0, unroutable: 0, unchanged: 0, noRoute: totals.reduce((sum, g) => sum + g.unmapped, 0) },
    budgets: { rejected: 0, downgraded: 0, alerts: 0, byBudget: [] },
    batch: { requests: 0, share: 0, savedUsd: 0 },
    cache: null,
    quality,
    estimates: { cl100kScaled: 0, outputEstimated: 0 },
  };
}

async function runDiffCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({
    args: argv,
    allowPositionals: true,
    options: { traffic: { type: 'string', multiple: true }, json: { type: 'boolean' }, html: { type: 'string' } },
  }));
  const [oldFile, newFile, ...extra] = positionals;
  if (oldFile === undefined || newFile === undefined) throw new UsageError('OLD and NEW policies are required');
  const { files, size } = trafficFiles([...(values.traffic ?? []), ...extra]);
  const oldPolicy = compile(oldFile, io);
  const newPolicy = compile(newFile, io);
  if (!oldPolicy || !newPolicy) return 1;
  const report = await runDiff({ old: { compiled: oldPolicy, file: oldFile }, new: { compiled: newPolicy, file: newFile }, files, onProgress: progress(size) });
  if (values.html !== undefined) writeFileSync(values.html, renderDiffHtml(report));
  io.out(values.json === true ? JSON.stringify(report, null, 2) : renderDiff(report).join('\n'));
  if (values.html !== undefined && values.json !== true) io.out(`\nHTML report: ${values.html}`);
  return 0;
}

/** Runs a command with usage errors turned into exit 2 and a help text. */
async function withUsage(name: string, help: string, run: (argv: string[], io: Io) => Promise<number>, argv: string[], io: Io): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`switchyard ${name}: ${e.message}\n\n${help}`);
    return 2;
  }
}

export function runDryRunCli(argv: string[], io: Io = processIo()): Promise<number> {
  return withUsage('dry-run', DRY_RUN_HELP, runDryRunCommand, argv, io);
}

export function runDiffCli(argv: string[], io: Io = processIo()): Promise<number> {
  return withUsage('diff', DIFF_HELP, runDiffCommand, argv, io);
}
