// The simulated providers over real HTTP: the official openai SDK for the OpenAI format, raw
// fetch for the Anthropic and Gemini formats, and the scripted faults as a client meets them.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';

let sim: SimHandle;

beforeAll(async () => {
  sim = await startSim({
    models: {
      'down-model': { status: 503 },
      'limited-model': { status: 429, retryAfterS: 7 },
      'custom-model': { status: 500, body: { error: { message: 'scripted', type: 'server_error', param: null, code: 'x' } } },
      'hung-model': { hang: true },
      'reset-model': { reset: true },
      'cut-model': { cutAfterChunks: 2 },
    },
  });
});

afterAll(async () => {
  await sim.close();
});

function client(apiKey = 'sk-sim'): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey, maxRetries: 0 });
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

const post2 = (url: string, headers: Record<string, string>): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }) });

const userMessage = [{ role: 'user' as const, content: 'Which route is cheapest?' }];

describe('OpenAI format through the official SDK', () => {
  it('answers a chat completion, labelled simulated', async () => {
    const { data, response } = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 5 }).withResponse();
    expect(response.headers.get('x-simulated')).toBe('true');
    expect(data.system_fingerprint).toBe('simulated');
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices[0]?.message.content).toMatch(/^\[simulated gpt-4o-mini\]( \w+){5}$/);
    expect(data.choices[0]?.finish_reason).toBe('length');
    expect(data.usage).toMatchObject({ completion_tokens: 5, prompt_tokens: 3 + 6, total_tokens: 14 });
  });

  it('streams content deltas whose count is the usage chunk\'s completion_tokens', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-4o-mini', messages: userMessage, stream: true, stream_options: { include_usage: true },
    });
    let deltas = 0;
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let usageChunkChoices: number | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) {
        usage = chunk.usage;
        usageChunkChoices = chunk.choices.length;
      }
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        deltas++;
        text += choice.delta.content;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(finish).toBe('stop');
    expect(usageChunkChoices).toBe(0);
    expect(usage?.completion_tokens).toBe(16);
    expect(deltas).toBe(usage?.completion_tokens);
    const whole = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage });
    expect(text).toBe(whole.choices[0]?.message.content);
  });

  it('lists well-known and scripted models', async () => {
    const ids: string[] = [];
    for await (const m of client().models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o-mini', 'claude-3-5-haiku-latest', 'gemini-2.0-flash', 'down-model']));
    expect((await client().models.retrieve('down-model')).id).toBe('down-model');
  });

  it('surfaces scripted statuses as the SDK\'s error classes', async () => {
    const err503 = await client().chat.completions.create({ model: 'down-model', messages: userMessage }).catch((e: unknown) => e);
    expect(err503).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err503 as OpenAI.APIError).status).toBe(503);
    expect((err503 as OpenAI.APIError).type).toBe('server_error');

    const err429 = await client().chat.completions.create({ model: 'limited-model', messages: userMessage }).catch((e: unknown) => e);
    expect(err429).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err429 as OpenAI.APIError).headers?.get('retry-after')).toBe('7');
    expect((err429 as OpenAI.APIError).code).toBe('rate_limit_exceeded');

    const custom = await client().chat.completions.create({ model: 'custom-model', messages: userMessage }).catch((e: unknown) => e);
    expect((custom as OpenAI.APIError).code).toBe('x');

    const byHeader = await client().chat.completions.create({ model: 'gpt-4o', messages: userMessage }, { headers: { 'x-sim-status': '400' } }).catch((e: unknown) => e);
    expect(byHeader).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('answers invalid input and unknown paths with OpenAI errors', async () => {
    const bad = await client().chat.completions.create({ model: 'gpt-4o', messages: [] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as OpenAI.APIError).param).toBe('messages');

    const res = await fetch(`${sim.url}/v1/nowhere`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-simulated')).toBe('true');
    expect(await res.json()).toEqual({ error: { message: 'Invalid URL (GET /v1/nowhere)', type: 'invalid_request_error', param: null, code: null } });
  });
});

// Reads an SSE body into [event name | undefined, data] pairs; separators may be \n or \r\n.
async function readSse(res: Response): Promise<Array<[string | undefined, string]>> {
  const text = await res.text();
  return text.split(/\r?\n\r?\n/).filter((f) => f !== '').map((frame) => {
    let name: string | undefined;
    let data = '';
    for (const line of frame.split(/\r?\n/)) {
      if (line.startsWith('event: ')) name = line.slice(7);
      if (line.startsWith('data: ')) data += line.slice(6);
    }
    return [name, data];
  });
}

