import { describe, expect, it } from 'vitest';
import { openaiChat } from '../../../../../bench/sim/openai.js';
import type { StreamReply } from '../../../../../bench/sim/wire.js';
import { countTokens } from '../../../../../engine/src/tokenizer.js';
import { UpstreamError } from '../../../../../server/adapters/openai/error.js';
import { createStreamDecoder } from '../../../../../server/adapters/openai/stream.js';
import type { ChatCompletionChunk, UpstreamTarget } from '../../../../../server/adapters/types.js';
import { createSseParser } from '../../../../../server/transport/sse.js';

const target: UpstreamTarget = { baseUrl: 'https://api.openai.com/v1', apiKey: 'k', upstreamModel: 'gpt-4o-mini' };

const first = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null };
const text = { ...first, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] };
const last = { ...first, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
const usageChunk = { ...first, choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };

// As OpenAI sends it with stream_options.include_usage.
const wire = [first, text, last, usageChunk].map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';

describe('openai stream decoder', () => {
  it('turns each data event into its chunk, records usage, and ends at [DONE]', () => {
    const parser = createSseParser();
    const decoder = createStreamDecoder(target);
    const chunks: ChatCompletionChunk[] = [];
    for (const event of parser.push(wire)) {
      expect(decoder.done).toBe(false);
      chunks.push(...decoder.push(event));
    }
    expect(chunks).toEqual([first, text, last, usageChunk]);
    expect(decoder.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
    expect(decoder.done).toBe(true);
  });

  it('has no usage before a chunk carries it', () => {
    const decoder = createStreamDecoder(target);
    decoder.push({ data: JSON.stringify(text) });
    expect(decoder.usage).toBeNull();
    expect(decoder.done).toBe(false);
  });

  it('gives the usage-only chunk an empty choices array when a server sends null (vLLM)', () => {
    const decoder = createStreamDecoder(target);
    const [chunk] = decoder.push({ data: JSON.stringify({ ...usageChunk, choices: null }) });
    expect(chunk?.choices).toEqual([]);
    expect(decoder.usage).toEqual(usageChunk.usage);
  });

  it('ignores events after [DONE]', () => {
    const decoder = createStreamDecoder(target);
    decoder.push({ data: '[DONE]' });
    expect(decoder.push({ data: JSON.stringify(text) })).toEqual([]);
  });

  it('throws UpstreamError carrying the mapped error for an error event', () => {
    const decoder = createStreamDecoder(target);
    const event = { data: JSON.stringify({ error: { message: 'The server had an error', type: 'server_error', code: null } }) };
    expect(() => decoder.push(event)).toThrow(UpstreamError);
    try {
      decoder.push(event);
    } catch (error) {
      expect((error as UpstreamError).info).toEqual({ message: 'The server had an error', type: 'server_error', code: null });
    }
  });

  it.each([['not JSON', 'data: {'], ['a JSON string', '"x"']])('throws UpstreamError for an event that is %s', (_name, data) => {
    expect(() => createStreamDecoder(target).push({ data })).toThrow(UpstreamError);
  });
});

// Streams as servers send them that omit usage (or spell it their own way), and what the
// decoder's usage is at the end. Counted completions are o200k_base tokens of everything the
// model streamed: "Hello world" is 2, '{"city":"Paris"}' 5, "Let me think." 4.
describe('openai stream decoder: usage across compatible servers', () => {
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: null }], ...extra });
  const wireOf = (chunks: unknown[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
  const hello = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello' }), chunk({ content: ' world' }), chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })];
  const toolCall = [
    chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  ];
  const reported = { prompt_tokens: 30, completion_tokens: 3, total_tokens: 33 };

  it.each<[string, unknown[], { promptTokens: number } | undefined, unknown]>([
    ['no usage, no context: unknown', hello, undefined, null],
    ['no usage (Ollama, llama.cpp, vLLM): counted content', hello, { promptTokens: 12 }, { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14, switchyard_usage_source: 'counted' }],
    ['no usage: counted tool call arguments', toolCall, { promptTokens: 40 }, { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45, switchyard_usage_source: 'counted' }],
    [
      'no usage: counted reasoning text in both spellings',
      [chunk({ reasoning_content: 'Let me ' }), chunk({ reasoning: 'think.' }), chunk({ content: 'Hello world' })],
      { promptTokens: 1 },
      { prompt_tokens: 1, completion_tokens: 6, total_tokens: 7, switchyard_usage_source: 'counted' },
    ],
    ['no usage, nothing streamed: zero completion tokens', [chunk({ role: 'assistant', content: '' })], { promptTokens: 5 }, { prompt_tokens: 5, completion_tokens: 0, total_tokens: 5, switchyard_usage_source: 'counted' }],
    ['a usage-only chunk (OpenAI) wins over counting', [...hello, { ...chunk({}), choices: [], usage: reported }], { promptTokens: 12 }, reported],
    ['usage on the last content chunk (Mistral)', [...hello.slice(0, 3), chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: reported })], { promptTokens: 12 }, reported],
    ['usage under x_groq (Groq)', [...hello, chunk({}, { choices: [], x_groq: { id: 'req_1', usage: reported } })], { promptTokens: 12 }, reported],
    [
      'DeepSeek cache hits become cached_tokens',
      [...hello, { ...chunk({}), choices: [], usage: { ...reported, prompt_cache_hit_tokens: 24, prompt_cache_miss_tokens: 6 } }],
      { promptTokens: 12 },
      { ...reported, prompt_cache_hit_tokens: 24, prompt_cache_miss_tokens: 6, prompt_tokens_details: { cached_tokens: 24 } },
    ],
  ])('%s', (_name, chunks, context, expected) => {
    const decoder = createStreamDecoder(target, context);
    for (const event of createSseParser().push(wireOf(chunks))) decoder.push(event);
    expect(decoder.done).toBe(true);
    expect(decoder.usage).toEqual(expected);
  });

  it('counts what streamed so far when the stream is cut, and recounts as more arrives', () => {
    const decoder = createStreamDecoder(target, { promptTokens: 3 });
    decoder.push({ data: JSON.stringify(chunk({ content: 'Hello' })) });
    expect(decoder.done).toBe(false);
    expect(decoder.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, switchyard_usage_source: 'counted' });
    decoder.push({ data: JSON.stringify(chunk({ content: ' world' })) });
    expect(decoder.usage?.completion_tokens).toBe(2);
  });
});

