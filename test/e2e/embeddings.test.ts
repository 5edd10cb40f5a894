/**
 * End to end with the official `openai` SDK's embeddings.create as the client of POST
 * /v1/embeddings: SDK -> gateway (real HTTP) -> SIMULATED OpenAI and Gemini embeddings
 * endpoints (real HTTP). The policy decides with `kind: embedding`, so only embedding models
 * serve; a failing OpenAI model fails over to a Gemini one; every request is recorded.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { compilePolicyFile, compilePolicySource } from '../../engine/src/policy/compile.js';
import { buildApp, type Gateway } from '../../server/app.js';
import { createRuntime } from '../../server/policy-runtime.js';
import { recordDecision, replayRequest } from '../../server/recording/record.js';
import { TrafficRecorder } from '../../server/recording/recorder.js';
import type { TrafficRecord } from '../../server/recording/types.js';
import { TrafficWriter } from '../../server/recording/writer.js';
import { DEFAULT_POLICY } from '../helpers/gateway.js';
import { parseRecordLine } from '../../server/recording/line.js';

let sim: SimHandle;
let gateway: Gateway;
let url: string;
let recordPath: string;
let client: OpenAI;

const ENV = (s: SimHandle): NodeJS.ProcessEnv => ({
  OPENAI_BASE_URL: `${s.url}/v1`, OPENAI_API_KEY: 'sim-key',
  ANTHROPIC_BASE_URL: s.url, ANTHROPIC_API_KEY: 'sim-key',
  GOOGLE_GEMINI_BASE_URL: s.url, GEMINI_API_KEY: 'sim-key',
});

beforeAll(async () => {
  // text-embedding-3-small is down: the default policy's `embed` route fails over to Gemini.
  sim = await startSim({ apiKey: 'sim-key', models: { 'text-embedding-3-small': { status: 503 } } });
  const compiled = compilePolicyFile(DEFAULT_POLICY);
  if (!compiled.ok) throw new Error('the default policy does not compile');
  recordPath = join(mkdtempSync(join(tmpdir(), 'sy-embeddings-')), 'traffic.jsonl');
  const recorder = new TrafficRecorder(new TrafficWriter({ path: recordPath, maxBytes: 1 << 20, keep: 1 }));
  gateway = buildApp({ runtime: createRuntime(compiled.compiled, ENV(sim)), recorder });
  url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-by-gateway', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.app.close();
  await sim?.close();
});

const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('openai SDK embeddings.create through the gateway', () => {
  it('embeds a list of texts on an OpenAI model: vectors, usage, and headers with the cost at the input price', async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'text-embedding-3-large', input: ['first text', 'second text'], encoding_format: 'float' })
      .withResponse();
    expect(data.object).toBe('list');
    expect(data.model).toBe('text-embedding-3-large');
    expect(data.data.map((d) => d.index)).toEqual([0, 1]);
    for (const d of data.data) {
      expect(d.embedding).toHaveLength(3072);
      expect(norm(d.embedding)).toBeCloseTo(1, 3);
    }
    expect(data.data[0]!.embedding).not.toEqual(data.data[1]!.embedding);
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage.total_tokens).toBe(data.usage.prompt_tokens);
    expect(response.headers.get('x-switchyard-route')).toBe('model:text-embedding-3-large');
    expect(response.headers.get('x-switchyard-model')).toBe('text-embedding-3-large');
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-switchyard-policy')).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo((data.usage.prompt_tokens * 0.13) / 1e6, 10);
  });

  it("the SDK's default base64 encoding decodes to the same vectors as float", async () => {
    const floats = await client.embeddings.create({ model: 'text-embedding-3-large', input: 'same text', encoding_format: 'float', dimensions: 8 });
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-large', input: 'same text', dimensions: 8 });
    expect(decoded.data[0]!.embedding).toHaveLength(8);
    decoded.data[0]!.embedding.forEach((x, i) => expect(x).toBeCloseTo(floats.data[0]!.embedding[i]!, 6));
  });

  it('fails over from an OpenAI embedding model answering 503 to a Gemini one', async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'embed', input: ['route me', 'and me'], encoding_format: 'float' })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe('embed');
    expect(response.headers.get('x-switchyard-model')).toBe('gemini-embedding-001');
    expect(response.headers.get('x-switchyard-provider')).toBe('gemini');
    expect(Number(response.headers.get('x-switchyard-attempts'))).toBeGreaterThanOrEqual(2);
    expect(data.data).toHaveLength(2);
    expect(data.data[0]!.embedding).toHaveLength(3072);
    // Gemini reports no usage: the gateway's own count of the inputs stands in, priced at Gemini's input price.
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo((data.usage.prompt_tokens * 0.15) / 1e6, 10);
  });

  it('maps dimensions to Gemini outputDimensionality', async () => {
    const data = await client.embeddings.create({ model: 'gemini-embedding-001', input: 'short', dimensions: 16, encoding_format: 'float' });
    expect(data.data[0]!.embedding).toHaveLength(16);
    expect(norm(data.data[0]!.embedding)).toBeCloseTo(1, 3);
  });

  it('a chat model is refused with a 400 that names the endpoint serving it', async () => {
    const err = await client.embeddings.create({ model: 'gpt-4o-mini', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain('/v1/chat/completions');
  });

  it('an alias no route answers is a 404 model_not_found', async () => {
    const err = await client.embeddings.create({ model: 'text-embedding-9', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
  });

  it('token arrays are refused with a 400 naming input', async () => {
    const err = await client.embeddings.create({ model: 'text-embedding-3-large', input: [[1, 2, 3]] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('input');
    expect((err as Error).message).toContain('token arrays');
  });

  // Last in this group: it closes the gateway to flush the recorder.
  it('records embeddings requests with kind embedding, and the record replays to the same decision', async () => {
    await client.embeddings.create({ model: 'text-embedding-3-large', input: 'recorded text', encoding_format: 'float' });
    await gateway.app.close();
    const records = readFileSync(recordPath, 'utf8').trim().split('\n').map(parseRecordLine);
    // Every request this gateway served was an embeddings request, failed ones included.
    expect(records.length).toBeGreaterThanOrEqual(8);
    for (const r of records) expect(r.request.kind).toBe('embedding');
    const last = records.at(-1)!;
    expect(last.outcome).toMatchObject({ model: 'text-embedding-3-large', provider: 'openai', usage: { output: 0, cached_input: 0 } });
    expect(last.outcome.cost_usd).toBeCloseTo((last.outcome.usage!.input * 0.13) / 1e6, 12);
    const compiled = compilePolicyFile(DEFAULT_POLICY);
    if (!compiled.ok) throw new Error('the default policy does not compile');
    const decider = createRuntime(compiled.compiled, ENV(sim)).decider;
    const replayed = replayRequest(last);
    expect(replayed.kind).toBe('embedding');
    expect(recordDecision(decider.decide(replayed, last.snapshot))).toEqual(last.decision);
  });
});

describe('embeddings on a provider kind without an embeddings API', () => {
  it('is refused when the policy compiles, at the model\'s type, so no request can meet it', () => {
    const policy = `version: 1
providers:
  anthropic: { kind: anthropic, base_url: ${sim.url}, api_key_env: ANTHROPIC_API_KEY }
models:
  claude-embed: { provider: anthropic, type: embedding, price: { input: 0.1, output: 0 }, context_window: 8191 }
routes:
  - { name: anthropic-only, match: { model: anthropic-only }, candidates: [claude-embed] }
`;
    const built = compilePolicySource(policy, 'test.yaml');
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.errors.map((e) => [e.code, e.line])).toEqual([['SY_POLICY_BAD_VALUE', 5]]);
    expect(built.errors[0]!.message).toContain('has no embeddings');
  });
});

