// The SIMULATED Anthropic provider against the official `@anthropic-ai/sdk` as its client, over
// real HTTP: if the SDK takes the sim's answers, events and errors, so would it take Anthropic's
// shapes the gateway's adapter reads.
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';

let sim: SimHandle;
let client: Anthropic;

beforeAll(async () => {
  sim = await startSim({ apiKey: 'sk-ant-sim' });
  client = new Anthropic({ baseURL: sim.url, apiKey: 'sk-ant-sim', maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

const MODEL = 'claude-haiku-4-5';
const weather: Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer' } },
    required: ['city'],
  },
};
const clock: Tool = { name: 'get_time', input_schema: { type: 'object', properties: {} } };
const WEATHER_INPUT = { city: 'simulated', unit: 'celsius', days: 1 };
// A real 1x1 PNG, so the sim's check of the bytes against the media type passes.
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

describe('messages.create', () => {
  it('answers a text message, labelled simulated, with usage', async () => {
    const { data, response } = await client.messages
      .create({ model: MODEL, max_tokens: 5, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(response.headers.get('x-simulated')).toBe('true');
    expect(data.id).toMatch(/^msg_sim/);
    expect(data.content).toHaveLength(1);
    expect(data.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^\[simulated claude-haiku-4-5\]( \w+){5}$/) });
    expect(data.stop_reason).toBe('max_tokens');
    expect(data.usage).toMatchObject({ output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  it('takes image blocks, base64 and url', async () => {
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 3,
      messages: [{
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          { type: 'text', text: 'What is in these?' },
        ],
      }],
    });
    // Two images at the sim's flat 1,600 tokens each, plus the text message.
    expect(message.usage.input_tokens).toBeGreaterThan(3200);
    expect(message.stop_reason).toBe('max_tokens');
  });

  it('reports the prompt through the last cache breakpoint as cache_read_input_tokens', async () => {
    const rules = 'Rule. '.repeat(400);
    const plain = await client.messages.create({ model: MODEL, max_tokens: 2, system: rules, messages: [{ role: 'user', content: 'Hi' }] });
    const cached = await client.messages.create({
      model: MODEL,
      max_tokens: 2,
      system: [{ type: 'text', text: rules, cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(cached.usage.cache_read_input_tokens).toBeGreaterThan(500);
    expect(cached.usage.input_tokens + (cached.usage.cache_read_input_tokens ?? 0)).toBe(plain.usage.input_tokens);
    const everything = await client.messages.create({ model: MODEL, max_tokens: 2, cache_control: { type: 'ephemeral' }, system: rules, messages: [{ role: 'user', content: 'Hi' }] });
    expect(everything.usage).toMatchObject({ input_tokens: 0, cache_read_input_tokens: plain.usage.input_tokens });
  });
});

describe('streaming', () => {
  it('streams the documented events, whose text is the JSON answer\'s', async () => {
    const params = { model: MODEL, max_tokens: 6, messages: [{ role: 'user' as const, content: 'Stream please' }] };
    const stream = await client.messages.create({ ...params, stream: true });
    const types: string[] = [];
    let text = '';
    let outputTokens = 0;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') outputTokens = event.usage.output_tokens;
    }
    expect(types).toEqual(['message_start', 'content_block_start', ...Array(6).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    expect(outputTokens).toBe(6);
    const json = await client.messages.create(params);
    expect(json.content[0]).toMatchObject({ type: 'text', text });
  });

  it('builds the final message with the messages.stream() helper', async () => {
    const stream = client.messages.stream({ model: MODEL, max_tokens: 4, messages: [{ role: 'user', content: 'Helper' }] });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text }]);
    expect(final.stop_reason).toBe('max_tokens');
    expect(final.usage.output_tokens).toBe(4);
    expect(await stream.finalText()).toBe(text);
  });
});

describe('tool use', () => {
  it('calls the tool tool_choice forces, then answers its result', async () => {
    const question: MessageParam = { role: 'user', content: 'Weather in Paris?' };
    const call = await client.messages.create({ model: MODEL, max_tokens: 100, tools: [clock, weather], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [question] });
    expect(call.stop_reason).toBe('tool_use');
    expect(call.content).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^toolu_sim/), name: 'get_weather', input: WEATHER_INPUT, caller: { type: 'direct' } }]);
    const toolUse = call.content[0] as Anthropic.ToolUseBlock;

    const answer = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      tools: [clock, weather],
      messages: [
        question,
        { role: 'assistant', content: call.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '18C and sunny' }, { type: 'text', text: 'Summarize.' }] },
      ],
    });
    expect(answer.stop_reason).toBe('end_turn');
    expect(answer.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^\[simulated /) });
  });

  it('streams a tool call as input_json_delta fragments that the helper assembles into the input', async () => {
    const stream = client.messages.stream({ model: MODEL, max_tokens: 100, tools: [weather], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Weather?' }] });
    let fragments = 0;
    stream.on('inputJson', () => {
      fragments++;
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: WEATHER_INPUT })]);
    expect(fragments).toBeGreaterThan(2);
    expect(final.usage.output_tokens).toBe(Math.ceil(JSON.stringify(WEATHER_INPUT).length / 4));
  });

  it.each<[string, string, Partial<Anthropic.MessageCreateParamsNonStreaming>, string[]]>([
    ['"use the tool" asks for the tool the message names, after a text block', 'Please use the tool get_time.', {}, ['text', 'tool_use:get_time']],
    ['"use the tool" without a name asks for the first tool', 'Use the tool, please.', {}, ['text', 'tool_use:get_weather']],
    ['"use every tool" calls each in one turn', 'Use every tool.', {}, ['text', 'tool_use:get_weather', 'tool_use:get_time']],
    ['unless parallel tool use is off', 'Use every tool.', { tool_choice: { type: 'auto', disable_parallel_tool_use: true } }, ['text', 'tool_use:get_weather']],
    ['tool_choice none answers in text', 'Use the tool.', { tool_choice: { type: 'none' } }, ['text']],
    ['a plain question answers in text', 'How are you?', {}, ['text']],
  ])('%s', async (_name, prompt, extra, expected) => {
    const params = { model: MODEL, max_tokens: 50, tools: [weather, clock], messages: [{ role: 'user' as const, content: prompt }], ...extra };
    const message = await client.messages.create(params);
    expect(message.content.map((b) => (b.type === 'tool_use' ? `tool_use:${b.name}` : b.type))).toEqual(expected);
    expect(message.stop_reason).toBe(expected.length > 1 ? 'tool_use' : 'end_turn');
    // The stream says the same, block for block (ids are per response).
    const streamed = await client.messages.stream(params).finalMessage();
    const withoutIds = (blocks: Anthropic.ContentBlock[]) => blocks.map((b) => (b.type === 'tool_use' ? { ...b, id: '' } : b));
    expect(withoutIds(streamed.content)).toEqual(withoutIds(message.content));
  });
});

