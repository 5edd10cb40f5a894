import { describe, expect, it } from 'vitest';
import { toRequest } from '../../../../../server/adapters/gemini/request.js';
import type { ChatRequest, UpstreamTarget } from '../../../../../server/adapters/types.js';
import { UnsupportedFeatureError } from '../../../../../server/adapters/unsupported.js';

const target: UpstreamTarget = { baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'AIza-test', upstreamModel: 'gemini-2.5-flash' };
const user = (content: ChatRequest['messages'][number]['content']) => ({ role: 'user' as const, content });
const hi = [{ role: 'user', parts: [{ text: 'hi' }] }];

function bodyOf(req: Partial<ChatRequest>): Record<string, unknown> {
  return JSON.parse(toRequest({ model: 'cheap', messages: [user('hi')], ...req }, target).body);
}

function refusal(req: Partial<ChatRequest>): UnsupportedFeatureError {
  try {
    bodyOf(req);
  } catch (error) {
    if (error instanceof UnsupportedFeatureError) return error;
    throw error;
  }
  throw new Error('expected UnsupportedFeatureError');
}

const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

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
    ['a single user message', {}, { contents: hi }],
    [
      'generation settings; user is not forwarded',
      { max_tokens: 64, temperature: 1.5, top_p: 0.8, stop: 'END', stream: true, stream_options: { include_usage: false }, user: 'u1' },
      { contents: hi, generationConfig: { maxOutputTokens: 64, temperature: 1.5, topP: 0.8, stopSequences: ['END'] } },
    ],
    [
      'max_completion_tokens and a stop list; nulls mean unset; gateway metadata is not forwarded',
      { max_tokens: null, max_completion_tokens: 32, stop: ['a', 'b'], temperature: null, metadata: { team: 't' } },
      { contents: hi, generationConfig: { maxOutputTokens: 32, stopSequences: ['a', 'b'] } },
    ],
    [
      'penalties, seed and n',
      { presence_penalty: 0.5, frequency_penalty: -0.2, seed: 7, n: 3 },
      { contents: hi, generationConfig: { presencePenalty: 0.5, frequencyPenalty: -0.2, seed: 7, candidateCount: 3 } },
    ],
    ['logprobs alone', { logprobs: true }, { contents: hi, generationConfig: { responseLogprobs: true } }],
    ['logprobs with top_logprobs', { logprobs: true, top_logprobs: 5 }, { contents: hi, generationConfig: { responseLogprobs: true, logprobs: 5 } }],
    [
      'options that ask for nothing beyond the default',
      { n: 1, logprobs: false, top_logprobs: 0, frequency_penalty: 0, store: false, response_format: { type: 'text' }, tool_choice: 'auto', parallel_tool_calls: false },
      { contents: hi, generationConfig: { frequencyPenalty: 0 } },
    ],
    ['json_object', { response_format: { type: 'json_object' } }, { contents: hi, generationConfig: { responseMimeType: 'application/json' } }],
    [
      'json_schema: its schema, the name kept back',
      { response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false } } } },
      {
        contents: hi,
        generationConfig: {
          responseMimeType: 'application/json',
          responseJsonSchema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false },
        },
      },
    ],
    ['json_schema without a schema is JSON mode', { response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, { contents: hi, generationConfig: { responseMimeType: 'application/json' } }],
    [
      'tools and tool_choice',
      { tools: [weather], tool_choice: 'required' },
      {
        contents: hi,
        tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: weather.function.parameters }] }],
        toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      },
    ],
    [
      'image detail becomes the media resolution',
      { messages: [user([{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }])] },
      { contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }] }], generationConfig: { mediaResolution: 'MEDIA_RESOLUTION_LOW' } },
    ],
    [
      'system messages become systemInstruction',
      { messages: [{ role: 'system', content: 'Be brief.' }, user('hi')] },
      { contents: hi, systemInstruction: { parts: [{ text: 'Be brief.' }] } },
    ],
  ])('%s', (_name, req, expected) => {
    expect(bodyOf(req)).toEqual(expected);
  });

  it('does not modify the request it was given', () => {
    const req: ChatRequest = {
      model: 'cheap',
      messages: [user('hi')],
      tools: [weather],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { k: { const: 'v' } } } } },
    };
    const copy = structuredClone(req);
    toRequest(req, target);
    expect(req).toEqual(copy);
  });

  it.each<[string, Partial<ChatRequest>, string]>([
    ['top_logprobs without logprobs', { top_logprobs: 3 }, 'top_logprobs'],
    ['an unknown response_format', { response_format: { type: 'grammar' } }, 'response_format.type'],
    ['a json_schema description', { response_format: { type: 'json_schema', json_schema: { name: 'x', description: 'd', schema: {} } } }, 'response_format.json_schema.description'],
    ['a schema keyword Gemini does not enforce', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', pattern: '^a' } } } }, 'response_format.json_schema.schema.pattern'],
    ['parallel_tool_calls false with tools', { tools: [weather], parallel_tool_calls: false }, 'parallel_tool_calls'],
    ['logit_bias', { logit_bias: { 1: 2 } }, 'logit_bias'],
    ['an unknown field', { reasoning_effort: 'low' }, 'reasoning_effort'],
    ['a legacy function message', { messages: [{ role: 'function' as 'tool', content: 'r', name: 'f' }] }, 'messages[0].role'],
    ['a message name', { messages: [{ role: 'user', content: 'hi', name: 'bob' }] }, 'messages[0].name'],
  ])('refuses %s, naming the field', (_name, req, param) => {
    const error = refusal(req);
    expect(error.param).toBe(param);
    expect(error.provider).toBe('gemini');
  });
});
