/**
 * Gateway overhead: the same requests sent to the SIMULATED provider directly and through the
 * gateway, side by side in one run, so the machine's noise hits both alike.
 *
 *   npm run bench:overhead            (after `npm ci`; ~1 minute; add --quick for a smoke run)
 *
 * The sim and the gateway each run in their own process; the load comes from autocannon in
 * this one, never from the gateway's code. c=1 latency percentiles are taken from autocannon's
 * per-response timings (its histogram rounds to whole milliseconds, too coarse here);
 * streaming time to first byte is timed with undici from request start to the first body byte.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { packagePath } from '../engine/src/package-root.js';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => AutocannonInstance;

/** The part of autocannon's API this benchmark uses (the package ships no types). */
interface AutocannonInstance extends PromiseLike<{ requests: { average: number }; errors: number; timeouts: number; non2xx: number }> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTimeMs: number) => void): void;
}

const quick = process.argv.includes('--quick');
const DURATION_S = quick ? 2 : 10;
const TTFB_SAMPLES = quick ? 50 : 500;
const CLI = packagePath('dist', 'server', 'cli.js');

const BODY = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'Say something short about freight yards.' }] });
const STREAM_BODY = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say something short about freight yards.' }] });
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer bench' };

async function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      seen += b.toString();
      if (ready.test(seen)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${seen}`)));
  });
  return child;
}

interface LoadResult { rps: number; p50: number; p90: number; p99: number; errors: number; non2xx: number }

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function load(url: string, connections: number): Promise<LoadResult> {
  const timings: number[] = [];
  const instance = autocannon({ url, method: 'POST', headers: HEADERS, body: BODY, connections, duration: DURATION_S });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
    timings.push(responseTimeMs);
  });
  const result = await instance;
  timings.sort((a, b) => a - b);
  return {
    rps: result.requests.average,
    p50: percentile(timings, 50),
    p90: percentile(timings, 90),
    p99: percentile(timings, 99),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function ttfb(url: string): Promise<{ p50: number; p90: number }> {
  const samples: number[] = [];
  for (let i = 0; i < TTFB_SAMPLES; i++) {
    const start = process.hrtime.bigint();
    const res = await request(url, { method: 'POST', headers: HEADERS, body: STREAM_BODY });
    const it = res.body[Symbol.asyncIterator]();
    await it.next();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    for (let r = await it.next(); !r.done; r = await it.next());
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p90: percentile(samples, 90) };
}

const fmt = (n: number, d = 3): string => n.toFixed(d);

async function main(): Promise<void> {
  const simPort = 19400 + Math.floor(Math.random() * 200);
  const gwPort = simPort + 300;
  const sim = await startProcess(['sim', '--port', String(simPort)], {}, /listening/);
  // The ledger (on by default, as in production) goes to a temporary file, not the working directory.
  const db = mkdtempSync(join(tmpdir(), 'sy-overhead-'));
  const gateway = await startProcess(['serve', '--port', String(gwPort)], {
    OPENAI_BASE_URL: `http://127.0.0.1:${simPort}/v1`, OPENAI_API_KEY: 'bench', LOG_LEVEL: 'info', SWITCHYARD_DB: join(db, 'switchyard.db'),
  }, /Server listening at/);
  const direct = `http://127.0.0.1:${simPort}/v1/chat/completions`;
  const via = `http://127.0.0.1:${gwPort}/v1/chat/completions`;
  try {
    // Warm both paths (JIT, keep-alive pools) before measuring.
    await load(direct, 8);
    await load(via, 8);
    const d1 = await load(direct, 1);
    const g1 = await load(via, 1);
    const d64 = await load(direct, 64);
    const g64 = await load(via, 64);
    const dt = await ttfb(direct);
    const gt = await ttfb(via);
    const failures = [d1, g1, d64, g64].reduce((n, r) => n + r.errors + r.non2xx, 0);
    console.log(`Switchyard overhead vs the SIMULATED provider (node ${process.version}, ${DURATION_S}s per load, autocannon)`);
    console.log('');
    console.log('| measure | direct to sim | through gateway | added |');
    console.log('|---|---:|---:|---:|');
    console.log(`| c=1 p50 latency (ms) | ${fmt(d1.p50)} | ${fmt(g1.p50)} | +${fmt(g1.p50 - d1.p50)} |`);
    console.log(`| c=1 p90 latency (ms) | ${fmt(d1.p90)} | ${fmt(g1.p90)} | +${fmt(g1.p90 - d1.p90)} |`);
    console.log(`| c=1 p99 latency (ms) | ${fmt(d1.p99)} | ${fmt(g1.p99)} | +${fmt(g1.p99 - d1.p99)} |`);
    console.log(`| c=1 requests/s | ${fmt(d1.rps, 0)} | ${fmt(g1.rps, 0)} | |`);
    console.log(`| c=64 requests/s | ${fmt(d64.rps, 0)} | ${fmt(g64.rps, 0)} | |`);
    console.log(`| stream time to first byte p50 (ms) | ${fmt(dt.p50)} | ${fmt(gt.p50)} | +${fmt(gt.p50 - dt.p50)} |`);
    console.log(`| stream time to first byte p90 (ms) | ${fmt(dt.p90)} | ${fmt(gt.p90)} | +${fmt(gt.p90 - dt.p90)} |`);
    console.log('');
    console.log(`failed or non-2xx responses during the loads: ${failures}`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    gateway.kill('SIGTERM');
    sim.kill('SIGTERM');
    if (gateway.exitCode === null && gateway.signalCode === null) await once(gateway, 'exit');
    rmSync(db, { recursive: true, force: true });
    await Promise.all([once(gateway, 'exit'), once(sim, 'exit')]);
  }
}

await main();
