/** The gateway over real HTTP against the SIMULATED provider, with a raw HTTP client. */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const POLICY = `version: 1
providers:
  dead:
    kind: openai
    base_url: http://127.0.0.1:1/v1
    api_key_env: SIM_KEY
  live:
    kind: openai
    base_url: http://127.0.0.1:1/v1
    base_url_env: LIVE_URL
    api_key_env: SIM_KEY
models:
  on-dead: { provider: dead, upstream: m-dead, price: { input: 1, output: 2 }, context_window: 1000 }
  on-live: { provider: live, upstream: m-live, price: { input: 1, output: 2 }, context_window: 1000 }
  cutter: { provider: live, upstream: m-cut, price: { input: 1, output: 2 }, context_window: 1000 }
routes:
  - name: vip
    match: { model: chat, metadata: { tier: vip } }
    candidates: [on-live]
  - name: chat
    match: { model: chat }
    candidates: [on-dead, on-live]
`;

let sim: SimHandle;
let gateway: RunningGateway;

beforeAll(async () => {
  sim = await startSim({ apiKey: 'k', models: { 'm-cut': { cutAfterChunks: 2 } } });
  gateway = await startGateway(POLICY, { SIM_KEY: 'k', LIVE_URL: `${sim.url}/v1` });
});
afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const chat = (extra: Record<string, unknown> = {}) => ({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('gateway over HTTP', () => {
  it('fails over past a provider that refuses connections', async () => {
    const res = await post(chat());
    expect(res.status).toBe(200);
    expect(res.headers['x-switchyard-model']).toBe('on-live');
    // A refused connection is retried once (default retries: 1), then the next candidate serves.
    expect(res.headers['x-switchyard-attempts']).toBe('3');
    expect(JSON.parse(res.text).choices[0].message.content).toMatch(/^\[simulated m-live\]/);
  });

  it('routes on request metadata', async () => {
    const res = await post(chat({ metadata: { tier: 'vip' } }));
    expect(res.headers['x-switchyard-route']).toBe('vip');
    expect(res.headers['x-switchyard-attempts']).toBe('1');
  });

  it('keeps a sane caller request id and makes one otherwise', async () => {
    expect((await post(chat(), { 'x-request-id': 'abc-123' })).headers['x-request-id']).toBe('abc-123');
    const made = (await post(chat(), { 'x-request-id': 'bad id with spaces' })).headers['x-request-id'];
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['not JSON', '{"model": ', 'body'],
    ['no model', { messages: [{ role: 'user', content: 'x' }] }, 'model'],
    ['empty messages', { model: 'chat', messages: [] }, 'messages'],
    ['bad role', { model: 'chat', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
    ['bad max_tokens', chat({ max_tokens: -3 }), 'max_tokens'],
    ['bad stream', chat({ stream: 'yes' }), 'stream'],
    ['bad metadata', chat({ metadata: { a: { b: 1 } } }), 'metadata.a'],
  ])('rejects %s with a 400 in the OpenAI error shape naming the parameter', async (_name, body, param) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const { error } = JSON.parse(res.text);
    expect(error).toEqual({ message: expect.any(String), type: 'invalid_request_error', param, code: 'invalid_request' });
  });

  it('answers unknown paths with a 404 in the OpenAI shape', async () => {
    const res = await request(`${gateway.url}/v1/nope`);
    expect(res.statusCode).toBe(404);
    expect((await res.body.json()) as unknown).toMatchObject({ error: { type: 'invalid_request_error', code: 'not_found' } });
  });

  it('a stream cut after its first bytes ends with an error event, never [DONE]', async () => {
    const res = await post({ model: 'cutter', stream: true, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    const events = res.text.split('\n\n').filter((e) => e.startsWith('data: '));
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(res.text).not.toContain('[DONE]');
    const last = JSON.parse(events[events.length - 1]!.slice(6));
    expect(last.error.code).toBe('stream_interrupted');
  });

  it('a complete stream ends with [DONE] and carries the cost as a comment', async () => {
    const res = await post(chat({ stream: true, max_tokens: 3 }));
    expect(res.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(res.text).toMatch(/: x-switchyard-cost-usd=\d+\.\d{8}/);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
  });

  it('reports health and the policy hash', async () => {
    const res = await request(`${gateway.url}/healthz`);
    const body = (await res.body.json()) as { status: string; policy: { hash: string } };
    expect(body.status).toBe('ok');
    expect(body.policy.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
