/**
 * End to end with the official `openai` SDK as the client: SDK -> gateway (real HTTP) ->
 * SIMULATED providers (real HTTP), under the bundled default policy.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { DEFAULT_POLICY, startGateway, type RunningGateway } from '../helpers/gateway.js';

let sim: SimHandle;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSim({
    apiKey: 'sim-key',
    models: { 'gpt-4.1': { status: 503 }, 'o3': { status: 500 }, 'o4-mini': { status: 400, body: { error: { message: 'o4-mini does not accept that', type: 'invalid_request_error', param: 'messages', code: null } } } },
  });
  // OpenAI and Anthropic point at the sim; Gemini, DeepSeek, Mistral and Groq keys stay unset.
  gateway = await startGateway(DEFAULT_POLICY, {
    OPENAI_BASE_URL: `${sim.url}/v1`, OPENAI_API_KEY: 'sim-key',
    ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_API_KEY: 'sim-key',
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused-by-gateway', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

describe('openai SDK through the gateway', () => {
  it('non-streaming: the answer, and headers naming model, provider, route, policy, cost, request id', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 5 })
      .withResponse();
    expect(data.choices[0]!.message.content).toMatch(/^\[simulated gpt-4o-mini\]/);
    expect(data.usage!.completion_tokens).toBe(5);
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-4o-mini');
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(response.headers.get('x-switchyard-route')).toBe('model:gpt-4o-mini');
    expect(response.headers.get('x-switchyard-policy')).toMatch(/^[0-9a-f]{64}$/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const expected = (data.usage!.prompt_tokens * 0.15 + data.usage!.completion_tokens * 0.6) / 1e6;
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(expected, 8);
  });

  it('streaming: deltas, the usage chunk when asked, and the same text as the JSON answer', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, max_tokens: 6,
      messages: [{ role: 'user', content: 'Hello there' }],
    });
    let text = '';
    let deltas = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content;
      if (piece) {
        text += piece;
        deltas++;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toMatch(/^\[simulated gpt-4o-mini\]/);
    expect(usage?.completion_tokens).toBe(deltas);
    const json = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 6, messages: [{ role: 'user', content: 'Hello there' }] });
    expect(json.choices[0]!.message.content).toBe(text);
  });

  it('streaming without include_usage sends no usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, max_tokens: 3, messages: [{ role: 'user', content: 'Hi' }] });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.choices.length > 0 && !c.usage)).toBe(true);
  });

  it('fails over to the second candidate, across providers and wire formats', async () => {
    // Route `smart`: gpt-4.1 (openai, answers 503 in this sim) -> claude-sonnet-4-5 (anthropic).
    const { data, response } = await client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'Prove it' }], max_tokens: 4 })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe('smart');
    expect(response.headers.get('x-switchyard-model')).toBe('claude-sonnet-4-5');
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic');
    // The 503 is retried once (default retries: 1), then the next candidate serves.
    expect(response.headers.get('x-switchyard-attempts')).toBe('3');
    expect(data.choices[0]!.message.content).toMatch(/^\[simulated claude-sonnet-4-5-20250929\]/);
  });

  it('fails over when streaming too, before the first byte', async () => {
    const stream = await client.chat.completions.create({ model: 'smart', stream: true, max_tokens: 4, messages: [{ role: 'user', content: 'Prove it' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toMatch(/^\[simulated claude-sonnet-4-5-20250929\]/);
  });

  it('an upstream 5xx on a single-candidate route becomes an OpenAI-shaped 502', async () => {
    const err = await client.chat.completions.create({ model: 'o3', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    const apiErr = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiErr.status).toBe(502);
    expect(apiErr.code).toBe('upstream_error');
    expect(apiErr.type).toBe('api_error');
    expect(apiErr.message).toContain('o3 (openai): HTTP 500');
  });

  it("an upstream 400 is the client's error: 400 with the provider's message, no failover", async () => {
    const err = await client.chat.completions.create({ model: 'o4-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('o4-mini does not accept that');
  });

  it('a model no route offers is a 404 model_not_found', async () => {
    const err = await client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
  });

  it('a model only an uncredentialed provider serves names the missing variable', async () => {
    const err = await client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('GEMINI_API_KEY');
  });

  it('models.list shows the aliases the policy offers', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['cheap', 'auto', 'smart', 'gpt-4o-mini', 'claude-sonnet-4-5', 'gemini-2.5-pro']));
  });
});
