/**
 * End to end with the official `@anthropic-ai/sdk` as the client of POST /v1/messages: SDK ->
 * gateway (real HTTP) -> SIMULATED providers of all three kinds (real HTTP), under the bundled
 * default policy. The same Anthropic-shaped request is served by an OpenAI, an Anthropic and a
 * Gemini model, and the answers come back as Messages API messages and events.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { DEFAULT_POLICY, startGateway, type RunningGateway } from '../helpers/gateway.js';

let sim: SimHandle;
let gateway: RunningGateway;
let client: Anthropic;

/** A model of each provider kind, and the model name the sim labels its answers with. */
const KINDS = [
  { kind: 'openai', model: 'gpt-4o-mini', upstream: 'gpt-4o-mini' },
  { kind: 'anthropic', model: 'claude-haiku-4-5', upstream: 'claude-haiku-4-5-20251001' },
  { kind: 'gemini', model: 'gemini-2.5-flash', upstream: 'gemini-2.5-flash' },
] as const;

const WEATHER: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The current weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
/** A 1x1 PNG. */
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const ASK_WEATHER: Anthropic.MessageParam = { role: 'user', content: 'What is the weather in Oslo? Please use the tool get_weather.' };

beforeAll(async () => {
  sim = await startSim({
    apiKey: 'sim-key',
    // Route `smart`: gpt-4.1 answers 503 here, so claude-sonnet-4-5 serves. gpt-4.1-mini cuts its streams.
    models: { 'gpt-4.1': { status: 503 }, 'gpt-4.1-mini': { cutAfterChunks: 2 } },
  });
  gateway = await startGateway(DEFAULT_POLICY, {
    OPENAI_BASE_URL: `${sim.url}/v1`, OPENAI_API_KEY: 'sim-key',
    ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_API_KEY: 'sim-key',
    GOOGLE_GEMINI_BASE_URL: sim.url, GEMINI_API_KEY: 'sim-key',
  });
  client = new Anthropic({ baseURL: gateway.url, apiKey: 'unused-by-gateway', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

describe.each(KINDS)('Anthropic SDK through the gateway to a $kind model', ({ kind, model, upstream }) => {
  it('messages.create: a message with a text block, stop_reason, usage and the x-switchyard headers', async () => {
    const { data, response } = await client.messages
      .create({ model, max_tokens: 5, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(data.type).toBe('message');
    expect(data.role).toBe('assistant');
    expect(data.id).toMatch(/^msg_/);
    expect(data.content).toHaveLength(1);
    const block = data.content[0]!;
    expect(block.type === 'text' && block.text).toMatch(new RegExp(`^\\[simulated ${upstream}\\]`));
    expect(data.stop_reason).toBe('max_tokens');
    expect(data.usage.output_tokens).toBe(5);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-provider')).toBe(kind);
    expect(response.headers.get('x-switchyard-model')).toBe(model);
    expect(response.headers.get('x-switchyard-route')).toBe(`model:${model}`);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0);
    expect(response.headers.get('request-id')).toBe(response.headers.get('x-request-id'));
  });

  it('streams events in the documented order, and the stream helper gives the same text as the JSON answer', async () => {
    const request = { model, max_tokens: 6, messages: [{ role: 'user' as const, content: 'Tell me about switches' }] };
    const events: string[] = [];
    for await (const event of await client.messages.create({ ...request, stream: true })) events.push(event.type);
    const deltas = events.filter((t) => t === 'content_block_delta').length;
    expect(events).toEqual(['message_start', 'content_block_start', ...new Array<string>(deltas).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);

    const stream = client.messages.stream(request);
    let text = '';
    stream.on('text', (piece) => {
      text += piece;
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text }]);
    expect(final.stop_reason).toBe('max_tokens');
    expect(final.usage.output_tokens).toBe(6);
    const json = await client.messages.create(request);
    expect(json.content).toEqual([{ type: 'text', text }]);
  });

  it('an image block reaches the model', async () => {
    const { data, response } = await client.messages.create({
      model, max_tokens: 4,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL_PNG } }] }],
    }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe(kind);
    const block = data.content[0]!;
    expect(block.type === 'text' && block.text).toMatch(new RegExp(`^\\[simulated ${upstream}\\]`));
  });

  it('tool use round trip: a tool_use block with its input, then the answer to the tool_result', async () => {
    const asked = await client.messages.create({ model, max_tokens: 50, tools: [WEATHER], messages: [ASK_WEATHER] });
    expect(asked.stop_reason).toBe('tool_use');
    const call = asked.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(call).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: expect.any(String) } });
    expect(call!.id).toBeTruthy();

    const answered = await client.messages.create({
      model, max_tokens: 5, tools: [WEATHER],
      messages: [
        ASK_WEATHER,
        { role: 'assistant', content: asked.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call!.id, content: '12 degrees and cloudy' }] },
      ],
    });
    expect(answered.stop_reason).not.toBe('tool_use');
    const block = answered.content.find((b) => b.type === 'text');
    expect(block?.type === 'text' && block.text).toMatch(new RegExp(`^\\[simulated ${upstream}\\]`));
  });

  it('tool use streamed: input_json_delta pieces that finalMessage() parses into the input', async () => {
    const stream = client.messages.stream({ model, max_tokens: 50, tools: [WEATHER], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [ASK_WEATHER] });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.at(-1)).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: expect.any(String) } });
  });
});

