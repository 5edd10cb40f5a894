/**
 * End to end through the Gemini adapter: the official `openai` SDK as the client -> gateway
 * (real HTTP) -> SIMULATED Gemini (real HTTP, validating requests as Gemini does). Tools, images,
 * JSON mode, logprobs and streaming, each a round trip the SDK must accept.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const POLICY = `version: 1
providers:
  ge: { kind: gemini, base_url: "http://127.0.0.1:9", base_url_env: SIM_URL, api_key_env: SIM_KEY }
  oa: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: SIM_OPENAI_URL, api_key_env: SIM_KEY }
models:
  mini: { provider: oa, upstream: gpt-4o-mini, price: { input: 0.15, output: 0.6 }, context_window: 128000, capabilities: [tools, vision, json_mode] }
  flash: { provider: ge, upstream: gemini-2.5-flash, price: { input: 0.3, output: 2.5 }, context_window: 1000000, capabilities: [tools, vision, json_mode, logprobs, multiple_choices] }
  g3: { provider: ge, upstream: gemini-3-pro-preview, price: { input: 2, output: 12 }, context_window: 1000000, capabilities: [tools, vision, json_mode] }
routes:
  - name: gemini
    match: { model: gemini }
    candidates: [flash]
`;

let sim: SimHandle;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSim({ apiKey: 'sim-key' });
  gateway = await startGateway(POLICY, { SIM_URL: sim.url, SIM_OPENAI_URL: `${sim.url}/v1`, SIM_KEY: 'sim-key' });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused-by-gateway', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'], additionalProperties: false },
  },
};

// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('openai SDK -> gateway -> Gemini adapter -> simulated Gemini', () => {
  it('a text answer with usage, served by the gemini provider', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'flash', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }], max_tokens: 5, user: 'end-user-1' })
      .withResponse();
    expect(data.choices[0]?.message.content).toMatch(/^\[simulated gemini-2\.5-flash\]( \w+){5}$/);
    expect(data.choices[0]?.finish_reason).toBe('length');
    expect(data.usage?.completion_tokens).toBe(5);
    expect(response.headers.get('x-switchyard-provider')).toBe('ge');
  });

  it('streams text deltas and the usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'flash', stream: true, stream_options: { include_usage: true }, max_tokens: 6, messages: [{ role: 'user', content: 'Hello there' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toMatch(/^\[simulated gemini-2\.5-flash\]( \w+){6}$/);
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(6);
  });

  it('a tool round trip: the call, then the answer to its result', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Please use the tool get_weather for Paris.' }];
    const first = await client.chat.completions.create({ model: 'flash', messages, tools: [weather] });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"simulated","unit":"celsius"}' });
    // The signature Gemini put on the call travels to the client and, in the echoed message, back.
    expect((call as unknown as { extra_content?: unknown }).extra_content).toEqual({ google: { thought_signature: expect.any(String) } });

    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' });
    const second = await client.chat.completions.create({ model: 'flash', messages, tools: [weather] });
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect(second.choices[0]?.message.content).toMatch(/^\[simulated gemini-2\.5-flash\]/);
  });

  it('tool_choice required forces a call; the SDK\'s stream helper assembles the streamed call', async () => {
    const stream = client.chat.completions.stream({ model: 'flash', messages: [{ role: 'user', content: 'Hello' }], tools: [weather], tool_choice: 'required' });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'simulated', unit: 'celsius' });
  });

  it('Gemini 3: the echoed signature is accepted, and a tool call another model made gets the placeholder', async () => {
    const ask: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'use the tool' };
    const first = await client.chat.completions.create({ model: 'g3', messages: [ask], tools: [weather] });
    const message = first.choices[0]!.message;
    const id = message.tool_calls![0]!.id;
    const echoed = await client.chat.completions.create({ model: 'g3', tools: [weather], messages: [ask, message, { role: 'tool', tool_call_id: id, content: 'sunny' }] });
    expect(echoed.choices[0]?.message.content).toMatch(/^\[simulated gemini-3-pro-preview\]/);

    // The first turn by an OpenAI model, the rest of the conversation on Gemini 3.
    const byOpenai = await client.chat.completions.create({ model: 'mini', messages: [ask], tools: [weather] });
    const foreign = byOpenai.choices[0]!.message;
    expect(foreign.tool_calls?.[0]).toMatchObject({ id: expect.stringMatching(/^call_sim/), function: { name: 'get_weather', arguments: '{"city":"simulated","unit":"celsius"}' } });
    const placeholder = await client.chat.completions.create({ model: 'g3', tools: [weather], messages: [ask, foreign, { role: 'tool', tool_call_id: foreign.tool_calls![0]!.id, content: 'rain' }] });
    expect(placeholder.choices[0]?.message.content).toMatch(/^\[simulated gemini-3-pro-preview\]/);
  });

  it('images: a data: URL goes inline and an https URL by reference', async () => {
    const answer = await client.chat.completions.create({
      model: 'flash',
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'What are these?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'image_url', image_url: { url: 'https://example.com/photos/cat.jpg' } },
        ],
      }],
    });
    expect(answer.choices[0]?.message.content).toMatch(/^\[simulated gemini-2\.5-flash\]/);
  });

  it('an image URL whose type cannot be told is refused as unsupported, naming the part', async () => {
    const err = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/render?id=7' } }] }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('messages[0].content[0].image_url.url');
  });

  it('JSON mode: json_schema answers a value of the schema, json_object a JSON object, streamed alike', async () => {
    const schemaFormat: OpenAI.ResponseFormatJSONSchema = {
      type: 'json_schema',
      json_schema: { name: 'rating', strict: true, schema: { type: 'object', properties: { label: { type: 'string', enum: ['good', 'bad'] }, score: { type: 'integer' } }, required: ['label', 'score'], additionalProperties: false } },
    };
    const rated = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'Rate this' }], response_format: schemaFormat });
    expect(JSON.parse(rated.choices[0]?.message.content ?? '')).toEqual({ label: 'good', score: 1 });

    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'flash', stream: true, messages: [{ role: 'user', content: 'Rate this' }], response_format: schemaFormat })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
    }
    expect(streamed).toBe(rated.choices[0]?.message.content);

    const free = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'Anything' }], response_format: { type: 'json_object' } });
    expect(JSON.parse(free.choices[0]?.message.content ?? '')).toEqual({ reply: expect.stringMatching(/^\[simulated/) });
  });

  it('logprobs in OpenAI\'s shape, and n choices', async () => {
    const answer = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'x' }], max_tokens: 3, logprobs: true, top_logprobs: 2, n: 2 });
    expect(answer.choices.map((c) => c.index)).toEqual([0, 1]);
    const logprobs = answer.choices[0]?.logprobs?.content ?? [];
    expect(logprobs.map((t) => t.token).join('')).toBe(answer.choices[0]?.message.content);
    expect(logprobs.map((t) => t.top_logprobs.length)).toEqual([2, 2, 2]);
    expect(logprobs[0]?.bytes).toEqual([...Buffer.from(logprobs[0]!.token, 'utf8')]);
  });

  it('a schema keyword Gemini would not enforce is refused before anything is sent', async () => {
    const before = sim.requests;
    const err = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{3}$' } } } } }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('tools[0].function.parameters.properties.code.pattern');
    expect(sim.requests).toBe(before);
  });
});
