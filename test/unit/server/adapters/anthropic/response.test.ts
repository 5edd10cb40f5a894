import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { finishReasonOf, fromResponse, usageOf } from '../../../../../server/adapters/anthropic/response.js';
import { UpstreamError } from '../../../../../server/adapters/openai/error.js';
import type { ChatCompletion, Usage, UpstreamTarget } from '../../../../../server/adapters/types.js';

const target: UpstreamTarget = { baseUrl: 'https://api.anthropic.com', apiKey: 'k', upstreamModel: 'claude-haiku-4-5' };
const NOW_S = 1_700_000_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_S * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('anthropic fromResponse', () => {
  it.each<[string, unknown, ChatCompletion]>([
    [
      'a text answer',
      {
        id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5-20251001',
        content: [{ type: 'text', text: 'Hi! ', citations: null }, { type: 'text', text: 'How can I help?' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 7, cache_creation_input_tokens: null, cache_read_input_tokens: null },
      },
      {
        id: 'chatcmpl-msg_013Zva2CMHLNnXjNJJKqJ2EF',
        object: 'chat.completion',
        created: NOW_S,
        model: 'claude-haiku-4-5-20251001',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi! How can I help?' }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 },
      },
    ],
    [
      'cache reads and writes count as prompt tokens, each kept apart in the details; thinking is reasoning_content, not content',
      {
        id: 'msg_2',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Done' }],
        stop_reason: 'max_tokens',
        usage: { input_tokens: 5, output_tokens: 100, cache_read_input_tokens: 1000, cache_creation_input_tokens: 20 },
      },
      {
        id: 'chatcmpl-msg_2',
        object: 'chat.completion',
        created: NOW_S,
        model: 'claude-sonnet-4-5',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Done', reasoning_content: 'hmm' }, finish_reason: 'length', logprobs: null }],
        usage: { prompt_tokens: 1025, completion_tokens: 100, total_tokens: 1125, prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 20 } },
      },
    ],
    [
      'an empty answer without usage falls back to the target model',
      { id: 'msg_3', content: [], stop_reason: 'stop_sequence' },
      {
        id: 'chatcmpl-msg_3',
        object: 'chat.completion',
        created: NOW_S,
        model: 'claude-haiku-4-5',
        choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'stop', logprobs: null }],
      },
    ],
    [
      'tool_use blocks are tool calls with their input as JSON text; text before them is content',
      {
        id: 'msg_4',
        model: 'claude-sonnet-4-5',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris', units: ['c'] } },
          { type: 'tool_use', id: 'toolu_01B', name: 'now', input: {} },
          { type: 'redacted_thinking', data: 'x' },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 50, output_tokens: 30 },
      },
      {
        id: 'chatcmpl-msg_4',
        object: 'chat.completion',
        created: NOW_S,
        model: 'claude-sonnet-4-5',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: 'Checking both.',
              tool_calls: [
                { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","units":["c"]}' } },
                { id: 'toolu_01B', type: 'function', function: { name: 'now', arguments: '{}' } },
              ],
            },
            finish_reason: 'tool_calls',
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 30, total_tokens: 80 },
      },
    ],
    [
      'an answer that is only a tool call has null content, as OpenAI sends it',
      { id: 'msg_5', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }], stop_reason: 'tool_use' },
      {
        id: 'chatcmpl-msg_5',
        object: 'chat.completion',
        created: NOW_S,
        model: 'claude-haiku-4-5',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
            finish_reason: 'tool_calls',
            logprobs: null,
          },
        ],
      },
    ],
  ])('%s', (_name, body, expected) => {
    expect(fromResponse(body, target)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a body without content', { id: 'msg', type: 'message' }],
    ['a tool_use block without an id', { id: 'msg', content: [{ type: 'tool_use', name: 'f', input: {} }] }],
  ])('throws UpstreamError for %s', (_name, body) => {
    expect(() => fromResponse(body, target)).toThrow(UpstreamError);
  });
});

describe('anthropic finishReasonOf', () => {
  it.each<[unknown, string | null]>([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
    ['pause_turn', 'pause_turn'],
    [null, null],
    [undefined, null],
  ])('%s -> %s', (stopReason, expected) => {
    expect(finishReasonOf(stopReason)).toBe(expected);
  });
});

describe('anthropic usageOf', () => {
  it.each<[string, Parameters<typeof usageOf>[0], Usage]>([
    ['plain', { input_tokens: 3, output_tokens: 4 }, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }],
    [
      'a cache read and write of zero still report cached and written tokens',
      { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
    ],
    [
      'a cache write alone: its tokens are prompt tokens, reported as written, with no cache read',
      { input_tokens: 3, output_tokens: 4, cache_creation_input_tokens: 2000 },
      { prompt_tokens: 2003, completion_tokens: 4, total_tokens: 2007, prompt_tokens_details: { cache_write_tokens: 2000 } },
    ],
    ['missing counts are zero', {}, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
  ])('%s', (_name, usage, expected) => {
    expect(usageOf(usage)).toEqual(expected);
  });
});
