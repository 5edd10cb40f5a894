import { describe, expect, it } from 'vitest';
import { openaiAuth, openaiChat, openaiFault, openaiModel, openaiModelList } from '../../../../bench/sim/openai.js';
import type { JsonReply, Reply, StreamReply } from '../../../../bench/sim/wire.js';

const ctx = { id: 'x1', nowS: 1_800_000_000, replyTokens: 16 };
const user = (content: unknown) => ({ role: 'user', content });

function json(reply: Reply): { status: number; body: any } {
  expect(reply.kind).toBe('json');
  const r = reply as JsonReply;
  return { status: r.status, body: JSON.parse(r.body) };
}

function events(reply: Reply): string[] {
  expect(reply.kind).toBe('stream');
  const s = reply as StreamReply;
  const text = s.head + s.content.join('') + s.tail;
  expect(text.endsWith('\n\n')).toBe(true);
  return text.slice(0, -2).split('\n\n').map((frame) => {
    expect(frame.startsWith('data: ')).toBe(true);
    return frame.slice('data: '.length);
  });
}

describe('openaiChat (JSON)', () => {
  it('answers a chat completion with the simulated label, usage and fingerprint', () => {
    const { status, body } = json(openaiChat({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'be brief' }, user('hello there')] }, ctx));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'chatcmpl-simx1', object: 'chat.completion', created: ctx.nowS, model: 'gpt-4o-mini',
      system_fingerprint: 'simulated', service_tier: 'default',
      choices: [{ index: 0, message: { role: 'assistant', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3 + 2 + 3 + 3, completion_tokens: 16, total_tokens: 11 + 16, prompt_tokens_details: { cached_tokens: 0 } },
    });
    const content: string = body.choices[0].message.content;
    expect(content.startsWith('[simulated gpt-4o-mini] ')).toBe(true);
    expect(content.split(' ').length - 2).toBe(16);
  });

  it('stops at max_completion_tokens or max_tokens with finish_reason length', () => {
    expect(json(openaiChat({ model: 'm', messages: [user('q')], max_tokens: 4 }, ctx)).body).toMatchObject({ choices: [{ finish_reason: 'length' }], usage: { completion_tokens: 4 } });
    expect(json(openaiChat({ model: 'm', messages: [user('q')], max_completion_tokens: 2, max_tokens: 9 }, ctx)).body).toMatchObject({ usage: { completion_tokens: 2 } });
  });

  it('replies from the last user message, whatever follows it', () => {
    const a = json(openaiChat({ model: 'm', messages: [user('first'), { role: 'assistant', content: 'ok' }, user([{ type: 'text', text: 'second' }])] }, ctx)).body;
    const b = json(openaiChat({ model: 'm', messages: [user('second')] }, ctx)).body;
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
  });

  it.each([
    [{ messages: [user('x')] }, 'you must provide a model parameter', null, null],
    [{ model: 'm' }, "Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter'],
    [{ model: 'm', messages: 'hi' }, "Invalid type for 'messages': expected an array of objects, but got a string instead.", 'messages', 'invalid_type'],
    [{ model: 'm', messages: [] }, expect.stringContaining("Invalid 'messages': empty array"), 'messages', 'empty_array'],
    [{ model: 'm', messages: [user('x')], max_tokens: 0 }, expect.stringContaining('Expected a value >= 1'), 'max_tokens', 'integer_below_min_value'],
    [{ model: 'm', messages: [user('x')], max_tokens: '5' }, expect.stringContaining("Invalid type for 'max_tokens'"), 'max_tokens', 'invalid_type'],
    [{ model: 'm', messages: [user('x')], stream_options: { include_usage: true } }, expect.stringContaining("'stream_options'"), 'stream_options', null],
  ])('rejects invalid input %# with a 400 in OpenAI shape', (body, message, param, code) => {
    const r = json(openaiChat(body, ctx));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { message, type: 'invalid_request_error', param, code } });
  });
});

describe('openaiChat (stream)', () => {
  it('sends role, content, finish, usage (choices: []) and [DONE] in order', () => {
    const frames = events(openaiChat({ model: 'gpt-4o', messages: [user('hi')], max_tokens: 3, stream: true, stream_options: { include_usage: true } }, ctx));
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f));
    expect(chunks).toHaveLength(1 + 3 + 1 + 1);
    for (const c of chunks) expect(c).toMatchObject({ id: 'chatcmpl-simx1', object: 'chat.completion.chunk', created: ctx.nowS, model: 'gpt-4o', system_fingerprint: 'simulated' });
    expect(chunks[0].choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]);
    expect(chunks[1].choices[0].delta.content).toMatch(/^\[simulated gpt-4o\] \w+$/);
    expect(chunks[4].choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }]);
    for (const c of chunks.slice(0, 5)) expect(c.usage).toBeNull();
    expect(chunks[5].choices).toEqual([]);
    expect(chunks[5].usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
    expect(chunks.slice(1, 4).map((c) => c.choices[0].delta.content).join('')).toBe(
      json(openaiChat({ model: 'gpt-4o', messages: [user('hi')], max_tokens: 3 }, ctx)).body.choices[0].message.content,
    );
  });

  it('omits the usage chunk and usage fields without include_usage', () => {
    const chunks = events(openaiChat({ model: 'm', messages: [user('hi')], stream: true }, ctx)).slice(0, -1).map((f) => JSON.parse(f));
    expect(chunks).toHaveLength(1 + 16 + 1);
    for (const c of chunks) expect(c).not.toHaveProperty('usage');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });

  it('puts one content frame per completion token', () => {
    const reply = openaiChat({ model: 'm', messages: [user('hi')], stream: true, max_tokens: 7 }, ctx) as StreamReply;
    expect(reply.content).toHaveLength(7);
  });
});

describe('OpenAI errors, auth and models', () => {
  it('maps fault statuses to the real error types', () => {
    expect(JSON.parse(openaiFault(429).body).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null });
    expect(JSON.parse(openaiFault(500).body).error).toMatchObject({ type: 'server_error', code: null });
    expect(JSON.parse(openaiFault(503).body).error).toMatchObject({ type: 'server_error' });
    expect(JSON.parse(openaiFault(400).body).error).toMatchObject({ type: 'invalid_request_error' });
    expect(openaiFault(502).status).toBe(502);
    expect(JSON.parse(openaiFault(502).body).error.message).toMatch(/^\[simulated\]/);
  });

  it('checks the bearer key without echoing it', () => {
    expect(openaiAuth({ authorization: 'Bearer sk-good' }, 'sk-good')).toBeUndefined();
    const wrong = openaiAuth({ authorization: 'Bearer sk-wrong' }, 'sk-good');
    expect(wrong?.status).toBe(401);
    expect(JSON.parse(wrong!.body).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    expect(wrong!.body).not.toContain('sk-wrong');
    expect(JSON.parse(openaiAuth({}, 'sk-good')!.body).error.message).toMatch(/didn't provide an API key/);
  });

  it('lists models and finds one, or answers model_not_found', () => {
    const list = JSON.parse(openaiModelList(['a', 'b']));
    expect(list).toEqual({ object: 'list', data: [
      { id: 'a', object: 'model', created: expect.any(Number), owned_by: 'simulated' },
      { id: 'b', object: 'model', created: expect.any(Number), owned_by: 'simulated' },
    ] });
    expect(JSON.parse(openaiModel('a', new Set(['a'])).body)).toMatchObject({ id: 'a', object: 'model' });
    const missing = openaiModel('zz', new Set(['a']));
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });
});
