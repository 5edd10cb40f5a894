/**
 * dry-run and diff stream their traffic: a ~60 MB log (the sample's records replicated) replays
 * in a process whose heap is capped at 48 MB, below the log's own size, so neither its parsed
 * records nor even its raw lines could be held at once. The report must still count every record.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../engine/src/package-root.js';
import { replicateLog } from '../../bench/traffic/replicate.js';
import type { DiffReport, DryRunReport } from '../../server/tools/report/types.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const SAMPLE = packagePath('bench', 'traffic', 'sample.jsonl');
const OLD = packagePath('policies', 'default.yaml');
const NEW = packagePath('bench', 'traffic', 'what-if.yaml');
const HEAP_MB = 48;
const LOG_BYTES = 60e6;

let dir: string;
let file: string;
let distinct: string;
let log: { records: number; bytes: number };

/** The log with every record's prompt made its own: nothing an exact cache could answer. */
async function distinctPrompts(from: string, to: string): Promise<void> {
  const out = createWriteStream(to);
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(from), crlfDelay: Infinity })) {
    if (line === '') continue;
    const own = line.replace(/"prompt_sha256":"[0-9a-f]{64}"/, `"prompt_sha256":"${(n++).toString(16).padStart(64, '0')}"`);
    if (!out.write(`${own}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sy-dry-run-memory-'));
  file = join(dir, 'traffic.jsonl');
  log = await replicateLog(SAMPLE, file, { bytes: LOG_BYTES });
  distinct = join(dir, 'distinct.jsonl');
  await distinctPrompts(file, distinct);
}, 30_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI under the heap cap; its exit code, stdout and the tail of stderr. */
function capped(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('dry-run and diff replay a log larger than their heap', () => {
  it('the log is larger than the heap cap', () => {
    expect(log.bytes).toBeGreaterThan(HEAP_MB * 1024 * 1024);
    expect(log.records).toBeGreaterThan(20_000);
  });

  it('dry-run counts every record', async () => {
    const run = await capped(['dry-run', OLD, '--traffic', file, '--json']);
    expect(run.err).not.toMatch(/heap out of memory/i);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as DryRunReport;
    expect(report.traffic).toMatchObject({ records: log.records, skipped: 0 });
    const { changed, unchanged, noRoute } = report.decisions;
    expect(changed + unchanged + noRoute).toBe(log.records);
  }, 20_000);

  it('dry-run with an exact cache keeps only what has not expired (every prompt distinct)', async () => {
    const run = await capped(['dry-run', OLD, '--traffic', distinct, '--exact-cache', '1m', '--json']);
    expect(run.err).not.toMatch(/heap out of memory/i);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as DryRunReport;
    expect(report.traffic.records).toBe(log.records);
    expect(report.cache).toMatchObject({ hits: 0 });
    // About 200 requests a minute: a cache that never evicted would hold every one of them.
    expect(report.cache!.peakEntries).toBeLessThan(1000);
  }, 30_000);

  it('diff counts every record', async () => {
    const run = await capped(['diff', OLD, NEW, '--traffic', file, '--json']);
    expect(run.err).not.toMatch(/heap out of memory/i);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as DiffReport;
    expect(report.total).toBe(log.records);
    expect(report.traffic.records).toBe(log.records);
    expect(report.changed).toBeGreaterThan(0);
  }, 20_000);
});