// The simulated OpenAI-compatible server's own streams, decoded: a server scripted to omit usage
// (as Ollama or llama.cpp do) and one that streams a tool call.
describe('openai stream decoder on the simulated compatible servers', () => {
  const ctx = { id: 't1', nowS: 1_800_000_000, replyTokens: 8 };
  const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

  function decode(body: Record<string, unknown>, omitStreamUsage: boolean): { chunks: ChatCompletionChunk[]; usage: unknown; wire: string } {
    const reply = openaiChat({ model: 'llama3', stream: true, stream_options: { include_usage: true }, ...body }, ctx, { omitStreamUsage }) as StreamReply;
    const wire = reply.head + reply.content.join('') + reply.tail;
    const decoder = createStreamDecoder(target, { promptTokens: 20 });
    const chunks = createSseParser().push(wire).flatMap((event) => decoder.push(event));
    expect(decoder.done).toBe(true);
    return { chunks, usage: decoder.usage, wire };
  }

  it('counts a text stream that carries no usage', () => {
    const { chunks, usage, wire } = decode({ messages: [{ role: 'user', content: 'hi' }] }, true);
    expect(wire).not.toContain('"usage"');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toMatch(/^\[simulated llama3\]( \w+){8}$/);
    const completion = countTokens(text, 'o200k_base');
    expect(completion).toBeGreaterThan(8);
    expect(usage).toEqual({ prompt_tokens: 20, completion_tokens: completion, total_tokens: 20 + completion, switchyard_usage_source: 'counted' });
  });

  it('counts a streamed tool call\'s arguments when no usage comes', () => {
    const { chunks, usage } = decode({ messages: [{ role: 'user', content: 'weather?' }], tools: [weather], tool_choice: 'required' }, true);
    const calls = chunks.flatMap((c) => (c.choices[0]?.delta.tool_calls as Array<{ id?: string; function?: { name?: string; arguments?: string } }> | undefined) ?? []);
    expect(calls[0]).toMatchObject({ id: 'call_simt1', function: { name: 'get_weather', arguments: '' } });
    expect(calls.map((c) => c.function?.arguments ?? '').join('')).toBe('{"city":"simulated"}');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(usage).toEqual({ prompt_tokens: 20, completion_tokens: 6, total_tokens: 26, switchyard_usage_source: 'counted' });
  });

  it('keeps the reported usage of a server that sends it', () => {
    const { usage } = decode({ messages: [{ role: 'user', content: 'hi' }] }, false);
    expect(usage).toMatchObject({ completion_tokens: 8, prompt_tokens: 4 });
    expect((usage as Record<string, unknown>).switchyard_usage_source).toBeUndefined();
  });
});
