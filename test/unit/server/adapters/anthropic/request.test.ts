import { describe, expect, it } from 'vitest';
import { ANTHROPIC_VERSION, DEFAULT_MAX_TOKENS, toRequest } from '../../../../../server/adapters/anthropic/request.js';
import type { ChatRequest, UpstreamTarget } from '../../../../../server/adapters/types.js';
import { UnsupportedFeatureError } from '../../../../../server/adapters/unsupported.js';

const target: UpstreamTarget = { baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-test', upstreamModel: 'claude-haiku-4-5' };
const user = (content: ChatRequest['messages'][number]['content']) => ({ role: 'user' as const, content });

function bodyOf(req: Partial<ChatRequest>): Record<string, unknown> {
  return JSON.parse(toRequest({ model: 'cheap', messages: [user('hi')], ...req }, target).body);
}

describe('anthropic toRequest', () => {
  it('posts to {baseUrl}/v1/messages with the key and API version headers', () => {
    const built = toRequest({ model: 'cheap', messages: [user('hi')] }, target);
    expect(built.url).toBe('https://api.anthropic.com/v1/messages');
    expect(built.headers).toEqual({
      'x-api-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    });
    expect(ANTHROPIC_VERSION).toBe('2023-06-01');
  });

  it.each<[string, Partial<ChatRequest>, Record<string, unknown>]>([
    [
      'a single user message, with the default max_tokens',
      {},
      { model: 'claude-haiku-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }] },
    ],
    [
      'max_tokens wins over max_completion_tokens',
      { max_tokens: 100, max_completion_tokens: 200 },
      { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] },
    ],
    [
      'max_completion_tokens when max_tokens is null',
      { max_tokens: null, max_completion_tokens: 200 },
      { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] },
    ],
    [
      'sampling, stop string, user and stream',
      { temperature: 0.5, top_p: 0.9, stop: 'END', user: 'user-42', stream: true, stream_options: { include_usage: true } },
      {
        model: 'claude-haiku-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0.5,
        top_p: 0.9,
        stop_sequences: ['END'],
        metadata: { user_id: 'user-42' },
        stream: true,
      },
    ],
    [
      'a stop list; nulls mean unset; gateway metadata is not forwarded',
      { stop: ['a', 'b'], temperature: null, top_p: null, metadata: { team: 'x' }, stream: false },
      { model: 'claude-haiku-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }], stop_sequences: ['a', 'b'] },
    ],
    [
      'options that ask for nothing beyond the default',
      { n: 1, logprobs: false, presence_penalty: 0, frequency_penalty: 0, response_format: { type: 'text' }, parallel_tool_calls: true, tools: [] },
      { model: 'claude-haiku-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }] },
    ],
    [
      'system and developer messages are hoisted and joined; turns alternate',
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          user('Hello'),
          { role: 'assistant', content: 'Hi!' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          user('Thanks'),
        ],
      },
      {
        model: 'claude-haiku-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        system: 'Be brief.\n\nAnswer in French.',
        messages: [
          { role: 'user', content: 'Hello' },
          { role: 'assistant', content: 'Hi!' },
          { role: 'user', content: 'Thanks' },
        ],
      },
    ],
    [
      'consecutive same-role messages merge into text blocks; text parts become blocks',
      {
        messages: [
          user('one'),
          user([{ type: 'text', text: 'two' }, { type: 'text', text: 'three' }]),
          { role: 'assistant', content: 'ok' },
          { role: 'assistant', content: null },
          { role: 'assistant', content: 'more' },
        ],
      },
      {
        model: 'claude-haiku-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'one' },
              { type: 'text', text: 'two' },
              { type: 'text', text: 'three' },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'text', text: 'more' }] },
        ],
      },
    ],
    [
      'message fields that are null or empty ask for nothing',
      { messages: [user('q'), { role: 'assistant', content: 'a', refusal: null, tool_calls: [] }] },
      {
        model: 'claude-haiku-4-5',
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }],
      },
    ],
  ])('%s', (_name, req, expected) => {
    expect(bodyOf(req)).toEqual(expected);
  });

  it.each<[string, Partial<ChatRequest>, string]>([
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools'],
    ['tool_choice', { tool_choice: 'auto' }, 'tool_choice'],
    ['response_format json', { response_format: { type: 'json_object' } }, 'response_format'],
    ['logprobs', { logprobs: true }, 'logprobs'],
    ['n > 1', { n: 2 }, 'n'],
    ['seed', { seed: 1 }, 'seed'],
    ['presence_penalty', { presence_penalty: 0.5 }, 'presence_penalty'],
    ['an unknown field', { some_future_option: 'x' }, 'some_future_option'],
    ['temperature above 1', { temperature: 1.5 }, 'temperature'],
    ['a tool message', { messages: [user('q'), { role: 'tool', content: 'r', tool_call_id: 'c1' }] }, 'messages[1].role'],
    ['a function message', { messages: [{ role: 'function' as 'tool', content: 'r', name: 'f' }] }, 'messages[0].role'],
    [
      'assistant tool calls',
      { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }] },
      'messages[0].tool_calls',
    ],
    ['an image part', { messages: [user([{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'x' } }])] }, 'messages[0].content[1]'],
    ['a message name', { messages: [{ role: 'user', content: 'hi', name: 'alice' }] }, 'messages[0].name'],
  ])('refuses %s, naming the field', (_name, req, param) => {
    let thrown: unknown;
    try {
      bodyOf(req);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsupportedFeatureError);
    expect((thrown as UnsupportedFeatureError).param).toBe(param);
    expect((thrown as UnsupportedFeatureError).provider).toBe('anthropic');
  });
});
