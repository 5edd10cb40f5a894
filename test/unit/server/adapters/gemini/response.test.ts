import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { candidateToolCallsOf, finishReasonOf, fromResponse, tokenLogprobsOf, usageOf } from '../../../../../server/adapters/gemini/response.js';
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
    [
      'function calls become tool_calls: the given id kept, the signature carried, STOP becomes tool_calls',
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { id: 'fc-1', name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' },
                { functionCall: { id: 'fc-2', name: 'get_time' } },
              ],
            },
            finishReason: 'STOP',
          },
        ],
        responseId: 'r4',
      },
      {
        id: 'chatcmpl-r4',
        object: 'chat.completion',
        created: NOW_S,
        model: 'gemini-2.5-flash',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'fc-1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'c2ln' } } },
                { id: 'fc-2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
              ],
            },
            finish_reason: 'tool_calls',
            logprobs: null,
          },
        ],
      },
    ],
    [
      'several candidates become choices in index order, with logprobs',
      {
        candidates: [
          { index: 1, content: { parts: [{ text: 'B' }] }, finishReason: 'MAX_TOKENS' },
          {
            index: 0,
            content: { parts: [{ text: 'A' }] },
            finishReason: 'STOP',
            logprobsResult: {
              chosenCandidates: [{ token: 'A', logProbability: -0.5 }],
              topCandidates: [{ candidates: [{ token: 'A', logProbability: -0.5 }, { token: 'é', logProbability: -2 }] }],
            },
          },
        ],
        responseId: 'r5',
      },
      {
        id: 'chatcmpl-r5',
        object: 'chat.completion',
        created: NOW_S,
        model: 'gemini-2.5-flash',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'A' },
            finish_reason: 'stop',
            logprobs: {
              content: [{ token: 'A', logprob: -0.5, bytes: [65], top_logprobs: [{ token: 'A', logprob: -0.5, bytes: [65] }, { token: 'é', logprob: -2, bytes: [195, 169] }] }],
              refusal: null,
            },
          },
          { index: 1, message: { role: 'assistant', content: 'B' }, finish_reason: 'length', logprobs: null },
        ],
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
    ['IMAGE_PROHIBITED_CONTENT', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', 'MALFORMED_FUNCTION_CALL'],
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

  it.each<[unknown, string | null]>([
    ['STOP', 'tool_calls'],
    ['MAX_TOKENS', 'length'],
    [undefined, null],
  ])('%s after function calls -> %s', (finishReason, expected) => {
    expect(finishReasonOf(finishReason, true)).toBe(expected);
  });
});

describe('gemini usageOf', () => {
  it.each<[string, Parameters<typeof usageOf>[0], Usage]>([
    ['without total, the sum', { promptTokenCount: 2, candidatesTokenCount: 3 }, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }],
    ['empty', {}, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }],
    [
      'tool-use prompt tokens are prompt tokens',
      { promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 2, thoughtsTokenCount: 3, totalTokenCount: 20 },
      { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20 },
    ],
  ])('%s', (_name, usage, expected) => {
    expect(usageOf(usage)).toEqual(expected);
  });
});

describe('gemini candidateToolCallsOf', () => {
  const candidate = { content: { parts: [{ text: 'x' }, { functionCall: { name: 'f', args: { a: 1 } } }, { functionCall: { name: 'f', args: { a: 1 } } }] } };

  it('derives stable, distinct ids for calls Gemini gave none', () => {
    const calls = candidateToolCallsOf(candidate, 'resp-1', 0);
    expect(calls.map((c) => c.function)).toEqual([{ name: 'f', arguments: '{"a":1}' }, { name: 'f', arguments: '{"a":1}' }]);
    const [first, second] = calls.map((c) => c.id);
    expect(first).toMatch(/^call_[0-9a-f]{24}$/);
    expect(second).toMatch(/^call_[0-9a-f]{24}$/);
    expect(first).not.toBe(second);
    expect(candidateToolCallsOf(candidate, 'resp-1', 0).map((c) => c.id)).toEqual([first, second]);
    expect(candidateToolCallsOf(candidate, 'resp-2', 0)[0]?.id).not.toBe(first);
    expect(candidateToolCallsOf(candidate, 'resp-1', 1)[0]?.id).not.toBe(first);
    // Calls counted in earlier stream events shift the positions the ids derive from.
    expect(candidateToolCallsOf(candidate, 'resp-1', 0, 1)[0]?.id).toBe(second);
  });

  it('skips parts that are not function calls', () => {
    expect(candidateToolCallsOf({ content: { parts: [{ text: 'x' }, { functionCall: { args: {} } }] } }, 'r', 0)).toEqual([]);
    expect(candidateToolCallsOf(undefined, 'r', 0)).toEqual([]);
  });
});

describe('gemini tokenLogprobsOf', () => {
  it('pairs each chosen token with that step\'s top candidates; missing pieces become empty', () => {
    expect(tokenLogprobsOf({ chosenCandidates: [{ token: 'a', logProbability: -1 }, { token: 'b' }], topCandidates: [{}] })).toEqual([
      { token: 'a', logprob: -1, bytes: [97], top_logprobs: [] },
      { token: 'b', logprob: 0, bytes: [98], top_logprobs: [] },
    ]);
    expect(tokenLogprobsOf(undefined)).toEqual([]);
  });
});