describe('Anthropic format over fetch', () => {
  const headers = { 'anthropic-version': '2023-06-01', 'x-api-key': 'k' };
  const body = { model: 'claude-3-5-haiku-latest', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] };

  it('answers a message', async () => {
    const res = await post('/v1/messages', body, headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-simulated')).toBe('true');
    expect(res.headers.get('request-id')).toMatch(/^req_sim/);
    const msg = await res.json() as { content: Array<{ text: string }>; stop_reason: string; usage: { output_tokens: number } };
    expect(msg.content[0]?.text).toMatch(/^\[simulated claude-3-5-haiku-latest\]( \w+){4}$/);
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.usage.output_tokens).toBe(4);
  });

  it('streams events in the documented order', async () => {
    const res = await post('/v1/messages', { ...body, stream: true }, headers);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(res);
    expect(events.map(([name]) => name)).toEqual([
      'message_start', 'content_block_start', 'ping',
      'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    const delta = JSON.parse(events[8]![1]) as { usage: { output_tokens: number }; delta: { stop_reason: string } };
    expect(delta).toMatchObject({ usage: { output_tokens: 4 }, delta: { stop_reason: 'max_tokens' } });
  });

  it('answers scripted faults in Anthropic shape', async () => {
    const res = await post('/v1/messages', { ...body, model: 'limited-model' }, headers);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const overloaded = await post('/v1/messages', body, { ...headers, 'x-sim-status': '529' });
    expect(await overloaded.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
});

describe('Gemini format over fetch', () => {
  const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 3 } };

  it('answers generateContent', async () => {
    const res = await post('/v1beta/models/gemini-2.0-flash:generateContent', body);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-simulated')).toBe('true');
    const out = await res.json() as { candidates: Array<{ content: { parts: Array<{ text: string }> }; finishReason: string }>; usageMetadata: Record<string, number> };
    expect(out.candidates[0]?.content.parts[0]?.text).toMatch(/^\[simulated gemini-2.0-flash\]( \w+){3}$/);
    expect(out.candidates[0]?.finishReason).toBe('MAX_TOKENS');
    expect(out.usageMetadata).toMatchObject({ promptTokenCount: 4, candidatesTokenCount: 3, totalTokenCount: 7 });
  });

  it('streams with alt=sse, finishReason and full usage on the last record', async () => {
    const res = await post('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', body);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const records = (await readSse(res)).map(([, data]) => JSON.parse(data) as { candidates: Array<{ finishReason?: string; content: { parts: Array<{ text: string }> } }>; usageMetadata: { candidatesTokenCount: number } });
    expect(records).toHaveLength(3);
    expect(records.at(-1)?.candidates[0]?.finishReason).toBe('MAX_TOKENS');
    expect(records.at(-1)?.usageMetadata.candidatesTokenCount).toBe(3);
    expect(records.map((r) => r.candidates[0]?.content.parts[0]?.text).join('')).toMatch(/^\[simulated gemini-2.0-flash\]( \w+){3}$/);
  });

  it('answers scripted faults in Gemini shape', async () => {
    const res = await post('/v1beta/models/down-model:generateContent', body);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 503, message: expect.any(String), status: 'UNAVAILABLE' } });
  });
});

