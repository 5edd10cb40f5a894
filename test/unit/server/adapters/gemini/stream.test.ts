import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fromResponse } from '../../../../../server/adapters/gemini/response.js';
import { createStreamDecoder } from '../../../../../server/adapters/gemini/stream.js';
import { UpstreamError } from '../../../../../server/adapters/openai/error.js';
import type { ChatCompletionChunk, StreamDecoder, UpstreamTarget } from '../../../../../server/adapters/types.js';
import { createSseParser } from '../../../../../server/transport/sse.js';

const target: UpstreamTarget = { baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'k', upstreamModel: 'gemini-2.5-flash' };
const NOW_S = 1_700_000_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_S * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

// alt=sse writes each GenerateContentResponse as one data line, separated by CRLF pairs.
function sse(responses: Array<Record<string, unknown>>): string {
  return responses.map((r) => `data: ${JSON.stringify(r)}\r\n\r\n`).join('');
}

function decodeAll(decoder: StreamDecoder, wire: string): ChatCompletionChunk[] {
  return createSseParser().push(wire).flatMap((event) => decoder.push(event));
}

const part = (text: string, extra: Record<string, unknown> = {}) => ({
  candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...extra }],
  usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'resp-1',
});

const head = { id: 'chatcmpl-resp-1', object: 'chat.completion.chunk', created: NOW_S, model: 'gemini-2.5-flash' } as const;

describe('gemini stream decoder', () => {
  it('maps a whole stream to canonical chunks with usage and the end', () => {
    const decoder = createStreamDecoder(target);
    const wire = sse([
      part('Hel'),
      part('lo'),
      { ...part('!', { finishReason: 'STOP' }), usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 3, thoughtsTokenCount: 2, totalTokenCount: 13 } },
    ]);
    const usage = { prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 };
    expect(decodeAll(decoder, wire)).toEqual([
      { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: '!' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { ...head, choices: [], usage },
    ]);
    expect(decoder.usage).toEqual(usage);
    expect(decoder.done).toBe(true);
  });

  it('is not done before a finishReason, and keeps the latest usage', () => {
    const decoder = createStreamDecoder(target);
    decodeAll(decoder, sse([part('a'), { ...part('b'), usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 2, totalTokenCount: 10 } }]));
    expect(decoder.done).toBe(false);
    expect(decoder.usage).toEqual({ prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 });
  });

  it('leaves thought summaries out and sends no empty content chunks', () => {
    const decoder = createStreamDecoder(target);
    const thought = { candidates: [{ content: { parts: [{ text: 'thinking', thought: true }] } }], responseId: 'resp-1', modelVersion: 'gemini-2.5-flash' };
    expect(decodeAll(decoder, sse([thought, thought, part('Hi')]))).toEqual([
      { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] },
    ]);
  });

  it('ends with content_filter when the prompt is blocked', () => {
    const decoder = createStreamDecoder(target);
    const blocked = { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 }, responseId: 'resp-1', modelVersion: 'gemini-2.5-flash' };
    expect(decodeAll(decoder, sse([blocked]))).toEqual([
      { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'content_filter' }] },
      { ...head, choices: [], usage: { prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 } },
    ]);
    expect(decoder.done).toBe(true);
  });

  it('emits each whole function call as one complete tool_call delta, then tool_calls and usage', () => {
    const decoder = createStreamDecoder(target);
    const calls = (parts: unknown[], extra: Record<string, unknown> = {}) => ({
      candidates: [{ content: { role: 'model', parts }, index: 0, ...extra }],
      modelVersion: 'gemini-2.5-flash',
      responseId: 'resp-1',
    });
    const wire = sse([
      calls([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'sig' }]),
      { ...calls([{ functionCall: { id: 'g-2', name: 'get_time', args: {} } }], { finishReason: 'STOP' }), usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 4, totalTokenCount: 13 } },
    ]);
    const chunks = decodeAll(decoder, wire);
    const firstId = (chunks[0]?.choices[0]?.delta.tool_calls as Array<{ id: string }>)[0]?.id;
    expect(chunks).toEqual([
      {
        ...head,
        choices: [{
          index: 0,
          delta: {
            role: 'assistant',
            content: null,
            tool_calls: [{ index: 0, id: firstId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'sig' } } }],
          },
          finish_reason: null,
        }],
      },
      { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'g-2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      { ...head, choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
    ]);
    expect(decoder.done).toBe(true);
    // The same answer unstreamed carries the same ids.
    const whole = fromResponse({
      candidates: [{ content: { parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { id: 'g-2', name: 'get_time', args: {} } }] }, finishReason: 'STOP' }],
      responseId: 'resp-1',
    }, target);
    expect((whole.choices[0]?.message.tool_calls as Array<{ id: string }>).map((c) => c.id)).toEqual([firstId, 'g-2']);
  });

  it('carries logprobs on the content chunks', () => {
    const decoder = createStreamDecoder(target);
    const logprobsResult = { chosenCandidates: [{ token: 'Hi', logProbability: -0.1 }], topCandidates: [{ candidates: [{ token: 'Hi', logProbability: -0.1 }] }] };
    const [first] = decodeAll(decoder, sse([part('Hi', { logprobsResult })]));
    expect(first?.choices[0]?.logprobs).toEqual({
      content: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105] }] }],
      refusal: null,
    });
  });

  it('keeps candidates apart and is done only when every one has finished', () => {
    const decoder = createStreamDecoder(target);
    const two = (a: Record<string, unknown>, b: Record<string, unknown>) => ({ candidates: [{ index: 0, ...a }, { index: 1, ...b }], responseId: 'resp-1', modelVersion: 'gemini-2.5-flash' });
    const text = (t: string) => ({ content: { parts: [{ text: t }] } });
    const chunks = decodeAll(decoder, sse([two(text('A'), text('B')), two({ ...text('a'), finishReason: 'STOP' }, text('b'))]));
    expect(decoder.done).toBe(false);
    expect(chunks.map((c) => [c.choices[0]?.index, c.choices[0]?.delta, c.choices[0]?.finish_reason])).toEqual([
      [0, { role: 'assistant', content: 'A' }, null],
      [1, { role: 'assistant', content: 'B' }, null],
      [0, { content: 'a' }, null],
      [0, {}, 'stop'],
      [1, { content: 'b' }, null],
    ]);
    const end = decodeAll(decoder, sse([{ candidates: [{ index: 1, finishReason: 'MAX_TOKENS' }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 4, totalTokenCount: 5 } }]));
    expect(end.map((c) => c.choices)).toEqual([[{ index: 1, delta: {}, finish_reason: 'length' }], []]);
    expect(decoder.done).toBe(true);
  });

  it('throws UpstreamError carrying the mapped error for an error event', () => {
    const decoder = createStreamDecoder(target);
    let thrown: unknown;
    try {
      decodeAll(decoder, sse([{ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }]));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect((thrown as UpstreamError).info).toEqual({ message: 'The model is overloaded.', type: 'server_error', code: 'UNAVAILABLE' });
  });

  it('throws UpstreamError for an event that is not JSON', () => {
    expect(() => createStreamDecoder(target).push({ data: 'candidates' })).toThrow(UpstreamError);
  });
});
