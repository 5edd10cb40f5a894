/**
 * The recorder in the server: a traffic log that cannot be written is said in the server's log
 * and in its metrics, never lost silently, and shutdown still finishes. Real HTTP against the
 * SIMULATED provider, real files.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSim, type SimHandle } from '../../../../bench/sim/index.js';
import { compilePolicySource } from '../../../../engine/src/policy/compile.js';
import { buildApp, type Gateway } from '../../../../server/app.js';
import { createRuntime } from '../../../../server/policy-runtime.js';
import { TrafficRecorder } from '../../../../server/recording/recorder.js';
import { TrafficWriter, type WriterOptions } from '../../../../server/recording/writer.js';

const POLICY = `version: 1
providers:
  sim: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: SIM_URL, api_key_env: SIM_KEY }
models:
  m: { provider: sim, upstream: sim-model, price: { input: 1, output: 2 }, context_window: 100000 }
routes:
  - { name: chat, match: { model: chat }, candidates: [m] }
`;

let sim: SimHandle;
beforeAll(async () => { sim = await startSim({ apiKey: 'k' }); });
afterAll(async () => { await sim?.close(); });

/** A gateway recording through `writer`, with its log lines kept. */
async function serve(writer: Partial<WriterOptions> & { path: string }): Promise<{ gateway: Gateway; url: string; logged: () => Array<{ level: number; msg: string }> }> {
  const built = compilePolicySource(POLICY, 'p.yaml');
  if (!built.ok) throw new Error('policy');
  const lines: string[] = [];
  const recorder = new TrafficRecorder(new TrafficWriter({ maxBytes: 1 << 20, keep: 1, ...writer }));
  const gateway = buildApp({
    runtime: createRuntime(built.compiled, { SIM_URL: `${sim.url}/v1`, SIM_KEY: 'k' }), recorder,
    logger: { level: 'info', stream: { write: (line) => lines.push(line) } },
  });
  const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  return { gateway, url, logged: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

async function ask(url: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await request(`${url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `Hello ${i}` }] }),
    });
    await res.body.text();
    statuses.push(res.statusCode);
  }
  return statuses;
}

describe('a traffic log the server cannot write', () => {
  it('is logged through the server logger, and shutdown reports the records it could not write', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sy-recorder-')), 'traffic.jsonl');
    mkdirSync(path); // the log file replaced by a directory
    const { gateway, url, logged } = await serve({ path, flushMs: 10 });
    expect(await ask(url, 3)).toEqual([200, 200, 200]);
    await gateway.app.close();
    const about = logged().filter((l) => l.msg.startsWith('traffic log:'));
    // One line for the failure (pino error = 50), however many writes failed, and one at shutdown.
    expect(about.filter((l) => /cannot write .*traffic\.jsonl/.test(l.msg))).toHaveLength(1);
    expect(about.at(-1)).toMatchObject({ level: 50, msg: expect.stringMatching(/3 record\(s\) could not be written to .*traffic\.jsonl at shutdown/) });
  });

  it('counts the records it drops to stay within its bound in switchyard_records_dropped_total', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sy-recorder-')), 'traffic.jsonl');
    mkdirSync(path);
    // No room at all: once a write has failed, every record waiting is dropped, and counted.
    const { gateway, url, logged } = await serve({ path, flushMs: 10, retryMs: 60_000, maxPendingBytes: 1 });
    expect(await metric(url)).toBe(0);
    expect(await ask(url, 5)).toEqual([200, 200, 200, 200, 200]);
    await vi.waitFor(async () => expect(await metric(url)).toBe(5), { timeout: 5000 });
    await gateway.app.close();
    const about = logged().filter((l) => l.msg.startsWith('traffic log:')).map((l) => l.msg);
    expect(about.filter((m) => /dropping the oldest/.test(m))).toHaveLength(1);
    expect(about.at(-1)).toMatch(/5 record\(s\) were dropped/);
  });
});

/** switchyard_records_dropped_total as GET /metrics says it. */
async function metric(url: string): Promise<number | null> {
  const text = await (await request(`${url}/metrics`)).body.text();
  const value = /^switchyard_records_dropped_total (\d+)/m.exec(text)?.[1];
  return value === undefined ? null : Number(value);
}
