import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '../../../../../server/adapters/types.js';
import { GatewayError } from '../../../../../server/errors.js';
import { messageIdOf, messageUsage, stopReasonOf, toMessage } from '../../../../../server/ingress/anthropic/response.js';

function completion(message: ChatCompletion['choices'][number]['message'], finish: string | null, usage?: ChatCompletion['usage']): ChatCompletion {
  const out: ChatCompletion = { id: 'chatcmpl-abc', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message, finish_reason: finish }] };
  if (usage) out.usage = usage;
  return out;
}

describe('toMessage: canonical completion -> Messages API message', () => {
  it('maps text, stop_reason and usage', () => {
    const message = toMessage(completion({ role: 'assistant', content: 'Hi there' }, 'stop', { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }));
    expect(message).toEqual({
      id: 'msg_abc', type: 'message', role: 'assistant', model: 'gpt-4o-mini',
      content: [{ type: 'text', text: 'Hi there' }], stop_reason: 'end_turn', stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 3, cache_creation_input_tokens: null, cache_read_input_tokens: 0 },
    });
  });

  it('maps tool calls to tool_use blocks after the text, their arguments parsed', () => {
    const message = toMessage(completion({
      role: 'assistant', content: 'Let me check.',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        { id: 'call_2', type: 'function', function: { name: 'now', arguments: '' } },
      ],
    }, 'tool_calls'));
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } },
      { type: 'tool_use', id: 'call_2', name: 'now', input: {} },
    ]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('a refusal is a text block with stop_reason refusal', () => {
    const message = toMessage(completion({ role: 'assistant', content: null, refusal: 'I cannot help with that.' }, 'stop'));
    expect(message.content).toEqual([{ type: 'text', text: 'I cannot help with that.' }]);
    expect(message.stop_reason).toBe('refusal');
  });

  it('tool arguments that are not a JSON object are a 502, never an invented input', () => {
    const bad = completion({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"city": "Os' } }] }, 'tool_calls');
    expect(() => toMessage(bad)).toThrow(GatewayError);
    try {
      toMessage(bad);
    } catch (e) {
      expect((e as GatewayError).code).toBe('SY_UPSTREAM_FAILED');
    }
  });
});

describe('field maps', () => {
  it.each([
    ['stop', 'end_turn'], ['length', 'max_tokens'], ['tool_calls', 'tool_use'], ['function_call', 'tool_use'],
    ['content_filter', 'refusal'], ['pause_turn', 'pause_turn'], [null, 'end_turn'], ['something_new', 'end_turn'],
  ])('finish_reason %s is stop_reason %s', (finish, stop) => {
    expect(stopReasonOf(finish)).toBe(stop);
  });

  it('cache reads come out of input_tokens, as Anthropic counts them', () => {
    expect(messageUsage({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 60 } }))
      .toEqual({ input_tokens: 40, output_tokens: 5, cache_creation_input_tokens: null, cache_read_input_tokens: 60 });
    expect(messageUsage(null, 7)).toEqual({ input_tokens: 7, output_tokens: 0, cache_creation_input_tokens: null, cache_read_input_tokens: null });
  });

  it('cache writes an upstream reported come out of input_tokens too, as cache_creation_input_tokens', () => {
    expect(messageUsage({ prompt_tokens: 2100, completion_tokens: 5, total_tokens: 2105, prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 2000 } }))
      .toEqual({ input_tokens: 40, output_tokens: 5, cache_creation_input_tokens: 2000, cache_read_input_tokens: 60 });
    expect(messageUsage({ prompt_tokens: 10, completion_tokens: 1, total_tokens: 11, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } }))
      .toEqual({ input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });

  it('gives an Anthropic upstream its own message id back', () => {
    expect(messageIdOf('chatcmpl-msg_01abc')).toBe('msg_01abc');
    expect(messageIdOf('chatcmpl-xyz')).toBe('msg_xyz');
    expect(messageIdOf('gen-123')).toBe('msg_gen-123');
  });
});
