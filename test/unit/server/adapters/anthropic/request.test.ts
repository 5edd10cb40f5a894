import { describe, expect, it } from 'vitest';
import { ANTHROPIC_VERSION, DEFAULT_MAX_TOKENS, toRequest } from '../../../../../server/adapters/anthropic/request.js';
import { fromResponse } from '../../../../../server/adapters/anthropic/response.js';
import type { ChatRequest, UpstreamTarget } from '../../../../../server/adapters/types.js';
import { UnsupportedFeatureError } from '../../../../../server/adapters/unsupported.js';

const target: UpstreamTarget = { baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-test', upstreamModel: 'claude-haiku-4-5' };
const user = (content: ChatRequest['messages'][number]['content']) => ({ role: 'user' as const, content });

function bodyOf(req: Partial<ChatRequest>): Record<string, unknown> {
  return JSON.parse(toRequest({ model: 'cheap', messages: [user('hi')], ...req }, target).body);
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const anthropicWeatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const imagePart = (url: string, detail?: string) => ({ type: 'image_url', image_url: detail === undefined ? { url } : { url, detail } });
const assistantCalls = (...calls: Array<Record<string, unknown>>) => ({ role: 'assistant' as const, content: null, tool_calls: calls });
const call = (id: string, name: string, args: string) => ({ id, type: 'function', function: { name, arguments: args } });
const toolMessage = (id: string, content: ChatRequest['messages'][number]['content']) => ({ role: 'tool' as const, content, tool_call_id: id });
const base = { model: 'claude-haiku-4-5', max_tokens: DEFAULT_MAX_TOKENS };

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
    [
      'an empty text part says nothing and is left out',
      { messages: [user([{ type: 'text', text: '' }, { type: 'text', text: 'hi' }])] },
      { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
    ],
  ])('%s', (_name, req, expected) => {
    expect(bodyOf(req)).toEqual(expected);
  });

  it.each<[string, Partial<ChatRequest>, Record<string, unknown>]>([
    [
      'function tools become tools with input_schema',
      {
        tools: [
          weatherTool,
          { type: 'function', function: { name: 'now' } },
          { type: 'function', function: { name: 'lookup', description: null, parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false }, strict: true } },
        ],
      },
      {
        ...base,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [
          anthropicWeatherTool,
          { name: 'now', input_schema: { type: 'object', properties: {} } },
          { name: 'lookup', input_schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false }, strict: true },
        ],
      },
    ],
    [
      'strict: false asks for nothing; a tool cache breakpoint passes through',
      { tools: [{ ...weatherTool, function: { ...weatherTool.function, strict: false }, cache_control: { type: 'ephemeral' } }] },
      { ...base, messages: [{ role: 'user', content: 'hi' }], tools: [{ ...anthropicWeatherTool, cache_control: { type: 'ephemeral' } }] },
    ],
  ])('%s', (_name, req, expected) => {
    expect(bodyOf(req)).toEqual(expected);
  });

  // [tool_choice, parallel_tool_calls, with tools?, expected Anthropic tool_choice (undefined: unset)]
  it.each<[unknown, unknown, boolean, unknown]>([
    [undefined, undefined, true, undefined],
    ['auto', undefined, true, { type: 'auto' }],
    ['none', undefined, true, { type: 'none' }],
    ['required', undefined, true, { type: 'any' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, true, { type: 'tool', name: 'get_weather' }],
    [undefined, false, true, { type: 'auto', disable_parallel_tool_use: true }],
    ['auto', false, true, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', false, true, { type: 'any', disable_parallel_tool_use: true }],
    [{ type: 'function', function: { name: 'get_weather' } }, false, true, { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true }],
    ['none', false, true, { type: 'none' }],
    ['auto', true, true, { type: 'auto' }],
    [null, null, true, undefined],
    ['auto', undefined, false, undefined],
    ['none', false, false, undefined],
    [undefined, false, false, undefined],
    ['required', undefined, false, { type: 'any' }],
  ])('tool_choice %j with parallel_tool_calls %j (tools: %s) -> %j', (toolChoice, parallel, withTools, expected) => {
    const body = bodyOf({ tools: withTools ? [weatherTool] : undefined, tool_choice: toolChoice, parallel_tool_calls: parallel });
    expect(body.tool_choice).toEqual(expected);
    expect('tool_choice' in body).toBe(expected !== undefined);
  });

  it.each<[string, ChatRequest['messages'], Record<string, unknown>]>([
    [
      'assistant tool calls become tool_use blocks after its text; tool messages become one user turn of tool_result blocks',
      [
        user('Weather in Paris and Oslo?'),
        assistantCalls(call('call_1', 'get_weather', '{"city":"Paris"}'), call('call_2', 'get_weather', '{"city":"Oslo"}')),
        toolMessage('call_1', '18C, sunny'),
        toolMessage('call_2', [{ type: 'text', text: '9C' }, { type: 'text', text: 'rain' }]),
        user('Thanks'),
      ],
      {
        ...base,
        messages: [
          { role: 'user', content: 'Weather in Paris and Oslo?' },
          {
            role: 'assistant',
            content: [
              { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Oslo' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: '18C, sunny' },
              { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '9C' }, { type: 'text', text: 'rain' }] },
              { type: 'text', text: 'Thanks' },
            ],
          },
        ],
      },
    ],
    [
      'text before the calls stays first; "" arguments are the empty object; a call without type is a function call',
      [
        user('Time?'),
        { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'call_9', function: { name: 'now', arguments: '' } }] },
        toolMessage('call_9', ''),
      ],
      {
        ...base,
        messages: [
          { role: 'user', content: 'Time?' },
          { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'call_9', name: 'now', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_9' }] },
        ],
      },
    ],
    [
      'ids Anthropic would refuse are mapped the same way in the call and in its result',
      [user('x'), assistantCalls(call('functions.get_weather:0', 'get_weather', '{}')), toolMessage('functions.get_weather:0', 'ok')],
      {
        ...base,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'functions_get_weather_0', name: 'get_weather', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'functions_get_weather_0', content: 'ok' }] },
        ],
      },
    ],
    [
      'image parts: data: URLs become base64 sources (image/jpg spelled image/jpeg), http(s) URLs url sources',
      [
        user([
          { type: 'text', text: 'Compare' },
          imagePart('data:image/png;base64,iVBORw0KGgo='),
          imagePart('data:image/jpg;base64,/9j/4AAQ', 'high'),
          imagePart('https://example.com/cat.webp', 'auto'),
        ]),
      ],
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.webp' } },
            ],
          },
        ],
      },
    ],
    [
      'cache breakpoints on parts pass through; a system part with one makes system a list of blocks',
      [
        { role: 'system', content: [{ type: 'text', text: 'Long rules', cache_control: { type: 'ephemeral' } }] },
        { role: 'developer', content: 'Be brief.' },
        user([{ type: 'text', text: 'Doc', cache_control: { type: 'ephemeral', ttl: '1h' } }, { ...imagePart('https://example.com/a.png'), cache_control: { type: 'ephemeral' } }]),
      ],
      {
        ...base,
        system: [{ type: 'text', text: 'Long rules', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Be brief.' }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Doc', cache_control: { type: 'ephemeral', ttl: '1h' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' }, cache_control: { type: 'ephemeral' } },
            ],
          },
        ],
      },
    ],
  ])('%s', (_name, messages, expected) => {
    expect(bodyOf({ messages })).toEqual(expected);
  });

  it('an answer\'s tool calls, sent back as history, become the tool_use blocks they came from', () => {
    const toolUse = { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris', days: [1, 2], opts: { metric: true } } };
    const answer = fromResponse({ id: 'msg_1', content: [{ type: 'text', text: 'Checking.' }, toolUse], stop_reason: 'tool_use' }, target).choices[0]!.message;
    const history = [user('Weather?'), answer as ChatRequest['messages'][number], toolMessage(toolUse.id, 'sunny')];
    expect(bodyOf({ messages: history }).messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, toolUse] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny' }] },
    ]);
  });

  it.each<[string, Partial<ChatRequest>, string]>([
    ['response_format json_object', { response_format: { type: 'json_object' } }, 'response_format'],
    ['response_format json_schema', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }, 'response_format'],
    ['logprobs', { logprobs: true }, 'logprobs'],
    ['top_logprobs', { top_logprobs: 3 }, 'top_logprobs'],
    ['n > 1', { n: 2 }, 'n'],
    ['seed', { seed: 1 }, 'seed'],
    ['presence_penalty', { presence_penalty: 0.5 }, 'presence_penalty'],
    ['frequency_penalty', { frequency_penalty: 0.5 }, 'frequency_penalty'],
    ['logit_bias', { logit_bias: { '50256': -100 } }, 'logit_bias'],
    ['audio output', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }, 'modalities'],
    ['reasoning_effort', { reasoning_effort: 'high' }, 'reasoning_effort'],
    ['store', { store: true }, 'store'],
    ['an unknown field', { some_future_option: 'x' }, 'some_future_option'],
    ['temperature above 1', { temperature: 1.5 }, 'temperature'],
    ['a function message', { messages: [{ role: 'function' as 'tool', content: 'r', name: 'f' }] }, 'messages[0].role'],
    ['a message name', { messages: [{ role: 'user', content: 'hi', name: 'alice' }] }, 'messages[0].name'],
    ['a tool message name', { messages: [user('q'), { role: 'tool', content: 'r', tool_call_id: 'c', name: 'f' }] }, 'messages[1].name'],
    ['an assistant function_call', { messages: [{ role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }] }, 'messages[0].function_call'],
    ['an assistant audio reference', { messages: [{ role: 'assistant', content: null, audio: { id: 'a1' } }] }, 'messages[0].audio'],
    ['an audio input part', { messages: [user([{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }])] }, 'messages[0].content[0]'],
    ['a file part', { messages: [user([{ type: 'file', file: { file_id: 'file-1' } }])] }, 'messages[0].content[0]'],
    ['an image in a system message', { messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }, 'messages[0].content[0]'],
    ['an image in an assistant message', { messages: [{ role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }, 'messages[0].content[0]'],
    ['a refusal part', { messages: [{ role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] }] }, 'messages[0].content[0]'],
    ['an unknown text part field', { messages: [user([{ type: 'text', text: 'x', weight: 2 }])] }, 'messages[0].content[0].weight'],
    ['image detail low', { messages: [user([imagePart('https://example.com/a.png', 'low')])] }, 'messages[0].content[0].image_url.detail'],
    ['an image URL of another scheme', { messages: [user([imagePart('ftp://example.com/a.png')])] }, 'messages[0].content[0].image_url.url'],
    ['an image data URL that is not base64', { messages: [user([imagePart('data:image/png,%89PNG')])] }, 'messages[0].content[0].image_url.url'],
    ['an image type Anthropic does not take', { messages: [user([imagePart('data:image/bmp;base64,Qk0=')])] }, 'messages[0].content[0].image_url.url'],
    ['an image part without a url', { messages: [user([{ type: 'image_url', image_url: 'https://x/y.png' }])] }, 'messages[0].content[0].image_url'],
    ['a tools value that is not a list', { tools: { type: 'function' } }, 'tools'],
    ['a custom (non-function) tool', { tools: [{ type: 'custom', custom: { name: 'grammar' } }] }, 'tools[0]'],
    ['an unknown tool field', { tools: [{ type: 'function', function: { name: 'f' }, extra: 1 }] }, 'tools[0].extra'],
    ['an unknown function field', { tools: [{ type: 'function', function: { name: 'f', examples: [] , version: 2 } }] }, 'tools[0].function.version'],
    ['allowed_tools tool_choice', { tools: [weatherTool], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } }, 'tool_choice'],
    ['an unknown tool_choice string', { tools: [weatherTool], tool_choice: 'sometimes' }, 'tool_choice'],
    ['a custom tool call in the history', { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'g', input: 'x' } }] }] }, 'messages[0].tool_calls[0]'],
    ['tool call arguments that are not JSON', { messages: [assistantCalls({ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } })] }, 'messages[0].tool_calls[0].function.arguments'],
    ['tool call arguments that are a JSON array', { messages: [assistantCalls({ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } })] }, 'messages[0].tool_calls[0].function.arguments'],
    ['tool_calls that are not a list', { messages: [{ role: 'assistant', content: null, tool_calls: { id: 'c' } }] }, 'messages[0].tool_calls'],
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
