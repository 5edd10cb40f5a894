/**
 * Dry-run and diff throughput, and their memory: a traffic log of N records made from
 * bench/traffic/sample.jsonl (recorded against the SIMULATED providers), replayed by runDryRun
 * (without and with budgets) and runDiff in this process, timed, with the resident set sampled every 100 ms. The peak must
 * not grow with the file: the replay streams. Target (issue 5): at least 50,000 records/s.
 *
 *   npm run bench:dry-run                      (after a build; 200,000 records)
 *   npm run bench:dry-run -- --records 500000
 *   npm run bench:dry-run -- --gb 1            (about 1 GB of log; needs the disk space in the temp dir)
 *
 * --keep leaves the generated log in place; it is deleted otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compilePolicyFile } from '../engine/src/policy/compile.js';
import type { CompiledPolicy } from '../engine/src/policy/lower.js';
import { packagePath } from '../engine/src/package-root.js';
import { runDiff } from '../server/tools/dry-run/diff.js';
import { runDryRun } from '../server/tools/dry-run/dry-run.js';
import { parseBudget, type BudgetSpec } from '../server/tools/dry-run/budgets.js';
import { replicateLog } from './traffic/replicate.js';

const TARGET_RECORDS_PER_S = 50_000;
const BENCH_BUDGETS = ['key=1usd/day', 'team=20usd/day', 'global=100usd/hour:alert'];
const MB = 1e6;

function compiled(file: string): CompiledPolicy {
  const built = compilePolicyFile(file);
  if (!built.ok) throw new Error(`${file}: ${built.errors.map((e) => e.format()).join('\n')}`);
  return built.compiled;
}

interface Run {
  name: string;
  records: number;
  seconds: number;
  rssBefore: number;
  rssPeak: number;
}

/** Runs `work` with the resident set sampled every 100 ms; its record count, time and memory. */
async function measured(name: string, work: () => Promise<number>): Promise<Run> {
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 100);
  const started = performance.now();
  try {
    const records = await work();
    const seconds = (performance.now() - started) / 1000;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    return { name, records, seconds, rssBefore, rssPeak };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string' }, gb: { type: 'string' }, keep: { type: 'boolean' },
      sample: { type: 'string', default: packagePath('bench', 'traffic', 'sample.jsonl') },
      policy: { type: 'string', default: packagePath('policies', 'default.yaml') },
      new: { type: 'string', default: packagePath('bench', 'traffic', 'what-if.yaml') },
    },
  });
  const target = values.gb !== undefined ? { bytes: Number(values.gb) * 1e9 } : { records: Number(values.records ?? 200_000) };
  const oldPolicy = compiled(values.policy);
  const newPolicy = compiled(values.new);
  const dir = mkdtempSync(join(tmpdir(), 'sy-dry-run-bench-'));
  const file = join(dir, 'traffic.jsonl');
  try {
    const genStart = performance.now();
    const log = await replicateLog(values.sample, file, target);
    console.log(`generated ${log.records.toLocaleString('en-US')} records, ${(log.bytes / MB).toFixed(0)} MB, in ${((performance.now() - genStart) / 1000).toFixed(1)} s: ${file}`);
    console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);

    const runs: Run[] = [];
    runs.push(await measured('dry-run', async () => {
      const report = await runDryRun({ compiled: oldPolicy, policyFile: values.policy, files: [file] });
      return report.traffic.records;
    }));
    // Budgets take the gateway's own store and, per request, a second decide (was it a
    // downgrade?): the same replay with a per-key, a per-team and a global alert budget.
    runs.push(await measured('dry-run + 3 budgets', async () => {
      const report = await runDryRun({ compiled: oldPolicy, policyFile: values.policy, files: [file], budgets: BENCH_BUDGETS.map((b) => parseBudget(b) as BudgetSpec) });
      return report.traffic.records;
    }));
    runs.push(await measured('diff', async () => {
      const report = await runDiff({ old: { compiled: oldPolicy, file: values.policy }, new: { compiled: newPolicy, file: values.new }, files: [file] });
      return report.total;
    }));

    console.log('| run | records | log MB | seconds | records/s | MB/s | RSS before MB | peak RSS MB |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of runs) {
      if (r.records !== log.records) throw new Error(`${r.name} replayed ${r.records} records of ${log.records}`);
      console.log(`| ${r.name} | ${r.records.toLocaleString('en-US')} | ${(log.bytes / MB).toFixed(0)} | ${r.seconds.toFixed(2)} | ${Math.round(r.records / r.seconds).toLocaleString('en-US')} | ${(log.bytes / MB / r.seconds).toFixed(1)} | ${(r.rssBefore / MB).toFixed(0)} | ${(r.rssPeak / MB).toFixed(0)} |`);
    }
    const dryRun = runs[0]!;
    const rate = dryRun.records / dryRun.seconds;
    console.log(`\ntarget: >= ${TARGET_RECORDS_PER_S.toLocaleString('en-US')} records/s for dry-run: ${rate >= TARGET_RECORDS_PER_S ? 'met' : 'NOT met'}`);
  } finally {
    if (values.keep !== true) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exitCode = 1;
});
