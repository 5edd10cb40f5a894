/**
 * The canonical answers the Anthropic and Gemini adapters produce must be what the official
 * OpenAI SDK accepts: served over real HTTP, consumed by `openai` (the SDK clients use).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicAdapter } from '../../../../server/adapters/anthropic/index.js';
import { geminiAdapter } from '../../../../server/adapters/gemini/index.js';
import type { Adapter, ChatCompletion, ChatCompletionChunk, UpstreamTarget } from '../../../../server/adapters/types.js';
import { createSseParser } from '../../../../server/transport/sse.js';

const target: UpstreamTarget = { baseUrl: 'http://unused', apiKey: 'k', upstreamModel: 'm' };

interface Case {
  adapter: Adapter;
  upstreamStream: string;
  upstreamBody: unknown;
}

const anthropicEvents = [
  { type: 'message_start', message: { id: 'msg_1', model: 'claude-haiku-4-5', usage: { input_tokens: 10, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' world' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } },
  { type: 'message_stop' },
];

const geminiEvents = [
  { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] } }], responseId: 'r1', modelVersion: 'gemini-2.5-flash' },
  {
    candidates: [{ content: { role: 'model', parts: [{ text: ' world' }] }, finishReason: 'STOP' }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2, totalTokenCount: 12 },
    responseId: 'r1',
    modelVersion: 'gemini-2.5-flash',
  },
];

const cases: Record<string, Case> = {
  anthropic: {
    adapter: anthropicAdapter,
    upstreamStream: anthropicEvents.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''),
    upstreamBody: {
      id: 'msg_1',
      model: 'claude-haiku-4-5',
      content: [{ type: 'text', text: 'Hello world' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 2 },
    },
  },
  gemini: {
    adapter: geminiAdapter,
    upstreamStream: geminiEvents.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''),
    upstreamBody: {
      candidates: [{ content: { role: 'model', parts: [{ text: 'Hello world' }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2, totalTokenCount: 12 },
      responseId: 'r1',
      modelVersion: 'gemini-2.5-flash',
    },
  },
};

// What the gateway would answer: the adapter's canonical output, served in OpenAI's wire form.
function canonicalStream(c: Case): ChatCompletionChunk[] {
  const decoder = c.adapter.createStreamDecoder(target);
  const chunks = createSseParser()
    .push(c.upstreamStream)
    .flatMap((event) => decoder.push(event));
  expect(decoder.done).toBe(true);
  return chunks;
}

let server: Server;
let client: OpenAI;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const c = cases[req.headers['x-case'] as string] as Case;
      const body = JSON.parse(raw) as { stream?: boolean };
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const chunk of canonicalStream(c)) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        res.end('data: [DONE]\n\n');
      } else {
        const completion: ChatCompletion = c.adapter.fromResponse(c.upstreamBody, target);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(completion));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-test', maxRetries: 0 });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe.each(Object.keys(cases))('the OpenAI SDK accepts canonical %s output', (name) => {
  const headers = { 'x-case': name };

  it('as a completion', async () => {
    const completion = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }, { headers });
    expect(completion.choices[0]?.message.content).toBe('Hello world');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
  });

  it('as a stream the SDK assembles into a final completion', async () => {
    const stream = client.chat.completions.stream({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } }, { headers });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('Hello world');
    expect(final.choices[0]?.message.role).toBe('assistant');
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
  });
});
