// The OpenAI sim's tool calls, tool-turn validation and scripted omission of stream usage.
import { describe, expect, it } from 'vitest';
import { openaiChat } from '../../../../bench/sim/openai.js';
import type { JsonReply, StreamReply } from '../../../../bench/sim/wire.js';

const ctx = { id: 'x1', nowS: 1_800_000_000, replyTokens: 16 };
const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const json = (body: Record<string, unknown>) => JSON.parse((openaiChat(body, ctx) as JsonReply).body);

describe('openaiChat tool calls', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['required', { tool_choice: 'required' }, true],
    ['a named function', { tool_choice: { type: 'function', function: { name: 'get_weather' } } }, true],
    ['auto, asked to use the tool', { messages: [{ role: 'user', content: 'Please USE THE TOOL' }] }, true],
    ['auto, not asked', {}, false],
    ['none, even when asked', { tool_choice: 'none', messages: [{ role: 'user', content: 'use the tool' }] }, false],
  ])('%s', (_name, extra, calls) => {
    const body = json({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [weather], ...extra });
    expect(body.choices[0].finish_reason).toBe(calls ? 'tool_calls' : 'stop');
    if (calls) expect(body.choices[0].message).toMatchObject({ content: null, tool_calls: [{ id: 'call_simx1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"simulated"}' } }] });
  });

  it.each<[string, unknown[], string]>([
    ['a tool message without a call', [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'c', content: 'r' }], 'messages.[1].role'],
    ['a call left unanswered', [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'user', content: 'y' }], 'messages.[1].role'],
  ])('refuses %s as OpenAI does', (_name, messages, param) => {
    const reply = openaiChat({ model: 'm', messages }, ctx) as JsonReply;
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error.param).toBe(param);
  });

  it('omits usage from streams when scripted to', () => {
    const reply = openaiChat({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } }, ctx, { omitStreamUsage: true }) as StreamReply;
    const wire = reply.head + reply.content.join('') + reply.tail;
    expect(wire).not.toContain('usage');
    expect(wire.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
