/**
 * Resilience of streams and of the less common failures, through real HTTP against the
 * SIMULATED providers: a stream cut or stalled after its first byte (breaker, idle and total
 * limits), a malformed event in each wire format, the connect limit, the provider's retry
 * headers (x-should-retry, retry-after-ms), and a client that leaves a non-streaming request.
 * One sim serves the primary in all three wire formats; the backup is another sim.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimFault, type SimHandle } from '../../bench/sim/index.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const policy = (resilience: string, retries = 0, primaryUrl = 'http://127.0.0.1:9'): string => `version: 1
defaults: { retries: ${retries} }
resilience:
${resilience}
providers:
  p_openai: { kind: openai, base_url: "${primaryUrl}/v1", api_key_env: SIM_KEY }
  p_anthropic: { kind: anthropic, base_url: "${primaryUrl}", api_key_env: SIM_KEY }
  p_gemini: { kind: gemini, base_url: "${primaryUrl}", api_key_env: SIM_KEY }
  backup: { kind: anthropic, base_url: "http://127.0.0.1:9", base_url_env: B_URL, api_key_env: SIM_KEY }
models:
  main: { provider: p_openai, upstream: main-model, price: { input: 1, output: 2 }, context_window: 100000 }
  via_anthropic: { provider: p_anthropic, upstream: a-model, price: { input: 1, output: 2 }, context_window: 100000 }
  via_gemini: { provider: p_gemini, upstream: g-model, price: { input: 1, output: 2 }, context_window: 100000 }
  spare: { provider: backup, upstream: spare-model, price: { input: 1, output: 2 }, context_window: 100000 }
routes:
  - { name: chat, match: { model: chat }, candidates: [main, spare] }
  - { name: anthropic, match: { model: anthropic }, candidates: [via_anthropic, spare] }
  - { name: gemini, match: { model: gemini }, candidates: [via_gemini, spare] }
`;
const FAST = `  timeouts: { first_byte_ms: 400, idle_ms: 400, total_ms: 3000 }
  retry: { base_ms: 1, max_ms: 100, budget_floor: 1000 }
  breaker: { min_requests: 1000 }`;

/** Faults per upstream model of the primary, changed per test (the sim reads them at each request). */
const faults: Record<string, SimFault> = { 'main-model': {}, 'a-model': {}, 'g-model': {} };
let primary: SimHandle;
let backup: SimHandle;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  primary = await startSim({ apiKey: 'k', models: faults });
  backup = await startSim({ apiKey: 'k' });
});
afterEach(async () => {
  for (const fault of Object.values(faults)) for (const key of Object.keys(fault)) delete (fault as Record<string, unknown>)[key];
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  await Promise.all([primary?.close(), backup?.close()]);
});

async function gateway(resilience: string, retries = 0, primaryUrl = primary.url): Promise<RunningGateway> {
  const g = await startGateway(policy(resilience, retries, primaryUrl), { B_URL: backup.url, SIM_KEY: 'k' });
  gateways.push(g);
  return g;
}

interface Answer { status: number; model: string; attempts: number; text: string; ms: number }

