/**
 * Resilience through real HTTP against the SIMULATED providers: retries on what is retryable,
 * backoff and Retry-After, timeouts, failover across wire formats, the retry budget and the
 * circuit breaker. The primary provider is one sim, the backup (Anthropic format) another, so
 * the primary can be made to fail in every way, or go away entirely.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimFault, type SimHandle } from '../../bench/sim/index.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const policy = (resilience: string, retries = 1): string => `version: 1
defaults: { retries: ${retries} }
resilience:
${resilience}
providers:
  primary: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: P_URL, api_key_env: SIM_KEY }
  backup: { kind: anthropic, base_url: "http://127.0.0.1:9", base_url_env: B_URL, api_key_env: SIM_KEY }
models:
  main: { provider: primary, upstream: main-model, price: { input: 1, output: 2 }, context_window: 100000 }
  spare: { provider: backup, upstream: spare-model, price: { input: 1, output: 2 }, context_window: 100000 }
routes:
  - name: chat
    match: { model: chat }
    candidates: [main, spare]
`;
const FAST = `  timeouts: { first_byte_ms: 400, idle_ms: 400, total_ms: 3000 }
  retry: { base_ms: 1, max_ms: 100, budget_floor: 1000 }
  breaker: { min_requests: 1000 }`;

/** Faults of the primary's model, changed per test (the sim reads the object at each request). */
const fault: SimFault = {};
let primary: SimHandle;
let backup: SimHandle;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  primary = await startSim({ apiKey: 'k', models: { 'main-model': fault } });
  backup = await startSim({ apiKey: 'k' });
});
afterEach(async () => {
  for (const key of Object.keys(fault)) delete (fault as Record<string, unknown>)[key];
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  await Promise.all([primary?.close(), backup?.close()]);
});

async function gateway(yaml: string, primaryUrl = `${primary.url}/v1`): Promise<RunningGateway> {
  const g = await startGateway(yaml, { P_URL: primaryUrl, B_URL: backup.url, SIM_KEY: 'k' });
  gateways.push(g);
  return g;
}

