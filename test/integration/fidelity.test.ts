/**
 * Fidelity of recorded traffic: the real server (`switchyard serve --record`) serves a mixed
 * load (chat completions, Anthropic messages, embeddings) against the SIMULATED providers;
 * every request is in the log after a clean shutdown, and replaying the log through the policy
 * that served it reproduces every decision, whatever the redaction mode (the counts a record
 * keeps stand in for the prompt), and with a budget that downgrades part of the load (the
 * record keeps the route it was forced onto).
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
import type { CompiledPolicy } from '../../engine/src/policy/lower.js';
import { packagePath } from '../../engine/src/package-root.js';
import { recordDecision, replayRequest } from '../../server/recording/record.js';
import type { TrafficRecord } from '../../server/recording/types.js';
import { runDryRun } from '../../server/tools/dry-run/dry-run.js';
import { parseRecordLine, recordLine } from '../../server/recording/line.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const POLICY = packagePath('test', 'fixtures', 'policies', 'fidelity.yaml');

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ apiKey: 'k' });
});
afterAll(async () => {
  await sim?.close();
});

/** One request of the load: where it goes and its body. */
interface Sent {
  path: '/v1/chat/completions' | '/v1/messages' | '/v1/embeddings';
  body: Record<string, unknown>;
}

/**
 * A deterministic mix: chat, support, extraction, code; tools, images, JSON mode, metadata,
 * users, streams; one in 16 through the Anthropic ingress and one in 16 an embeddings request.
 */
function load(n: number): Sent[] {
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
  const out: Sent[] = [];
  for (let i = 0; i < n; i++) {
    const text = `${texts[i % texts.length]} (#${i})`;
    if (i % 16 === 14) {
      out.push({ path: '/v1/messages', body: { model: 'auto', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: text }], ...(i % 32 === 14 ? { stream: true } : {}) } });
      continue;
    }
    if (i % 16 === 15) {
      out.push({ path: '/v1/embeddings', body: { model: 'embed', input: [text.slice(0, 2000), 'a second input'] } });
      continue;
    }
    const body: Record<string, unknown> = {
      model: i % 11 === 0 ? 'json' : i % 13 === 0 ? 'haiku' : 'auto',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: text }],
    };
    if (i % 5 === 0) body.metadata = { team: 'research' };
    if (i % 7 === 0) body.user = `user-${i % 17}`;
    if (i % 9 === 0) body.tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { id: { type: 'string' } } } } }];
    if (i % 10 === 3) body.messages = [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } }] }];
    if (i % 8 === 4) body.response_format = { type: 'json_object' };
    if (i % 6 === 1) body.max_tokens = 50 + i;
    if (i % 4 === 2) body.stream = true;
    out.push({ path: '/v1/chat/completions', body });
  }
  return out;
}

/** The fixture policy as served: recording in `mode`, and `extra` policy text (budgets). */
const servedSource = (mode: string, extra: string): string => readFileSync(POLICY, 'utf8') + `recording:\n  path: traffic.jsonl\n  redaction: ${mode}\n` + extra;

/** The fixture policy compiled as served. */
function compiled(mode: string, extra = ''): CompiledPolicy {
  const served = compilePolicySource(servedSource(mode, extra), 'policy.yaml');
  if (!served.ok) throw new Error(served.errors.map((e) => e.format()).join('\n'));
  return served.compiled;
}

