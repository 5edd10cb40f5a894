/**
 * End to end through the Anthropic adapter: the official `openai` SDK as the client, the
 * gateway (real HTTP) under the bundled default policy, and the SIMULATED Anthropic provider
 * (real HTTP) serving `claude-haiku-4-5`. The sim checks every request as the real API does,
 * so a request the adapter mistranslates comes back as an error here.
 */
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { DEFAULT_POLICY, startGateway, type RunningGateway } from '../helpers/gateway.js';

let sim: SimHandle;
let pacedSim: SimHandle;
let gateway: RunningGateway;
let pacedGateway: RunningGateway;
let client: OpenAI;
let pacedClient: OpenAI;

async function gatewayTo(upstream: SimHandle): Promise<RunningGateway> {
  // Only Anthropic has a key: every answer below comes through the Anthropic adapter.
  return startGateway(DEFAULT_POLICY, { ANTHROPIC_BASE_URL: upstream.url, ANTHROPIC_API_KEY: 'sim-key' });
}

beforeAll(async () => {
  sim = await startSim({ apiKey: 'sim-key' });
  // Frames written apart, so the gateway sends the first chunks before a later error event.
  pacedSim = await startSim({ apiKey: 'sim-key', chunkDelayMs: 5 });
  gateway = await gatewayTo(sim);
  pacedGateway = await gatewayTo(pacedSim);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused-by-gateway', maxRetries: 0 });
  pacedClient = new OpenAI({ baseURL: `${pacedGateway.url}/v1`, apiKey: 'unused-by-gateway', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await pacedGateway?.close();
  await sim?.close();
  await pacedSim?.close();
});

const MODEL = 'claude-haiku-4-5';
// The policy sends it as its dated upstream name, which the sim's replies carry.
const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer' } },
      required: ['city'],
    },
  },
};
const clock: ChatCompletionTool = { type: 'function', function: { name: 'get_time' } };
// What the sim's model puts in a get_weather call (see bench/sim/anthropic.ts).
const WEATHER_INPUT = { city: 'simulated', unit: 'celsius', days: 1 };
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const question: ChatCompletionMessageParam = { role: 'user', content: 'Weather in Paris?' };

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

describe('tool calls through the Anthropic adapter', () => {
  it('non-streaming: the forced call, arguments intact, finish_reason tool_calls', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [question], tools: [weather, clock], tool_choice: { type: 'function', function: { name: 'get_weather' } } })
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic');
    expect(response.headers.get('x-switchyard-model')).toBe(MODEL);
    const choice = data.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^toolu_sim/), type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(WEATHER_INPUT) } },
    ]);
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('streaming: id and name first, argument pieces after, the same call as the JSON answer', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL, messages: [question], tools: [weather], tool_choice: 'required', stream: true, stream_options: { include_usage: true },
    });
    const pieces: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      pieces.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces[0]).toEqual({ index: 0, id: expect.stringMatching(/^toolu_sim/), type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.slice(1).every((p) => p.index === 0 && p.id === undefined && p.function?.name === undefined)).toBe(true);
    expect(JSON.parse(pieces.map((p) => p.function?.arguments ?? '').join(''))).toEqual(WEATHER_INPUT);
    expect(finish).toBe('tool_calls');
    expect(usage?.completion_tokens).toBe(pieces.length - 1);
  });

  it('the SDK\'s stream helper assembles parallel calls in order', async () => {
    const final = await client.chat.completions
      .stream({ model: MODEL, messages: [{ role: 'user', content: 'Use every tool.' }], tools: [weather, clock] })
      .finalChatCompletion();
    const message = final.choices[0]!.message;
    expect(message.content).toMatch(/^\[simulated claude-haiku-4-5-20251001\]/);
    expect(message.tool_calls?.map((c) => (c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : null))).toEqual([
      ['get_weather', WEATHER_INPUT],
      ['get_time', {}],
    ]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('parallel_tool_calls: false asks for one call', async () => {
    const data = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Use every tool.' }], tools: [weather, clock], parallel_tool_calls: false });
    expect(data.choices[0]!.message.tool_calls?.map((c) => (c.type === 'function' ? c.function.name : c.type))).toEqual(['get_weather']);
  });

  it('round trip: the call and its tool result sent back get a text answer', async () => {
    const first = await client.chat.completions.create({ model: MODEL, messages: [question], tools: [weather], tool_choice: 'required' });
    const assistant = first.choices[0]!.message;
    const callId = assistant.tool_calls![0]!.id;
    const second = await client.chat.completions.create({
      model: MODEL,
      tools: [weather],
      messages: [
        { role: 'system', content: 'You report weather.' },
        question,
        assistant,
        { role: 'tool', tool_call_id: callId, content: '18C and sunny' },
        { role: 'user', content: 'Summarize.' },
      ],
    });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toMatch(/^\[simulated claude-haiku-4-5-20251001\]/);
    expect(second.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it('a tool result whose call the history lacks is the provider\'s 400, passed on', async () => {
    const err = await rejectionOf(client.chat.completions.create({
      model: MODEL, tools: [weather], messages: [question, { role: 'tool', tool_call_id: 'call_missing', content: 'r' }],
    }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('unexpected `tool_use_id` found in `tool_result` blocks: call_missing');
  });
});

describe('content, usage and errors through the Anthropic adapter', () => {
  it('an image data: URL reaches the provider as a base64 image it accepts', async () => {
    const data = await client.chat.completions.create({
      model: MODEL,
      max_tokens: 3,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1X1}` } }] }],
    });
    expect(data.choices[0]!.message.content).toMatch(/^\[simulated claude-haiku-4-5-20251001\]/);
    // The sim counts an image as 1,600 prompt tokens.
    expect(data.usage!.prompt_tokens).toBeGreaterThan(1600);
  });

  it('an image with detail "low" is refused naming the field, nothing is sent', async () => {
    const before = sim.requests;
    const err = await rejectionOf(client.chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] }],
    }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('unsupported_parameter');
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('messages[0].content[0].image_url.detail');
    expect(sim.requests).toBe(before);
  });

  it('a cache breakpoint on a system part comes back as cached prompt tokens', async () => {
    const rules = 'Rule. '.repeat(400);
    const data = await client.chat.completions.create({
      model: MODEL,
      max_tokens: 2,
      messages: [
        { role: 'system', content: [{ type: 'text', text: rules, cache_control: { type: 'ephemeral' } } as OpenAI.ChatCompletionContentPartText] },
        { role: 'user', content: 'Hi' },
      ],
    });
    const usage = data.usage!;
    expect(usage.prompt_tokens_details?.cached_tokens).toBeGreaterThan(500);
    expect(usage.prompt_tokens).toBeGreaterThan(usage.prompt_tokens_details!.cached_tokens!);
  });

  it('an error event after the first chunks ends the client\'s stream with an error', async () => {
    const stream = await pacedClient.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'sim:overloaded' }] });
    let text = '';
    const err = await rejectionOf((async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })());
    expect(text).toMatch(/^\[simulated claude-haiku-4-5-20251001\] \w+ \w+$/);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('[simulated] Overloaded; the answer above is incomplete');
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('stream_interrupted');
  });

  it('an error event before anything reached the client is a failed attempt: a 502, no stream', async () => {
    const err = await rejectionOf(client.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'sim:overloaded' }] }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });
});
