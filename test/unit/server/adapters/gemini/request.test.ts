import { describe, expect, it } from 'vitest';
import { toRequest } from '../../../../../server/adapters/gemini/request.js';
import type { ChatRequest, UpstreamTarget } from '../../../../../server/adapters/types.js';
import { UnsupportedFeatureError } from '../../../../../server/adapters/unsupported.js';

const target: UpstreamTarget = { baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'AIza-test', upstreamModel: 'gemini-2.5-flash' };
const user = (content: ChatRequest['messages'][number]['content']) => ({ role: 'user' as const, content });

function bodyOf(req: Partial<ChatRequest>): Record<string, unknown> {
  return JSON.parse(toRequest({ model: 'cheap', messages: [user('hi')], ...req }, target).body);
}

describe('gemini toRequest', () => {
  it.each<[string, boolean | undefined, string]>([
    ['generateContent without stream', undefined, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent'],
    ['generateContent when stream is false', false, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent'],
    ['streamGenerateContent as SSE when stream is true', true, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'],
  ])('posts to %s', (_name, stream, url) => {
    const built = toRequest({ model: 'cheap', messages: [user('hi')], ...(stream === undefined ? {} : { stream }) }, target);
    expect(built.url).toBe(url);
    expect(built.headers).toEqual({ 'x-goog-api-key': 'AIza-test', 'content-type': 'application/json' });
  });

  it.each<[string, Partial<ChatRequest>, Record<string, unknown>]>([
    ['a single user message', {}, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }],
    [
      'generation settings',
      { max_tokens: 64, temperature: 1.5, top_p: 0.8, stop: 'END', stream: true, stream_options: { include_usage: false }, user: 'u1' },
      {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        generationConfig: { maxOutputTokens: 64, temperature: 1.5, topP: 0.8, stopSequences: ['END'] },
      },
    ],
    [
      'max_completion_tokens and a stop list; nulls mean unset; gateway metadata is not forwarded',
      { max_tokens: null, max_completion_tokens: 32, stop: ['a', 'b'], temperature: null, metadata: { team: 't' } },
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 32, stopSequences: ['a', 'b'] } },
    ],
    [
      'system messages become systemInstruction; assistant becomes model',
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          user('Hello'),
          { role: 'assistant', content: 'Hi!' },
          { role: 'developer', content: [{ type: 'text', text: 'In French.' }] },
          user('Thanks'),
        ],
      },
      {
        contents: [
          { role: 'user', parts: [{ text: 'Hello' }] },
          { role: 'model', parts: [{ text: 'Hi!' }] },
          { role: 'user', parts: [{ text: 'Thanks' }] },
        ],
        systemInstruction: { parts: [{ text: 'Be brief.\n\nIn French.' }] },
      },
    ],
    [
      'consecutive same-role messages share one content; text parts become parts',
      { messages: [user('one'), user([{ type: 'text', text: 'two' }, { type: 'text', text: 'three' }]), { role: 'assistant', content: 'ok' }] },
      {
        contents: [
          { role: 'user', parts: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] },
          { role: 'model', parts: [{ text: 'ok' }] },
        ],
      },
    ],
    [
      'options that ask for nothing beyond the default',
      { n: 1, logprobs: false, frequency_penalty: 0, store: false },
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    ],
  ])('%s', (_name, req, expected) => {
    expect(bodyOf(req)).toEqual(expected);
  });

  it.each<[string, Partial<ChatRequest>, string]>([
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools'],
    ['response_format json', { response_format: { type: 'json_schema', json_schema: {} } }, 'response_format'],
    ['logprobs', { logprobs: true }, 'logprobs'],
    ['n > 1', { n: 4 }, 'n'],
    ['seed', { seed: 3 }, 'seed'],
    ['an unknown field', { reasoning_effort: 'low' }, 'reasoning_effort'],
    ['a tool message', { messages: [{ role: 'tool', content: 'r', tool_call_id: 'c' }] }, 'messages[0].role'],
    ['an audio part', { messages: [user([{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }])] }, 'messages[0].content[0]'],
    ['a message name', { messages: [{ role: 'user', content: 'hi', name: 'bob' }] }, 'messages[0].name'],
  ])('refuses %s, naming the field', (_name, req, param) => {
    let thrown: unknown;
    try {
      bodyOf(req);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsupportedFeatureError);
    expect((thrown as UnsupportedFeatureError).param).toBe(param);
    expect((thrown as UnsupportedFeatureError).provider).toBe('gemini');
  });
});
