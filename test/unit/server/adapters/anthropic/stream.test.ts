import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStreamDecoder } from '../../../../../server/adapters/anthropic/stream.js';
import { UpstreamError } from '../../../../../server/adapters/openai/error.js';
import type { ChatCompletionChunk, StreamDecoder, UpstreamTarget } from '../../../../../server/adapters/types.js';
import { createSseParser } from '../../../../../server/transport/sse.js';

const target: UpstreamTarget = { baseUrl: 'https://api.anthropic.com', apiKey: 'k', upstreamModel: 'claude-haiku-4-5' };
const NOW_S = 1_700_000_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_S * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

function sse(events: Array<Record<string, unknown>>): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

function decodeAll(decoder: StreamDecoder, wire: string): ChatCompletionChunk[] {
  const parser = createSseParser();
  return parser.push(wire).flatMap((event) => decoder.push(event));
}

// The event sequence of the streaming guide's basic example.
const messageStart = {
  type: 'message_start',
  message: {
    id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
    type: 'message',
    role: 'assistant',
    content: [],
    model: 'claude-haiku-4-5-20251001',
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 },
  },
};
const basicStream = sse([
  messageStart,
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'ping' },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } },
  { type: 'message_stop' },
]);

const head = { id: 'chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', object: 'chat.completion.chunk', created: NOW_S, model: 'claude-haiku-4-5-20251001' } as const;
const expectedUsage = { prompt_tokens: 125, completion_tokens: 15, total_tokens: 140, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 0 } };

describe('anthropic stream decoder', () => {
  it('maps a whole stream to canonical chunks with usage and the end', () => {
    const decoder = createStreamDecoder(target);
    expect(decodeAll(decoder, basicStream)).toEqual([
      { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: '!' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { ...head, choices: [], usage: expectedUsage },
    ]);
    expect(decoder.usage).toEqual(expectedUsage);
    expect(decoder.done).toBe(true);
  });

  it('reports input usage from message_start before the stream ends', () => {
    const decoder = createStreamDecoder(target);
    decodeAll(decoder, sse([messageStart]));
    expect(decoder.usage).toEqual({ prompt_tokens: 125, completion_tokens: 1, total_tokens: 126, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 0 } });
    expect(decoder.done).toBe(false);
  });

  it('takes cumulative input counts from message_delta when it reports them', () => {
    const decoder = createStreamDecoder(target);
    decodeAll(
      decoder,
      sse([
        messageStart,
        { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { input_tokens: 30, output_tokens: 9, cache_read_input_tokens: null } },
      ]),
    );
    expect(decoder.usage).toEqual({ prompt_tokens: 130, completion_tokens: 9, total_tokens: 139, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 0 } });
  });

  it.each<[string, Record<string, unknown>]>([
    ['ping', { type: 'ping' }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['a tool input delta for a block that is not a tool_use', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{' } }],
    ['a thinking signature', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQB' } }],
    ['a citation', { type: 'content_block_delta', index: 0, delta: { type: 'citations_delta', citation: { type: 'char_location' } } }],
    ['a thinking block that starts empty', { type: 'content_block_start', index: 1, content_block: { type: 'thinking', thinking: '' } }],
    ['a redacted thinking block', { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'x' } }],
    ['an unknown delta type', { type: 'content_block_delta', index: 0, delta: { type: 'future_delta', x: 1 } }],
    ['an event type added later', { type: 'message_annotation', foo: 1 }],
  ])('emits nothing for %s', (_name, event) => {
    const decoder = createStreamDecoder(target);
    decodeAll(decoder, sse([messageStart]));
    expect(decodeAll(decoder, sse([event]))).toEqual([]);
  });

  it('streams a tool call: id and name first, then argument fragments, then finish_reason tool_calls', () => {
    const decoder = createStreamDecoder(target);
    const chunks = decodeAll(
      decoder,
      sse([
        messageStart,
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_01T1', name: 'get_weather', input: {} } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
        { type: 'ping' },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": "San' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' Francisco"}' } },
        { type: 'content_block_stop', index: 1 },
        { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 47 } },
        { type: 'message_stop' },
      ]),
    );
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Checking.' },
      { tool_calls: [{ index: 0, id: 'toolu_01T1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city": "San' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ' Francisco"}' } }] },
      {},
      null,
    ]);
    expect(chunks[5]?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(chunks[6]?.usage).toEqual({ prompt_tokens: 125, completion_tokens: 47, total_tokens: 172, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 0 } });
    expect(decoder.done).toBe(true);
  });

  it('numbers parallel tool calls in block order and gives a call without input fragments "{}"', () => {
    const decoder = createStreamDecoder(target);
    const chunks = decodeAll(
      decoder,
      sse([
        messageStart,
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_a', name: 'now', input: {} } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: {} } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":"Oslo"}' } },
        { type: 'content_block_stop', index: 1 },
        { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_c', name: 'echo', input: { text: 'whole' } } },
        { type: 'content_block_stop', index: 2 },
      ]),
    );
    expect(chunks.slice(1).map((c) => c.choices[0]?.delta)).toEqual([
      { tool_calls: [{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'now', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
      { tool_calls: [{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"city":"Oslo"}' } }] },
      { tool_calls: [{ index: 2, id: 'toolu_c', type: 'function', function: { name: 'echo', arguments: '{"text":"whole"}' } }] },
    ]);
  });

  it('streams thinking as reasoning_content, ahead of the answer text', () => {
    const decoder = createStreamDecoder(target);
    const chunks = decodeAll(
      decoder,
      sse([
        messageStart,
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me think' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQB' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: '42' } },
        { type: 'content_block_stop', index: 1 },
      ]),
    );
    expect(chunks.slice(1).map((c) => c.choices[0]?.delta)).toEqual([{ reasoning_content: 'Let me think' }, { content: '42' }]);
  });

  it('throws UpstreamError for a tool_use block without an id', () => {
    const decoder = createStreamDecoder(target);
    decodeAll(decoder, sse([messageStart]));
    expect(() => decodeAll(decoder, sse([{ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', name: 'f', input: {} } }]))).toThrow(UpstreamError);
  });

  it('emits text a content block starts with', () => {
    const decoder = createStreamDecoder(target);
    decodeAll(decoder, sse([messageStart]));
    expect(decodeAll(decoder, sse([{ type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Pre' } }]))).toEqual([
      { ...head, choices: [{ index: 0, delta: { content: 'Pre' }, finish_reason: null }] },
    ]);
  });

  it('throws UpstreamError carrying the mapped error for an error event', () => {
    const decoder = createStreamDecoder(target);
    decodeAll(decoder, sse([messageStart]));
    let thrown: unknown;
    try {
      decodeAll(decoder, sse([{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect((thrown as UpstreamError).info).toEqual({ message: 'Overloaded', type: 'server_error', code: 'overloaded_error' });
  });

  it('throws UpstreamError for an event that is not JSON', () => {
    expect(() => createStreamDecoder(target).push({ event: 'message_start', data: '{"type":' })).toThrow(UpstreamError);
  });

  it('ignores events after message_stop', () => {
    const decoder = createStreamDecoder(target);
    decodeAll(decoder, basicStream);
    expect(decodeAll(decoder, sse([{ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'late' } }]))).toEqual([]);
  });
});
