/**
 * Anthropic prompt-cache writes, end to end through the real gateway and the simulated Anthropic
 * API: the tokens the upstream reports as cache_creation_input_tokens come back on /v1/messages
 * as they were, in the canonical usage as prompt_tokens_details.cache_write_tokens, and are
 * priced at the model's cache_write price in the cost header and the ledger.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { compilePolicySource } from '../../engine/src/policy/compile.js';
import { buildApp, type Gateway } from '../../server/app.js';
import { SqliteLedger } from '../../server/ledger/sqlite.js';
import { createRuntime } from '../../server/policy-runtime.js';

const PRICE = { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 };
const POLICY = `version: 1
providers:
  an: { kind: anthropic, base_url: "http://127.0.0.1:9", base_url_env: SIM_ANTHROPIC_URL, api_key_env: SIM_KEY }
models:
  claude: { provider: an, upstream: claude-sonnet-4-5, price: { input: ${PRICE.input}, cached_input: ${PRICE.cached_input}, cache_write: ${PRICE.cache_write}, output: ${PRICE.output} }, context_window: 200000 }
routes:
  - name: chat
    candidates: [claude]
`;

let sim: SimHandle;
let gateway: Gateway;
let ledger: SqliteLedger;
let url: string;

beforeAll(async () => {
  sim = await startSim({ apiKey: 'k', replyTokens: 6 });
  const built = compilePolicySource(POLICY, 'p.yaml');
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  ledger = new SqliteLedger({ path: join(mkdtempSync(join(tmpdir(), 'sy-cache-write-')), 'ledger.db') });
  gateway = buildApp({ runtime: createRuntime(built.compiled, { SIM_ANTHROPIC_URL: sim.url, SIM_KEY: 'k' }), ledger });
  url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await gateway?.app.close();
  await ledger?.close();
  await sim?.close();
});

// A long system prompt the sim's scripted cold cache writes (the last user message asks for it).
const SYSTEM = 'You answer questions about the attached employee handbook, citing the section. '.repeat(30);
const COLD = 'What is the leave policy? sim:cold-cache';

interface MessagesUsage { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number | null; cache_read_input_tokens: number | null }

/** USD of Anthropic usage at the policy's price card: each kind of prompt token at its own price. */
const priced = (u: MessagesUsage): number =>
  (u.input_tokens * PRICE.input + (u.cache_creation_input_tokens ?? 0) * PRICE.cache_write + (u.cache_read_input_tokens ?? 0) * PRICE.cached_input + u.output_tokens * PRICE.output) / 1e6;

async function post(path: string, body: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'unused' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

const chargeOf = (requestId: string | null): number | undefined => [...ledger.charges()].find((c) => c.requestId === requestId)?.usd;

describe('Anthropic cache writes', () => {
  it('/v1/messages passes cache_creation_input_tokens through, and the cost and the ledger price it at cache_write', async () => {
    const r = await post('/v1/messages', { model: 'chat', max_tokens: 50, system: SYSTEM, messages: [{ role: 'user', content: COLD }] });
    expect(r.status).toBe(200);
    const usage = r.json.usage as MessagesUsage;
    expect(usage.cache_creation_input_tokens).toBeGreaterThan(100);
    expect(usage.cache_read_input_tokens).toBe(0);
    expect(usage.input_tokens).toBeGreaterThan(0);
    const usd = priced(usage);
    // What it would cost with writes at the input price: the old, wrong answer.
    const atInput = usd - (usage.cache_creation_input_tokens! * (PRICE.cache_write - PRICE.input)) / 1e6;
    expect(usd).toBeGreaterThan(atInput);
    expect(Number(r.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(usd, 8);
    await ledger.flush();
    expect(chargeOf(r.headers.get('x-request-id'))).toBeCloseTo(usd, 12);
  });

  it('a warm cache reports no write: null is never made up, 0 is passed on', async () => {
    const r = await post('/v1/messages', { model: 'chat', max_tokens: 50, system: SYSTEM, messages: [{ role: 'user', content: 'What is the leave policy?' }] });
    expect(r.status).toBe(200);
    expect((r.json.usage as MessagesUsage).cache_creation_input_tokens).toBe(0);
  });

  it('streamed /v1/messages ends with the write in message_delta usage', async () => {
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', max_tokens: 50, stream: true, system: SYSTEM, messages: [{ role: 'user', content: COLD }] }),
    });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as { type: string; usage?: MessagesUsage });
    const delta = events.find((e) => e.type === 'message_delta');
    expect(delta?.usage?.cache_creation_input_tokens).toBeGreaterThan(100);
  });

  it('/v1/chat/completions reports the write in prompt_tokens_details.cache_write_tokens, inside prompt_tokens', async () => {
    const r = await post('/v1/chat/completions', { model: 'chat', max_tokens: 50, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: COLD }] });
    expect(r.status).toBe(200);
    const usage = r.json.usage as { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number; cache_write_tokens: number } };
    const written = usage.prompt_tokens_details.cache_write_tokens;
    expect(written).toBeGreaterThan(100);
    expect(usage.prompt_tokens).toBeGreaterThan(written);
    const usd = ((usage.prompt_tokens - written) * PRICE.input + written * PRICE.cache_write + usage.completion_tokens * PRICE.output) / 1e6;
    expect(Number(r.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(usd, 8);
    await ledger.flush();
    expect(chargeOf(r.headers.get('x-request-id'))).toBeCloseTo(usd, 12);
  });
});