async function chat(g: RunningGateway, stream = false): Promise<{ status: number; model: string; attempts: number; text: string; ms: number }> {
  const started = performance.now();
  const res = await request(`${g.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.body.text();
  const h = (name: string): string => String(res.headers[name] ?? '');
  return { status: res.statusCode, model: h('x-switchyard-model'), attempts: Number(h('x-switchyard-attempts')), text, ms: performance.now() - started };
}

describe('retries and failover', () => {
  it('retries a 5xx burst on the same candidate, then fails over when it lasts', async () => {
    const g = await gateway(policy(FAST));
    Object.assign(fault, { status: 503, times: 1 });
    expect(await chat(g)).toMatchObject({ status: 200, model: 'main', attempts: 2 });
    Object.assign(fault, { status: 500, times: 2 });
    expect(await chat(g)).toMatchObject({ status: 200, model: 'spare', attempts: 3 });
  });

  it('never retries a request the provider calls invalid, and does not fail over either', async () => {
    const g = await gateway(policy(FAST));
    Object.assign(fault, { status: 400, times: 5 });
    const before = primary.requests;
    const r = await chat(g);
    expect(r.status).toBe(400);
    expect(primary.requests - before).toBe(1);
  });

  it('honours a short Retry-After on a 429, and fails over at once when it is longer than the cap', async () => {
    const g = await gateway(policy(FAST));
    Object.assign(fault, { status: 429, retryAfterS: 0, times: 1 });
    expect(await chat(g)).toMatchObject({ status: 200, model: 'main', attempts: 2 });
    Object.assign(fault, { status: 429, retryAfterS: 30, times: 1 });
    const r = await chat(g);
    expect(r).toMatchObject({ status: 200, model: 'spare', attempts: 2 });
    expect(r.ms).toBeLessThan(2_000);
  });

  it('times out a hang at the first-byte limit and fails over', async () => {
    const g = await gateway(policy(FAST, 0));
    Object.assign(fault, { hang: true });
    const r = await chat(g);
    expect(r).toMatchObject({ status: 200, model: 'spare', attempts: 2 });
    expect(r.ms).toBeLessThan(2_000);
  });

  it('retries a reset connection and a malformed answer, then fails over', async () => {
    const g = await gateway(policy(FAST));
    Object.assign(fault, { reset: true, times: 1 });
    expect(await chat(g)).toMatchObject({ status: 200, model: 'main', attempts: 2 });
    Object.assign(fault, { status: 200, body: '{"choices": [', times: 2 });
    expect(await chat(g)).toMatchObject({ status: 200, model: 'spare', attempts: 3 });
  });

  it('ends a stream cut after its first byte with an error event, never a complete-looking answer', async () => {
    const g = await gateway(policy(FAST));
    Object.assign(fault, { cutAfterChunks: 1 });
    const r = await chat(g, true);
    expect(r.status).toBe(200);
    expect(r.text).toContain('stream_interrupted');
    expect(r.text).not.toContain('[DONE]');
  });
});

describe('a client that goes away', () => {
  it('cancels the upstream call: the provider sees its connection close', async () => {
    // A SIMULATED provider of our own that streams slowly and notes when its client hangs up.
    let closedAt = 0;
    let chunksSent = 0;
    const slow = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => {
        chunksSent++;
        res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'main-model', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] })}\n\n`);
      }, 50);
      res.on('close', () => {
        clearInterval(timer);
        closedAt = performance.now();
      });
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const g = await gateway(policy(FAST), `http://127.0.0.1:${(slow.address() as AddressInfo).port}/v1`);
      const controller = new AbortController();
      const res = await request(`${g.url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, signal: controller.signal,
        body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      for await (const _ of res.body) break; // the first bytes, then the client leaves
      const left = performance.now();
      controller.abort();
      for (let i = 0; i < 40 && closedAt === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(closedAt).toBeGreaterThan(0);
      expect(closedAt - left).toBeLessThan(1_000);
      const sent = chunksSent;
      await new Promise((r) => setTimeout(r, 200));
      expect(chunksSent).toBe(sent);
    } finally {
      slow.close();
    }
  });
});

describe('when the primary provider is down', () => {
  it('the retry budget keeps retries to about 20% of requests', async () => {
    const g = await gateway(policy(`  timeouts: { first_byte_ms: 400, idle_ms: 400, total_ms: 3000 }
  retry: { base_ms: 1, max_ms: 5, budget_ratio: 0.2, budget_floor: 3 }
  breaker: { min_requests: 1000 }`, 3));
    Object.assign(fault, { status: 503 });
    const before = primary.requests;
    const results = [];
    for (let i = 0; i < 100; i++) results.push(await chat(g));
    expect(results.every((r) => r.status === 200 && r.model === 'spare')).toBe(true);
    const toPrimary = primary.requests - before;
    // 100 first attempts plus at most max(3, 20% of them) retries, not 100 x (1 + 3).
    expect(toPrimary).toBeGreaterThanOrEqual(100);
    expect(toPrimary).toBeLessThanOrEqual(123);
  });

  it('the breaker opens and skips it without a call; after open_s a probe closes it again', async () => {
    const dead = await startSim({ apiKey: 'k' });
    const deadUrl = `${dead.url}/v1`;
    await dead.close(); // connections to it are now refused
    const g = await gateway(policy(`  timeouts: { first_byte_ms: 400, idle_ms: 400, total_ms: 3000 }
  retry: { base_ms: 1, max_ms: 5 }
  breaker: { window_s: 30, min_requests: 5, failure_rate: 0.5, open_s: 1, half_open_probes: 1 }`, 0), deadUrl);
    const results = [];
    for (let i = 0; i < 50; i++) results.push(await chat(g));
    expect(results.every((r) => r.status === 200 && r.model === 'spare')).toBe(true);
    // The first five pay for the failed attempt; then the decision excludes the open model.
    expect(results.slice(0, 5).map((r) => r.attempts)).toEqual([2, 2, 2, 2, 2]);
    expect(results.slice(5).every((r) => r.attempts === 1)).toBe(true);
    const attemptsPerRequest = results.slice(5).reduce((n, r) => n + r.attempts, 0) / 45;
    expect(attemptsPerRequest).toBeLessThanOrEqual(1.2);
    const health = g.runtime().snapshot.models?.main;
    expect(health?.circuit).toBe('open');
    // The provider comes back on the same address: after open_s the half-open probe goes to it,
    // succeeds, and closes the breaker.
    const revived = await startSim({ apiKey: 'k', port: dead.port });
    try {
      await new Promise((r) => setTimeout(r, 1_100));
      expect(g.runtime().snapshot.models?.main?.circuit).toBe('half_open');
      expect(await chat(g)).toMatchObject({ status: 200, model: 'main', attempts: 1 });
      expect(g.runtime().snapshot.models?.main?.circuit).toBe('closed');
    } finally {
      await revived.close();
    }
  });
});