describe('network faults', () => {
  it('hangs until the client gives up', async () => {
    const started = performance.now();
    const err = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST', body: JSON.stringify({ model: 'hung-model', messages: userMessage }), signal: AbortSignal.timeout(150),
    }).then(() => undefined, (e: unknown) => e);
    expect((err as Error | undefined)?.name).toBe('TimeoutError');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('ends hung requests promptly on close()', async () => {
    const own = await startSim();
    const outcome = post2(own.url, { 'x-sim-hang': '1' }).then(() => 'answered', () => 'dropped');
    while (own.requests < 1) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    await own.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await outcome).toBe('dropped');
  });

  it('resets the connection before any byte', async () => {
    await expect(post('/v1/chat/completions', { model: 'reset-model', messages: userMessage })).rejects.toThrow(TypeError);
    await expect(post('/v1/messages', {}, { 'x-sim-reset': '1' })).rejects.toThrow(TypeError);
  });

  it('cuts a stream after N content chunks, without [DONE]', async () => {
    const res = await post('/v1/chat/completions', { model: 'cut-model', messages: userMessage, stream: true });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const err = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        text += decoder.decode(value, { stream: true });
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(text).not.toContain('[DONE]');
    const contents = text.split('\n\n').filter((f) => f.includes('"content":"') && !f.includes('"role"'));
    expect(contents).toHaveLength(2);
  });

  it('cuts before the first chunk with x-sim-cut-after: 0, after the 200 headers', async () => {
    const res = await post('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', { contents: [{ parts: [{ text: 'x' }] }] }, { 'x-sim-cut-after': '0' });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('delays the response headers by x-sim-latency-ms', async () => {
    const started = performance.now();
    const res = await post('/v1/chat/completions', { model: 'gpt-4o', messages: userMessage }, { 'x-sim-latency-ms': '60' });
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});

describe('counting and auth', () => {
  it('counts every request, on any path', async () => {
    const own = await startSim();
    try {
      expect(own.requests).toBe(0);
      await (await fetch(`${own.url}/nowhere`)).text();
      await (await post2(own.url, {})).text();
      expect(own.requests).toBe(2);
      expect(own.url).toBe(`http://127.0.0.1:${own.port}`);
    } finally {
      await own.close();
    }
  });

  it('requires the key in each provider\'s own header and answers like that provider', async () => {
    const own = await startSim({ apiKey: 'sk-right' });
    try {
      const openai = (apiKey: string) => new OpenAI({ baseURL: `${own.url}/v1`, apiKey, maxRetries: 0 });
      const ok = await openai('sk-right').chat.completions.create({ model: 'gpt-4o', messages: userMessage });
      expect(ok.choices[0]?.message.content).toMatch(/^\[simulated gpt-4o\]/);
      const denied = await openai('sk-wrong').chat.completions.create({ model: 'gpt-4o', messages: userMessage }).catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((denied as OpenAI.APIError).code).toBe('invalid_api_key');
      expect(JSON.stringify((denied as OpenAI.APIError).error)).not.toContain('sk-wrong');
      expect((await fetch(`${own.url}/v1/models`)).status).toBe(401);

      const messages = { model: 'claude-3-5-haiku-latest', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] };
      const anthropic = (key: string) => fetch(`${own.url}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01', 'x-api-key': key }, body: JSON.stringify(messages) });
      expect((await anthropic('sk-right')).status).toBe(200);
      const anthropicDenied = await anthropic('sk-wrong');
      expect(anthropicDenied.status).toBe(401);
      expect(await anthropicDenied.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

      const gemini = (query: string, headers: Record<string, string> = {}) => fetch(`${own.url}/v1beta/models/gemini-2.0-flash:generateContent${query}`, {
        method: 'POST', headers, body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
      });
      expect((await gemini('?key=sk-right')).status).toBe(200);
      expect((await gemini('', { 'x-goog-api-key': 'sk-right' })).status).toBe(200);
      const geminiDenied = await gemini('?key=sk-wrong');
      expect(geminiDenied.status).toBe(400);
      expect(await geminiDenied.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
      expect((await gemini('')).status).toBe(403);
    } finally {
      await own.close();
    }
  });
});

describe('pacing', () => {
  let paced: SimHandle;
  beforeAll(async () => {
    paced = await startSim({ chunkDelayMs: 40, replyTokens: 4 });
  });
  afterAll(async () => {
    await paced.close();
  });

  // Each read's arrival time (ms since the request) and text.
  async function timedReads(res: Response, started: number): Promise<Array<{ at: number; text: string }>> {
    const reads: Array<{ at: number; text: string }> = [];
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return reads;
      reads.push({ at: performance.now() - started, text: decoder.decode(value, { stream: true }) });
    }
  }

  it('delivers each chunk when it is written, not buffered to the end', async () => {
    const started = performance.now();
    const res = await fetch(`${paced.url}/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-3-5-haiku-latest', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const reads = await timedReads(res, started);
    // Frames go out 40 ms apart: the first delta at ~40 ms, message_stop at ~200 ms. Had the
    // stream been buffered, everything would arrive in one read at the end.
    const firstDelta = reads.find((r) => r.text.includes('content_block_delta'))!;
    expect(reads.at(-1)!.text).toContain('message_stop');
    expect(reads.at(-1)!.at - firstDelta.at).toBeGreaterThanOrEqual(100);
  });

  it('cuts a paced stream after N chunks', async () => {
    const res = await fetch(`${paced.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: 'POST', headers: { 'x-sim-cut-after': '2' }, body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    const err = await timedReads(res, performance.now()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });

  it('cuts a JSON body half-way when a non-streaming request is cut', async () => {
    const res = await fetch(`${paced.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'x-sim-cut-after': '1' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });
});