/** Serves the fixture policy with recording in `mode`, sends `bodies`, stops cleanly; the log's records. */
async function serveAndRecord(mode: 'counts' | 'hashed' | 'full', sent: Sent[], extra = ''): Promise<{ records: TrafficRecord[]; statuses: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-fidelity-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, servedSource(mode, extra));
  // A ledger of its own: budgets resume from the ledger, so a shared one would carry spend over.
  const child = spawn(process.execPath, [CLI, 'serve', '--policy', policyFile, '--port', '0', '--no-watch', '--db', join(dir, 'switchyard.db')], {
    env: { ...process.env, SIM_URL: sim.url, SIM_OPENAI_URL: `${sim.url}/v1`, SIM_KEY: 'k', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // Up to 30 s: on a loaded machine the CLI can take well over the usual second to start.
  for (let i = 0; i < 600 && !/Server listening at/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
  const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
  if (!url) throw new Error(`the server did not start:\n${log}`);
  const statuses: number[] = [];
  // Eight at a time: enough to interleave completions, so the log is not in arrival order.
  for (let i = 0; i < sent.length; i += 8) {
    statuses.push(...await Promise.all(sent.slice(i, i + 8).map(async ({ path, body }) => {
      const res = await request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await res.body.text();
      return res.statusCode;
    })));
  }
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  // A clean shutdown wrote everything: nothing reported lost.
  expect(log).not.toMatch(/traffic log:/);
  const records = readFileSync(join(dir, 'traffic.jsonl'), 'utf8').trim().split('\n').map(parseRecordLine);
  return { records, statuses };
}

/** Records whose decision, replayed through `policy` as the gateway decided it, differs from the recorded one. */
function mismatches(records: TrafficRecord[], policy: CompiledPolicy): unknown[] {
  const decider = new Decider(policy);
  return records
    .map((r) => ({ id: r.id, recorded: r.decision, replayed: recordDecision(decider.decide(replayRequest(r, { forcedRoute: true }), r.snapshot)) }))
    .filter((m) => JSON.stringify(m.replayed) !== JSON.stringify(m.recorded));
}

/** The records as a log file dry-run can read. */
function logFile(records: TrafficRecord[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sy-fidelity-log-')), 'traffic.jsonl');
  writeFileSync(file, `${records.map(recordLine).join('\n')}\n`);
  return file;
}

/**
 * Room for the worst case of one `auto` request (about 1,900 tokens: two calls of up to 200
 * output tokens on each of its four candidates) but not two: an `auto` request admitted while
 * another is in flight, or once about 1,100 tokens are spent, goes to `economy`.
 */
const DOWNGRADING_BUDGET = `budgets:
  - { name: auto-cap, scope: route, match: auto, limit_tokens: 3000, window: day, on_exceed: downgrade, downgrade_to: economy }
`;

describe('recorded traffic replays to the same decisions', () => {
  it.each(['counts', 'hashed', 'full'] as const)('redaction %s: every request recorded, every decision reproduced', async (mode) => {
    const sent = load(mode === 'counts' ? 240 : 80);
    const { records, statuses } = await serveAndRecord(mode, sent);
    // Nothing lost on a clean shutdown, and the mix really exercised success and failure paths.
    expect(records).toHaveLength(sent.length);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(sent.length / 2);
    expect(new Set(records.map((r) => r.decision.route)).size).toBeGreaterThanOrEqual(5);
    expect(records.every((r) => r.redaction === mode)).toBe(true);
    if (mode !== 'full') expect(JSON.stringify(records)).not.toContain('Norway');
    // Every ingress records: the Anthropic ones answered and the embeddings recorded as such.
    const through = (path: Sent['path']): number[] => statuses.filter((_, i) => sent[i]!.path === path);
    expect(through('/v1/messages').filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(through('/v1/embeddings').every((s) => s === 200)).toBe(true);
    expect(records.filter((r) => r.request.kind === 'embedding')).toHaveLength(through('/v1/embeddings').length);
    expect(records.filter((r) => r.decision.route === 'embed')).toHaveLength(through('/v1/embeddings').length);
    // The policy that served: same source, so the same hash as the records carry.
    const served = compiled(mode);
    expect(new Set(records.map((r) => r.policy))).toEqual(new Set([served.policy.hash]));
    expect(records.every((r) => r.request.forced_route === null)).toBe(true);
    expect(mismatches(records, served)).toEqual([]);

    // dry-run of the same policy: nothing changes.
    const report = await runDryRun({ compiled: served, policyFile: 'policy.yaml', files: [logFile(records)] });
    expect(report.traffic.records).toBe(sent.length);
    expect(report.decisions).toMatchObject({ changed: 0, unchanged: sent.length - report.decisions.noRoute });
  }, 120_000);

  it('a budget that downgrades: the forced route is recorded, and every decision is reproduced', async () => {
    const sent = load(160);
    const { records } = await serveAndRecord('counts', sent, DOWNGRADING_BUDGET);
    expect(records).toHaveLength(sent.length);
    const served = compiled('counts', DOWNGRADING_BUDGET);
    expect(new Set(records.map((r) => r.policy))).toEqual(new Set([served.policy.hash]));
    // Part of the load went to `auto` and part of that was downgraded: both are in the log.
    const downgraded = records.filter((r) => r.request.forced_route !== null);
    expect(downgraded.length).toBeGreaterThan(0);
    expect(downgraded.every((r) => r.request.forced_route === 'economy' && r.decision.route === 'economy')).toBe(true);
    expect(records.filter((r) => r.decision.route === 'auto').length).toBeGreaterThan(0);
    expect(mismatches(records, served)).toEqual([]);

    // Without the forced route a downgraded record decides as it matched: that is what a replay
    // that runs budgets itself starts from (dry-run), and what the record alone used to give.
    const decider = new Decider(served);
    expect(downgraded.map((r) => decider.decide(replayRequest(r), r.snapshot).route)).toEqual(downgraded.map(() => 'auto'));
    // dry-run of the policy without the budget: exactly the downgraded requests change back to
    // `auto`; the recorded downgrade is not applied by a replay that decides budgets itself.
    const report = await runDryRun({ compiled: compiled('counts'), policyFile: 'policy.yaml', files: [logFile(records)] });
    expect(report.decisions.changed).toBe(downgraded.length);
  }, 120_000);
});
