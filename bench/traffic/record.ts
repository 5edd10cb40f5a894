/**
 * Records the sample traffic log (bench/traffic/sample.jsonl): the real gateway serving
 * policies/default.yaml with `--record`, every provider pointed at the SIMULATED providers, driven
 * by a seeded mix of requests. Nothing here reaches a real provider.
 *
 *   npm run bench:traffic    (after a build; about 10 minutes)
 *   options: --requests N (2000), --minutes M (10; 0 sends as fast as the concurrency allows),
 *            --concurrency C (8), --seed S, --out FILE (bench/traffic/sample.jsonl)
 *
 * Requests arrive over M minutes, in busy and quiet stretches, so the log spans time the way a
 * gateway's does. The requests and their order are the same on every run; ids, times and
 * latencies are those of the run.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { parseRecordLine } from '../../server/recording/line.js';
import { startSim } from '../sim/index.js';
import type { SimFault } from '../sim/scenario.js';
import { compilePolicyFile } from '../../engine/src/policy/compile.js';
import { packagePath } from '../../engine/src/package-root.js';
import type { TrafficRecord } from '../../server/recording/types.js';
import { trafficRequests, type TrafficRequest } from './requests.js';
import { Rng } from './rng.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const POLICY = packagePath('policies', 'default.yaml');
const SIM_KEY = 'sim-key';

/** Sim behaviour: a little latency, longer replies than the default, and one provider model down. */
const SIM = {
  latencyMs: 15,
  chunkDelayMs: 1,
  replyTokens: 300,
  // Requests asking for it by name fail over nowhere: a realistic share of upstream errors.
  models: { 'mistral-large-latest': { status: 503 } } as Record<string, SimFault>,
};

/** Every provider of the policy pointed at the sim, with the sim's key. */
function simEnv(simUrl: string): Record<string, string> {
  const built = compilePolicyFile(POLICY);
  if (!built.ok) throw new Error(`${POLICY} does not compile: ${built.errors.map((e) => e.format()).join('\n')}`);
  const env: Record<string, string> = {};
  for (const p of built.compiled.policy.providers) {
    if (p.baseUrlEnv !== null) env[p.baseUrlEnv] = p.kind === 'openai' ? `${simUrl}/v1` : simUrl;
    env[p.apiKeyEnv] = SIM_KEY;
  }
  return env;
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

/** `switchyard serve --record` in its own process; stop() sends SIGTERM and expects exit 0. */
async function serve(env: Record<string, string>, recordPath: string): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--policy', POLICY, '--port', '0', '--no-watch', '--record', recordPath], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Only the tail is kept: the server logs every request.
  let tail = '';
  let url: string | undefined;
  const onData = (d: Buffer): void => {
    tail = (tail + d.toString()).slice(-8192);
    url ??= /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(tail)?.[1];
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 400 && url === undefined && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
  if (url === undefined) {
    child.kill('SIGTERM');
    throw new Error(`the gateway did not start:\n${tail}`);
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the gateway exited with ${code}:\n${tail}`);
    },
  };
}

/**
 * When each request is sent, in ms from the start: a Poisson process whose rate swings between
 * busy and quiet (two of each), scaled to span `minutes`. All at 0 when `minutes` is 0.
 */
function schedule(n: number, minutes: number, seed: number): number[] {
  const at = new Array<number>(n).fill(0);
  if (minutes <= 0) return at;
  const rng = new Rng(seed ^ 0x5bd1e995);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const rate = 1 + 0.75 * Math.sin((4 * Math.PI * i) / n);
    t += -Math.log(1 - rng.next()) / rate;
    at[i] = t;
  }
  const scale = (minutes * 60_000) / t;
  return at.map((x) => x * scale);
}

/** Sends every request in order, each at its scheduled time, at most `concurrency` at once; the HTTP statuses. */
async function drive(url: string, requests: readonly TrafficRequest[], sendAt: readonly number[], concurrency: number): Promise<number[]> {
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });
  const statuses = new Array<number>(requests.length);
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < requests.length; i = next++) {
      const wait = start + sendAt[i]! - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', authorization: 'Bearer app-key' },
        body: JSON.stringify(requests[i]!.body),
      });
      await res.body.text();
      statuses[i] = res.statusCode;
      if ((i + 1) % 250 === 0) process.stderr.write(`  ${i + 1}/${requests.length} sent\n`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await dispatcher.close();
  return statuses;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '2000' }, minutes: { type: 'string', default: '10' }, seed: { type: 'string', default: '20251128' },
      concurrency: { type: 'string', default: '8' }, out: { type: 'string', default: packagePath('bench', 'traffic', 'sample.jsonl') },
    },
  });
  const n = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const minutes = Number(values.minutes);
  const requests = trafficRequests(n, Number(values.seed));
  const sendAt = schedule(n, minutes, Number(values.seed));
  const sim = await startSim({ apiKey: SIM_KEY, ...SIM });
  const dir = mkdtempSync(join(tmpdir(), 'sy-traffic-'));
  const recordPath = join(dir, 'traffic.jsonl');
  try {
    // The gateway's keys and ledger live with the log, not in the working directory.
    const server = await serve({ ...simEnv(sim.url), SWITCHYARD_DB: join(dir, 'switchyard.db') }, recordPath);
    console.log(`gateway ${server.url} -> SIMULATED providers ${sim.url}; ${n} requests over ${minutes} min, at most ${concurrency} at a time`);
    const started = performance.now();
    let statuses: number[];
    try {
      statuses = await drive(server.url, requests, sendAt, concurrency);
    } finally {
      await server.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const records = readFileSync(recordPath, 'utf8').trim().split('\n').map(parseRecordLine);
    if (records.length !== n) throw new Error(`${n} requests sent but ${records.length} recorded`);
    if (records.some((r) => r.redaction !== 'counts')) throw new Error('the sample must keep no prompt text (redaction: counts)');
    copyFileSync(recordPath, values.out);
    console.log(`${n} requests in ${seconds.toFixed(1)} s; wrote ${values.out} (${(statSync(values.out).size / 1e6).toFixed(2)} MB)`);
    console.log(`kinds:    ${countBy(requests, (r) => r.kind)}`);
    console.log(`statuses: ${countBy(statuses, String)}`);
    console.log(`routes:   ${countBy(records, (r) => r.decision.route ?? '(none)')}`);
    console.log(`models:   ${countBy(records, (r) => r.outcome.model ?? '(none)')}`);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exitCode = 1;
});