async function chat(g: RunningGateway, opts: { model?: string; stream?: boolean; maxTokens?: number } = {}): Promise<Answer> {
  const started = performance.now();
  const res = await request(`${g.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: opts.model ?? 'chat', stream: opts.stream ?? false, max_tokens: opts.maxTokens ?? 5, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.body.text();
  const h = (name: string): string => String(res.headers[name] ?? '');
  return { status: res.statusCode, model: h('x-switchyard-model'), attempts: Number(h('x-switchyard-attempts')), text, ms: performance.now() - started };
}

/** The content deltas a canonical (OpenAI-format) stream carried. */
function contentDeltas(text: string): string[] {
  return [...text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]!).filter((c) => c !== '');
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  for (const end = Date.now() + ms; !check() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
}

describe('a stream cut after its first byte', () => {
  it('counts against the breaker: a model whose streams are always cut ends with its breaker open', async () => {
    const g = await gateway(`  timeouts: { first_byte_ms: 400, idle_ms: 400, total_ms: 3000 }
  retry: { base_ms: 1, max_ms: 5 }
  breaker: { window_s: 60, min_requests: 3, failure_rate: 0.5, open_s: 60, half_open_probes: 1 }`);
    Object.assign(faults['main-model']!, { cutAfterChunks: 1 });
    const results: Answer[] = [];
    for (let i = 0; i < 6; i++) results.push(await chat(g, { stream: true }));
    // Each cut stream was served by main and ended with an error event, never [DONE]...
    for (const r of results.slice(0, 3)) {
      expect(r).toMatchObject({ status: 200, model: 'main' });
      expect(r.text).toContain('stream_interrupted');
      expect(r.text).not.toContain('[DONE]');
    }
    // ...and each was a failure in main's window: after three of them the decision skips it.
    expect(g.runtime().snapshot.models?.main?.circuit).toBe('open');
    for (const r of results.slice(3)) {
      expect(r).toMatchObject({ status: 200, model: 'spare', attempts: 1 });
      expect(r.text).toContain('[DONE]');
    }
  });

  it('a complete stream still counts as a success (the breaker stays closed)', async () => {
    const g = await gateway(`  timeouts: { first_byte_ms: 400, idle_ms: 400, total_ms: 3000 }
  breaker: { window_s: 60, min_requests: 3, failure_rate: 0.5, open_s: 60 }`);
    for (let i = 0; i < 4; i++) expect((await chat(g, { stream: true })).text).toContain('[DONE]');
    expect(g.runtime().snapshot.models?.main).toMatchObject({ circuit: 'closed', errorRate: 0 });
  });
});

describe('timeouts', () => {
  it('idle: a stream that stalls mid-way ends with an error event and the upstream connection is closed', async () => {
    const g = await gateway(FAST);
    Object.assign(faults['main-model']!, { stallAfterChunks: 2 });
    const before = primary.abandoned;
    const r = await chat(g, { stream: true });
    expect(r).toMatchObject({ status: 200, model: 'main' });
    expect(contentDeltas(r.text).length).toBe(2);
    expect(r.text).toContain('stream_interrupted');
    expect(r.text).not.toContain('[DONE]');
    expect(r.text).not.toContain('"finish_reason":"stop"');
    await until(() => primary.abandoned > before);
    expect(primary.abandoned).toBe(before + 1);
  });

  it('total: a slow stream is cut at total_ms with an error event, and the upstream connection is closed', async () => {
    const g = await gateway(`  timeouts: { first_byte_ms: 2000, idle_ms: 2000, total_ms: 1000 }
  breaker: { min_requests: 1000 }`);
    // 40 chunks 200 ms apart: 8 s of stream, each gap well under the idle limit.
    Object.assign(faults['main-model']!, { chunkDelayMs: 200 });
    const before = primary.abandoned;
    const r = await chat(g, { stream: true, maxTokens: 40 });
    expect(r).toMatchObject({ status: 200, model: 'main' });
    expect(r.text).toContain('stream_interrupted');
    expect(r.text).not.toContain('[DONE]');
    expect(contentDeltas(r.text).length).toBeLessThan(40);
    expect(r.text).toContain('no complete answer within 1000 ms');
    await until(() => primary.abandoned > before);
    expect(primary.abandoned).toBe(before + 1);
  });

  it('connect: a provider that never completes the TCP handshake fails over at connect_ms', async () => {
    // A loopback listener that never accepts, with its accept queue filled: Linux then drops
    // further SYNs (net.ipv4.tcp_abort_on_overflow=0, the default), so a connect neither
    // succeeds nor is refused. Node accepts every connection itself, hence a python listener.
    const listener = await neverAccepting();
    const fillers: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) fillers.push(connect(listener.port, '127.0.0.1').on('error', () => {}));
      await new Promise((r) => setTimeout(r, 200));
      // Only the connect limit can end this attempt quickly: the first-byte and total limits are 30 s.
      const g = await gateway(`  timeouts: { connect_ms: 300, first_byte_ms: 30000, idle_ms: 30000, total_ms: 30000 }
  breaker: { min_requests: 1000 }`, 0, `http://127.0.0.1:${listener.port}`);
      const r = await chat(g);
      expect(r).toMatchObject({ status: 200, model: 'spare', attempts: 2 });
      // Generous: the default connect limit is 10 s and the others 30 s.
      expect(r.ms).toBeLessThan(8_000);
    } finally {
      for (const s of fillers) s.destroy();
      listener.child.kill();
    }
  });
});

