import { describe, expect, it } from 'vitest';
import { toRequest } from '../../../../../server/adapters/openai/request.js';
import type { ChatRequest, UpstreamTarget } from '../../../../../server/adapters/types.js';

const target: UpstreamTarget = { baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test', upstreamModel: 'gpt-4o-mini-2024-07-18' };

describe('openai toRequest', () => {
  it('posts to {baseUrl}/chat/completions with a bearer key', () => {
    const built = toRequest({ model: 'cheap', messages: [{ role: 'user', content: 'hi' }] }, target);
    expect(built.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(built.headers).toEqual({ authorization: 'Bearer sk-test', 'content-type': 'application/json' });
  });

  it.each<[string, ChatRequest, Record<string, unknown>]>([
    [
      'replaces only the model',
      { model: 'cheap', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 },
      { model: 'gpt-4o-mini-2024-07-18', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 },
    ],
    [
      'passes fields it does not know through untouched',
      {
        model: 'cheap',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:x' } }] }],
        tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
        response_format: { type: 'json_object' },
        logprobs: true,
        n: 3,
        seed: 7,
        user: 'u1',
      },
      {
        model: 'gpt-4o-mini-2024-07-18',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:x' } }] }],
        tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
        response_format: { type: 'json_object' },
        logprobs: true,
        n: 3,
        seed: 7,
        user: 'u1',
      },
    ],
    [
      'drops the gateway-owned metadata',
      { model: 'cheap', messages: [], metadata: { team: 'search' } },
      { model: 'gpt-4o-mini-2024-07-18', messages: [] },
    ],
    [
      'asks a stream for usage',
      { model: 'cheap', messages: [], stream: true },
      { model: 'gpt-4o-mini-2024-07-18', messages: [], stream: true, stream_options: { include_usage: true } },
    ],
    [
      'asks a stream for usage even when the client said no, keeping its other options',
      { model: 'cheap', messages: [], stream: true, stream_options: { include_usage: false, include_obfuscation: false } as ChatRequest['stream_options'] },
      {
        model: 'gpt-4o-mini-2024-07-18',
        messages: [],
        stream: true,
        stream_options: { include_usage: true, include_obfuscation: false },
      },
    ],
    [
      'leaves a non-stream request without stream_options',
      { model: 'cheap', messages: [], stream: false },
      { model: 'gpt-4o-mini-2024-07-18', messages: [], stream: false },
    ],
  ])('%s', (_name, req, expectedBody) => {
    expect(JSON.parse(toRequest(req, target).body)).toEqual(expectedBody);
  });

  it('keeps the field order of the client request', () => {
    const body = toRequest({ temperature: 1, model: 'cheap', messages: [] }, target).body;
    expect(body).toBe('{"temperature":1,"model":"gpt-4o-mini-2024-07-18","messages":[]}');
  });

  it('does not modify the request it was given', () => {
    const req: ChatRequest = { model: 'cheap', messages: [], stream: true, stream_options: { include_usage: false }, metadata: { a: 1 } };
    const copy = structuredClone(req);
    toRequest(req, target);
    expect(req).toEqual(copy);
  });
});