describe('Anthropic SDK through the gateway: routing, failover and errors', () => {
  it('accepts the key as Authorization: Bearer too (neither is checked yet)', async () => {
    const bearer = new Anthropic({ baseURL: gateway.url, apiKey: null, authToken: 'unused-by-gateway', maxRetries: 0 });
    const message = await bearer.messages.create({ model: 'cheap', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content[0]?.type).toBe('text');
  });

  it('fails over before the first byte of a stream: a provider answering 503 is skipped', async () => {
    const stream = client.messages.stream({ model: 'smart', max_tokens: 4, messages: [{ role: 'user', content: 'Prove it' }] });
    const { response } = await stream.withResponse();
    const final = await stream.finalMessage();
    expect(response.headers.get('x-switchyard-route')).toBe('smart');
    expect(response.headers.get('x-switchyard-model')).toBe('claude-sonnet-4-5');
    expect(Number(response.headers.get('x-switchyard-attempts'))).toBeGreaterThanOrEqual(2);
    const block = final.content[0];
    expect(block?.type === 'text' && block.text).toMatch(/^\[simulated claude-sonnet-4-5-20250929\]/);
  });

  it('a stream the provider cuts after the first byte ends with an error event the SDK throws', async () => {
    const stream = await client.messages.create({ model: 'gpt-4.1-mini', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'Hello' }] });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen[0]).toBe('message_start');
    expect(seen).not.toContain('message_stop');
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('api_error');
    expect((err as Error).message).toContain('the answer above is incomplete');
  });

  it('an alias no route answers is the SDK\'s NotFoundError, in Anthropic\'s error shape', async () => {
    const err = await client.messages.create({ model: 'claude-9', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    const apiErr = err as InstanceType<typeof Anthropic.NotFoundError>;
    expect(apiErr.status).toBe(404);
    expect(apiErr.type).toBe('not_found_error');
    expect(apiErr.error).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining('claude-9') } });
    expect(apiErr.requestID).toBeTruthy();
  });

  it('an invalid request is the SDK\'s BadRequestError naming the field', async () => {
    const err = await client.messages.create({ model: 'cheap', max_tokens: 5, messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).type).toBe('invalid_request_error');
    expect((err as Error).message).toContain('messages');
  });

  it('a field the gateway cannot carry is refused, not dropped', async () => {
    const err = await client.messages.create({ model: 'cheap', max_tokens: 5, top_k: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain('top_k');
  });
});
