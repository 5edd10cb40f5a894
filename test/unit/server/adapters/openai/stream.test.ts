import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../../../server/adapters/openai/error.js';
import { createStreamDecoder } from '../../../../../server/adapters/openai/stream.js';
import type { ChatCompletionChunk, UpstreamTarget } from '../../../../../server/adapters/types.js';
import { createSseParser } from '../../../../../server/transport/sse.js';

const target: UpstreamTarget = { baseUrl: 'https://api.openai.com/v1', apiKey: 'k', upstreamModel: 'gpt-4o-mini' };

const first = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null };
const text = { ...first, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] };
const last = { ...first, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
const usageChunk = { ...first, choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };

// As OpenAI sends it with stream_options.include_usage.
const wire = [first, text, last, usageChunk].map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';

describe('openai stream decoder', () => {
  it('turns each data event into its chunk, records usage, and ends at [DONE]', () => {
    const parser = createSseParser();
    const decoder = createStreamDecoder(target);
    const chunks: ChatCompletionChunk[] = [];
    for (const event of parser.push(wire)) {
      expect(decoder.done).toBe(false);
      chunks.push(...decoder.push(event));
    }
    expect(chunks).toEqual([first, text, last, usageChunk]);
    expect(decoder.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
    expect(decoder.done).toBe(true);
  });

  it('has no usage before a chunk carries it', () => {
    const decoder = createStreamDecoder(target);
    decoder.push({ data: JSON.stringify(text) });
    expect(decoder.usage).toBeNull();
    expect(decoder.done).toBe(false);
  });

  it('gives the usage-only chunk an empty choices array when a server sends null (vLLM)', () => {
    const decoder = createStreamDecoder(target);
    const [chunk] = decoder.push({ data: JSON.stringify({ ...usageChunk, choices: null }) });
    expect(chunk?.choices).toEqual([]);
    expect(decoder.usage).toEqual(usageChunk.usage);
  });

  it('ignores events after [DONE]', () => {
    const decoder = createStreamDecoder(target);
    decoder.push({ data: '[DONE]' });
    expect(decoder.push({ data: JSON.stringify(text) })).toEqual([]);
  });

  it('throws UpstreamError carrying the mapped error for an error event', () => {
    const decoder = createStreamDecoder(target);
    const event = { data: JSON.stringify({ error: { message: 'The server had an error', type: 'server_error', code: null } }) };
    expect(() => decoder.push(event)).toThrow(UpstreamError);
    try {
      decoder.push(event);
    } catch (error) {
      expect((error as UpstreamError).info).toEqual({ message: 'The server had an error', type: 'server_error', code: null });
    }
  });

  it.each([['not JSON', 'data: {'], ['a JSON string', '"x"']])('throws UpstreamError for an event that is %s', (_name, data) => {
    expect(() => createStreamDecoder(target).push({ data })).toThrow(UpstreamError);
  });
});
