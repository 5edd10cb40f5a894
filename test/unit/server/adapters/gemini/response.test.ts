import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { finishReasonOf, fromResponse, usageOf } from '../../../../../server/adapters/gemini/response.js';
import { UpstreamError } from '../../../../../server/adapters/openai/error.js';
import type { ChatCompletion, Usage, UpstreamTarget } from '../../../../../server/adapters/types.js';

const target: UpstreamTarget = { baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'k', upstreamModel: 'gemini-2.5-flash' };
const NOW_S = 1_700_000_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_S * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('gemini fromResponse', () => {
  it.each<[string, unknown, ChatCompletion]>([
    [
      'a text answer with thinking and cache usage',
      {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'weighing it', thought: true }, { text: 'Hello' }, { text: ' there' }] },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 5, thoughtsTokenCount: 7, totalTokenCount: 23, cachedContentTokenCount: 4 },
        modelVersion: 'gemini-2.5-flash-001',
        responseId: 'mKZ2aNvYBeq',
      },
      {
        id: 'chatcmpl-mKZ2aNvYBeq',
        object: 'chat.completion',
        created: NOW_S,
        model: 'gemini-2.5-flash-001',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 11, completion_tokens: 12, total_tokens: 23, prompt_tokens_details: { cached_tokens: 4 } },
      },
    ],
    [
      'a cut-off answer without ids falls back to the target model',
      { candidates: [{ content: { parts: [{ text: 'Once upon' }] }, finishReason: 'MAX_TOKENS' }] },
      {
        id: 'chatcmpl-gemini',
        object: 'chat.completion',
        created: NOW_S,
        model: 'gemini-2.5-flash',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Once upon' }, finish_reason: 'length', logprobs: null }],
      },
    ],
    [
      'a candidate stopped for safety, with no content',
      { candidates: [{ finishReason: 'SAFETY', safetyRatings: [] }], responseId: 'r2' },
      {
        id: 'chatcmpl-r2',
        object: 'chat.completion',
        created: NOW_S,
        model: 'gemini-2.5-flash',
        choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter', logprobs: null }],
      },
    ],
    [
      'a blocked prompt has no candidate',
      { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, responseId: 'r3' },
      {
        id: 'chatcmpl-r3',
        object: 'chat.completion',
        created: NOW_S,
        model: 'gemini-2.5-flash',
        choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter', logprobs: null }],
        usage: { prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 },
      },
    ],
  ])('%s', (_name, body, expected) => {
    expect(fromResponse(body, target)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ candidates: [] }]],
  ])('throws UpstreamError for %s', (_name, body) => {
    expect(() => fromResponse(body, target)).toThrow(UpstreamError);
  });
});

describe('gemini finishReasonOf', () => {
  it.each<[unknown, string | null]>([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['OTHER', 'OTHER'],
    [undefined, null],
  ])('%s -> %s', (finishReason, expected) => {
    expect(finishReasonOf(finishReason)).toBe(expected);
  });
});

describe('gemini usageOf', () => {
  it.each<[string, Parameters<typeof usageOf>[0], Usage]>([
    ['without total, the sum', { promptTokenCount: 2, candidatesTokenCount: 3 }, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }],
    ['empty', {}, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
  ])('%s', (_name, usage, expected) => {
    expect(usageOf(usage)).toEqual(expected);
  });
});
