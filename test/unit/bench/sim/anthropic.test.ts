import { describe, expect, it } from 'vitest';
import { anthropicAuth, anthropicErrorType, anthropicFault, anthropicMessages } from '../../../../bench/sim/anthropic.js';
import type { JsonReply, StreamReply } from '../../../../bench/sim/wire.js';

const ctx = { id: 'a1', nowS: 1_800_000_000, replyTokens: 16 };
const headers = { 'anthropic-version': '2023-06-01' };
const base = { model: 'claude-3-5-haiku-latest', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] };

describe('anthropicMessages', () => {
  it('answers a message with text, stop_reason and usage', () => {
    const r = anthropicMessages(headers, { ...base, system: 'be brief' }, ctx) as JsonReply;
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({
      id: 'msg_sima1', type: 'message', role: 'assistant', model: 'claude-3-5-haiku-latest',
      stop_reason: 'end_turn', stop_sequence: null,
      usage: { input_tokens: 3 + 2 + 3 + 2, output_tokens: 16, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(body.content).toHaveLength(1);
    expect(body.content[0].type).toBe('text');
    expect(body.content[0].text).toMatch(/^\[simulated claude-3-5-haiku-latest\] /);
  });

  it('reports the prompt through the last cache breakpoint as read when warm, as written when the message asks for a cold cache', () => {
    const system = [{ type: 'text', text: 'You answer questions about the attached handbook. '.repeat(20), cache_control: { type: 'ephemeral' } }];
    const usageOf = (content: string): Record<string, number> =>
      JSON.parse((anthropicMessages(headers, { ...base, system, messages: [{ role: 'user', content }] }, ctx) as JsonReply).body).usage;
    const warm = usageOf('What is the leave policy?');
    expect(warm.cache_read_input_tokens).toBeGreaterThan(100);
    expect(warm.cache_creation_input_tokens).toBe(0);
    const cold = usageOf('What is the leave policy? sim:cold-cache');
    expect(cold.cache_creation_input_tokens).toBe(warm.cache_read_input_tokens);
    expect(cold.cache_read_input_tokens).toBe(0);
    // Without cache_control a warm cache reads nothing; a cold one writes everything before the last message.
    const plain = (content: string): Record<string, number> =>
      JSON.parse((anthropicMessages(headers, { ...base, system: 'be brief', messages: [{ role: 'user', content }] }, ctx) as JsonReply).body).usage;
    expect(plain('hi')).toMatchObject({ input_tokens: 3 + 2 + 3 + 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    const written = plain('hi sim:cold-cache');
    // 'be brief' (3 + 2) written; the last message, 'hi sim:cold-cache' (3 + 5), plain input.
    expect(written).toMatchObject({ input_tokens: 3 + 5, cache_creation_input_tokens: 3 + 2, cache_read_input_tokens: 0 });
  });

  it('stops at max_tokens with stop_reason max_tokens', () => {
    const body = JSON.parse((anthropicMessages(headers, { ...base, max_tokens: 2 }, ctx) as JsonReply).body);
    expect(body).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 2 } });
  });

  it('streams the documented event sequence', () => {
    const s = anthropicMessages(headers, { ...base, max_tokens: 3, stream: true }, ctx) as StreamReply;
    expect(s.kind).toBe('stream');
    const frames = (s.head + s.content.join('') + s.tail).trimEnd().split('\n\n').map((f) => {
      const [ev, data] = f.split('\n');
      expect(ev).toMatch(/^event: /);
      expect(data).toMatch(/^data: /);
      const parsed = JSON.parse(data!.slice(6));
      expect(parsed.type).toBe(ev!.slice(7));
      return parsed;
    });
    expect(frames.map((f) => f.type)).toEqual([
      'message_start', 'content_block_start', 'ping',
      'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    expect(frames[0].message).toMatchObject({ id: 'msg_sima1', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } });
    expect(frames[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(frames[3].delta.type).toBe('text_delta');
    expect(frames[7]).toEqual({ type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 3 } });
  });

  it.each([
    [{}, base, 'anthropic-version: header is required'],
    [headers, { ...base, model: undefined }, 'model: Field required'],
    [headers, { ...base, max_tokens: undefined }, 'max_tokens: Field required'],
    [headers, { ...base, max_tokens: 0 }, 'max_tokens: Input should be greater than or equal to 1'],
    [headers, { ...base, messages: undefined }, 'messages: Field required'],
    [headers, { ...base, messages: [] }, expect.stringContaining('messages')],
  ])('rejects invalid input %# with a 400 in Anthropic shape', (h, body, message) => {
    const r = anthropicMessages(h, body, ctx) as JsonReply;
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_sima1' });
  });
});

describe('Anthropic errors and auth', () => {
  it('maps statuses to the documented error types', () => {
    expect([400, 401, 403, 404, 413, 429, 500, 502, 504, 529].map(anthropicErrorType)).toEqual([
      'invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'request_too_large',
      'rate_limit_error', 'api_error', 'api_error', 'timeout_error', 'overloaded_error',
    ]);
    expect(JSON.parse(anthropicFault(529, 'req_1').body)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: '[simulated] Overloaded' }, request_id: 'req_1' });
  });

  it('checks x-api-key', () => {
    expect(anthropicAuth({ 'x-api-key': 'k' }, 'k', 'r')).toBeUndefined();
    expect(JSON.parse(anthropicAuth({ 'x-api-key': 'bad' }, 'k', 'r')!.body).error).toEqual({ type: 'authentication_error', message: 'invalid x-api-key' });
    expect(anthropicAuth({}, 'k', 'r')?.status).toBe(401);
  });
});