describe('a malformed event inside a valid stream', () => {
  const formats = [
    { name: 'OpenAI', route: 'chat', model: 'main', upstream: 'main-model' },
    { name: 'Anthropic', route: 'anthropic', model: 'via_anthropic', upstream: 'a-model' },
    { name: 'Gemini', route: 'gemini', model: 'via_gemini', upstream: 'g-model' },
  ];
  for (const f of formats) {
    it(`${f.name}: before the first byte, fails over; after it, ends with an error event, never a truncated success`, async () => {
      const g = await gateway(FAST);
      Object.assign(faults[f.upstream]!, { malformedAfterChunks: 0 });
      const before = await chat(g, { model: f.route, stream: true });
      expect(before).toMatchObject({ status: 200, model: 'spare', attempts: 2 });
      expect(before.text).toContain('[DONE]');
      expect(before.text).not.toContain('stream_interrupted');

      // A delay between chunks, so the good chunks reach the client before the broken event.
      Object.assign(faults[f.upstream]!, { malformedAfterChunks: 2, chunkDelayMs: 50 });
      const after = await chat(g, { model: f.route, stream: true });
      expect(after).toMatchObject({ status: 200, model: f.model });
      expect(contentDeltas(after.text).length).toBeGreaterThan(0);
      expect(after.text).toContain('stream_interrupted');
      expect(after.text).not.toContain('[DONE]');
    });
  }
});

describe("the provider's retry headers", () => {
  it('x-should-retry: true retries a status that is otherwise not retried; false fails over at once', async () => {
    const g = await gateway(FAST, 1);
    Object.assign(faults['main-model']!, { status: 400, headers: { 'x-should-retry': 'true' }, times: 1 });
    expect(await chat(g)).toMatchObject({ status: 200, model: 'main', attempts: 2 });
    Object.assign(faults['main-model']!, { status: 503, headers: { 'x-should-retry': 'false' }, times: 1 });
    expect(await chat(g)).toMatchObject({ status: 200, model: 'spare', attempts: 2 });
  });

  it('retry-after-ms: a short wait is honoured on the same candidate; one over the cap fails over', async () => {
    const g = await gateway(FAST, 1);
    Object.assign(faults['main-model']!, { status: 429, headers: { 'retry-after-ms': '20' }, times: 1 });
    expect(await chat(g)).toMatchObject({ status: 200, model: 'main', attempts: 2 });
    // 30 s is over max_ms (100 ms): without the header read, backoff would retry main instead.
    Object.assign(faults['main-model']!, { status: 429, headers: { 'retry-after-ms': '30000' }, times: 1 });
    expect(await chat(g)).toMatchObject({ status: 200, model: 'spare', attempts: 2 });
  });
});

describe('a client that leaves', () => {
  it('a stream: the sim sees its connection closed and sends nothing more', async () => {
    const g = await gateway(FAST);
    Object.assign(faults['main-model']!, { chunkDelayMs: 50 });
    const before = primary.abandoned;
    const controller = new AbortController();
    const res = await request(`${g.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: controller.signal,
      body: JSON.stringify({ model: 'chat', stream: true, max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] }),
    });
    for await (const _ of res.body) break; // the first bytes, then the client leaves
    controller.abort();
    await until(() => primary.abandoned > before);
    expect(primary.abandoned).toBe(before + 1);
    // Leaving says nothing about the provider: no failure in its breaker.
    expect(g.runtime().snapshot.models?.main?.errorRate ?? 0).toBe(0);
  });


  it('a non-streaming request: the upstream call is cancelled (the sim sees its connection closed), and nothing fails over', async () => {
    const g = await gateway(FAST.replace('total_ms: 3000', 'total_ms: 30000').replace('first_byte_ms: 400', 'first_byte_ms: 30000'));
    Object.assign(faults['main-model']!, { latencyMs: 10_000 });
    const before = { requests: primary.requests, abandoned: primary.abandoned, backup: backup.requests };
    const controller = new AbortController();
    const pending = request(`${g.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: controller.signal,
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    }).catch((err: unknown) => err);
    await until(() => primary.requests > before.requests);
    expect(primary.requests).toBe(before.requests + 1);
    controller.abort();
    await pending;
    await until(() => primary.abandoned > before.abandoned);
    expect(primary.abandoned).toBe(before.abandoned + 1);
    expect(backup.requests).toBe(before.backup);
  });
});

/** A python process listening on a loopback port with a backlog of 0 that never accepts. */
async function neverAccepting(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn('python3', ['-c', [
    'import socket, sys',
    's = socket.socket()',
    "s.bind(('127.0.0.1', 0))",
    's.listen(0)',
    'print(s.getsockname()[1], flush=True)',
    'sys.stdin.read()',
  ].join('\n')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  return { port, child };
}
