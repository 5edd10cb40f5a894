/**
 * Fidelity of recorded traffic: the real server (`switchyard serve --record`) serves a mixed
 * load against the SIMULATED providers; every request is in the log after a clean shutdown,
 * and replaying the log through the policy that served it reproduces every decision, whatever
 * the redaction mode (the counts a record keeps stand in for the prompt).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { Decider } from '../../engine/src/decide.js';
import { compilePolicySource } from '../../engine/src/policy/compile.js';
import { packagePath } from '../../engine/src/package-root.js';
import { recordDecision, replayRequest } from '../../server/recording/record.js';
import type { TrafficRecord } from '../../server/recording/types.js';
import { runDryRun } from '../../server/tools/dry-run/dry-run.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const POLICY = packagePath('test', 'fixtures', 'policies', 'fidelity.yaml');

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ apiKey: 'k' });
});
afterAll(async () => {
  await sim?.close();
});

/** A deterministic mix: chat, support, extraction, code; tools, images, JSON mode, metadata, users, streams. */
function load(n: number): Array<Record<string, unknown>> {
  const texts = [
    'What is the capital of Norway?',
    'My order #4521 has not arrived. Can you check where it is?',
    'Extract the invoice number, date and total from: Invoice INV-2291, 2026-03-02, total EUR 1,204.50.',
    'Prove step by step that the sum of two odd numbers is even, and explain why each step holds. You must be rigorous.',
    '```ts\nexport function add(a: number, b: number) { return a + b; }\n```\nWhy does this fail for bigint? Fix it and compare the trade-offs.',
    'Résumé en français : la réunion est reportée à jeudi.',
    '日本語で短く答えてください：今日は何曜日ですか？',
    'word '.repeat(3500),
  ];
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const body: Record<string, unknown> = {
      model: i % 11 === 0 ? 'json' : i % 13 === 0 ? 'haiku' : 'auto',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: `${texts[i % texts.length]} (#${i})` }],
    };
    if (i % 5 === 0) body.metadata = { team: 'research' };
    if (i % 7 === 0) body.user = `user-${i % 17}`;
    if (i % 9 === 0) body.tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { id: { type: 'string' } } } } }];
    if (i % 10 === 3) body.messages = [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } }] }];
    if (i % 8 === 4) body.response_format = { type: 'json_object' };
    if (i % 6 === 1) body.max_tokens = 50 + i;
    if (i % 4 === 2) body.stream = true;
    out.push(body);
  }
  return out;
}

/** Serves the fixture policy with recording in `mode`, sends `bodies`, stops cleanly; the log's records. */
async function serveAndRecord(mode: 'counts' | 'hashed' | 'full', bodies: Array<Record<string, unknown>>): Promise<{ records: TrafficRecord[]; statuses: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-fidelity-'));
  const policyFile = join(dir, 'policy.yaml');
  const source = readFileSync(POLICY, 'utf8') + `recording:\n  path: traffic.jsonl\n  redaction: ${mode}\n`;
  writeFileSync(policyFile, source);
  const child = spawn(process.execPath, [CLI, 'serve', '--policy', policyFile, '--port', '0', '--no-watch'], {
    env: { ...process.env, SIM_URL: sim.url, SIM_OPENAI_URL: `${sim.url}/v1`, SIM_KEY: 'k', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 200 && !/Server listening at/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
  const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
  if (!url) throw new Error(`the server did not start:\n${log}`);
  const statuses: number[] = [];
  // Eight at a time: enough to interleave completions, so the log is not in arrival order.
  for (let i = 0; i < bodies.length; i += 8) {
    statuses.push(...await Promise.all(bodies.slice(i, i + 8).map(async (body) => {
      const res = await request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await res.body.text();
      return res.statusCode;
    })));
  }
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  const records = readFileSync(join(dir, 'traffic.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TrafficRecord);
  return { records, statuses };
}

describe('recorded traffic replays to the same decisions', () => {
  it.each(['counts', 'hashed', 'full'] as const)('redaction %s: every request recorded, every decision reproduced', async (mode) => {
    const bodies = load(mode === 'counts' ? 240 : 80);
    const { records, statuses } = await serveAndRecord(mode, bodies);
    // Nothing lost on a clean shutdown, and the mix really exercised success and failure paths.
    expect(records).toHaveLength(bodies.length);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(bodies.length / 2);
    expect(new Set(records.map((r) => r.decision.route)).size).toBeGreaterThanOrEqual(5);
    expect(records.every((r) => r.redaction === mode)).toBe(true);
    if (mode !== 'full') expect(JSON.stringify(records)).not.toContain('Norway');
    // The policy that served: same source, so the same hash as the records carry.
    const served = compilePolicySource(readFileSync(POLICY, 'utf8') + `recording:\n  path: traffic.jsonl\n  redaction: ${mode}\n`, 'policy.yaml');
    if (!served.ok) throw new Error('fixture');
    expect(new Set(records.map((r) => r.policy))).toEqual(new Set([served.compiled.policy.hash]));
    const decider = new Decider(served.compiled);
    const mismatches = records.filter((r) => JSON.stringify(recordDecision(decider.decide(replayRequest(r), r.snapshot))) !== JSON.stringify(r.decision));
    expect(mismatches.map((r) => ({ id: r.id, recorded: r.decision, replayed: recordDecision(decider.decide(replayRequest(r), r.snapshot)) }))).toEqual([]);

    // dry-run of the same policy: nothing changes.
    const file = join(mkdtempSync(join(tmpdir(), 'sy-fidelity-log-')), 'traffic.jsonl');
    writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const report = await runDryRun({ compiled: served.compiled, policyFile: 'policy.yaml', files: [file] });
    expect(report.traffic.records).toBe(bodies.length);
    expect(report.decisions).toMatchObject({ changed: 0, unchanged: bodies.length - report.decisions.noRoute });
  }, 120_000);
});