describe('errors as the SDK classes', () => {
  it.each<[string, MessageParam[], Tool[] | undefined, string]>([
    [
      'a tool_result with no tool_use before it',
      [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }],
      [weather],
      'messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_x. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    ],
    [
      'a tool_use not answered in the next turn',
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'text', text: 'Never mind.' }, { type: 'tool_result', tool_use_id: 'toolu_a', content: 'r' }] },
      ],
      [weather],
      'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    ],
    [
      'an image whose bytes are not its media type',
      [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG_1X1 } }] }],
      undefined,
      'messages.0.content.0.image.source.base64: The image was specified using the image/jpeg media type, but the image appears to be a image/png image',
    ],
    ['an empty text block', [{ role: 'user', content: [{ type: 'text', text: '' }] }], undefined, 'messages: text content blocks must be non-empty'],
    ['a tool name Anthropic refuses', [{ role: 'user', content: 'x' }], [{ ...weather, name: 'weather.get' }], "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"],
  ])('400 invalid_request_error: %s', async (_name, messages, tools, message) => {
    const error = await rejectionOf(client.messages.create({ model: MODEL, max_tokens: 10, messages, ...(tools ? { tools } : {}) }));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Anthropic.APIError).type).toBe('invalid_request_error');
    expect((error as Anthropic.APIError).apiMessage).toBe(message);
    expect((error as Anthropic.APIError).requestID).toMatch(/^req_sim/);
  });

  it('529 as OverloadedError, 401 as AuthenticationError', async () => {
    const overloaded = await rejectionOf(client.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'sim:overloaded' }] }));
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect((overloaded as Anthropic.APIError).status).toBe(529);
    const wrongKey = new Anthropic({ baseURL: sim.url, apiKey: 'sk-ant-wrong', maxRetries: 0 });
    expect(await rejectionOf(wrongKey.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }))).toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('an error event mid-stream as APIError, after the text that came first', async () => {
    const stream = client.messages.stream({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'sim:overloaded' }] });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const error = await rejectionOf(stream.finalMessage());
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Anthropic.APIError).type).toBe('overloaded_error');
    expect(text).toMatch(/^\[simulated claude-haiku-4-5\] \w+ \w+$/);
  });
});
