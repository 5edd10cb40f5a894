import { describe, expect, it } from 'vitest';
import { createStreamDecoder } from '../../../../../server/adapters/anthropic/stream.js';
import type { ChatCompletionChunk } from '../../../../../server/adapters/types.js';
import { GatewayError } from '../../../../../server/errors.js';
import { createMessageStreamEncoder } from '../../../../../server/ingress/anthropic/stream.js';
import { createSseParser } from '../../../../../server/transport/sse.js';

type Delta = ChatCompletionChunk['choices'][number]['delta'];

function chunk(delta: Delta, finish: string | null = null): ChatCompletionChunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] };
}

/** The encoder's output as parsed events: [event name, data]. */
function events(text: string): Array<[string, Record<string, unknown>]> {
  return createSseParser().push(text).map((e) => [e.event ?? '', JSON.parse(e.data) as Record<string, unknown>]);
}

const usage = { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 };

describe('createMessageStreamEncoder: canonical chunks -> Messages API events', () => {
  it('a text answer: message_start, one text block, message_delta with stop_reason and usage, message_stop', () => {
    const encoder = createMessageStreamEncoder({ model: 'fallback', promptTokens: 9 });
    let out = encoder.push([chunk({ role: 'assistant', content: '' })]);
    out += encoder.push([chunk({ content: 'Hel' }), chunk({ content: 'lo' })]);
    out += encoder.push([chunk({}, 'stop'), { ...chunk({}), choices: [], usage }]);
    out += encoder.end(usage, '0.00000100');
    expect(out).toContain(': x-switchyard-cost-usd=0.00000100\n\n');
    const parsed = events(out);
    expect(parsed.map(([name]) => name)).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    for (const [name, data] of parsed) expect(data.type).toBe(name);
    expect(parsed[0]![1]).toMatchObject({ message: { id: 'msg_1', model: 'gpt-4o-mini', content: [], stop_reason: null, usage: { input_tokens: 9, output_tokens: 0 } } });
    expect(parsed[1]![1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(parsed[3]![1]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } });
    expect(parsed[5]![1]).toEqual({
      type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 12, output_tokens: 4, cache_creation_input_tokens: null, cache_read_input_tokens: 0 },
    });
  });

  it('tool calls: a tool_use block per call after the text, arguments as input_json_delta pieces', () => {
    const encoder = createMessageStreamEncoder({ model: 'm', promptTokens: 1 });
    const out = encoder.push([
      chunk({ content: 'Checking.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'now', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]) + encoder.end(null, null);
    const parsed = events(out).map(([, data]) => data);
    expect(parsed.slice(1, -2)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Oslo"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_b', name: 'now', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'content_block_stop', index: 2 },
    ]);
    expect(parsed.at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { input_tokens: 1, output_tokens: 0 } });
  });

  it('a stream with no chunks still starts and ends a message', () => {
    const encoder = createMessageStreamEncoder({ model: 'claude-x', promptTokens: 3 });
    const parsed = events(encoder.push([]) + encoder.end(null, null));
    expect(parsed.map(([name]) => name)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(parsed[0]![1]).toMatchObject({ message: { model: 'claude-x' } });
  });

  it('a cut stream ends with an error event and no message_stop', () => {
    const encoder = createMessageStreamEncoder({ model: 'm', promptTokens: 1 });
    const out = encoder.push([chunk({ content: 'partial' })]) + encoder.fail(new GatewayError('SY_STREAM_INTERRUPTED', 'cut; the answer above is incomplete'));
    const parsed = events(out);
    expect(parsed.at(-1)).toEqual(['error', { type: 'error', error: { type: 'api_error', message: 'cut; the answer above is incomplete' } }]);
    expect(parsed.map(([name]) => name)).not.toContain('message_stop');
  });

  it('an Anthropic upstream stream, decoded by the adapter and encoded again, keeps its events, id and blocks', () => {
    const upstream = [
      { type: 'message_start', message: { id: 'msg_up', type: 'message', role: 'assistant', model: 'claude-haiku-4-5-20251001', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' world' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 2 } },
      { type: 'message_stop' },
    ];
    const wire = upstream.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const decoder = createStreamDecoder({ baseUrl: 'http://x', apiKey: 'k', upstreamModel: 'claude-haiku-4-5-20251001' });
    const chunks = createSseParser().push(wire).flatMap((e) => decoder.push(e));
    const encoder = createMessageStreamEncoder({ model: 'claude-haiku-4-5-20251001', promptTokens: 18 });
    const again = events(encoder.push(chunks) + encoder.end(decoder.usage, null)).map(([, data]) => data);
    expect(again.map((e) => e.type)).toEqual(upstream.filter((e) => e.type !== 'ping').map((e) => e.type));
    expect(again[0]).toMatchObject({ message: { id: 'msg_up', model: 'claude-haiku-4-5-20251001' } });
    const text = again.filter((e) => e.type === 'content_block_delta').map((e) => (e.delta as { text: string }).text).join('');
    expect(text).toBe('Hello world');
    expect(again.at(-2)).toMatchObject({ delta: { stop_reason: 'max_tokens' }, usage: { input_tokens: 20, output_tokens: 2 } });
  });
});
