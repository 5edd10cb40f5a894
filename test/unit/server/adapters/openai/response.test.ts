import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../../../../../server/adapters/openai/error.js';
import { fromResponse, normalizeUsage, unixNow } from '../../../../../server/adapters/openai/response.js';
import type { UpstreamTarget } from '../../../../../server/adapters/types.js';

const target: UpstreamTarget = { baseUrl: 'https://api.openai.com/v1', apiKey: 'k', upstreamModel: 'gpt-4o-mini' };
const NOW_S = 1_700_000_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_S * 1000 + 999);
});
afterEach(() => {
  vi.useRealTimers();
});

const completion = {
  id: 'chatcmpl-abc',
  object: 'chat.completion',
  created: 1_699_999_999,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: { cached_tokens: 0 } },
  system_fingerprint: 'fp_1',
};

describe('openai fromResponse', () => {
  it('returns the body as it came, extra fields included', () => {
    expect(fromResponse(structuredClone(completion), target)).toEqual(completion);
  });

  it('fills created from the clock when a compatible server omits it', () => {
    const { created: _omitted, ...body } = completion;
    expect(fromResponse(body, target)).toEqual({ ...completion, created: NOW_S });
  });

  it('puts DeepSeek cache hits where OpenAI reports cached tokens, leaving the body as it came', () => {
    const body = { ...structuredClone(completion), usage: { prompt_tokens: 50, completion_tokens: 1, total_tokens: 51, prompt_cache_hit_tokens: 32, prompt_cache_miss_tokens: 18 } };
    const copy = structuredClone(body);
    expect(fromResponse(body, target).usage).toEqual({ ...copy.usage, prompt_tokens_details: { cached_tokens: 32 } });
    expect(body).toEqual(copy);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'oops'],
    ['an object without choices', { id: 'x' }],
  ])('throws UpstreamError for %s', (_name, body) => {
    expect(() => fromResponse(body, target)).toThrow(UpstreamError);
  });
});

describe('unixNow', () => {
  it('is whole seconds since the epoch', () => {
    expect(unixNow()).toBe(NOW_S);
  });
});

describe('normalizeUsage', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['OpenAI usage stays as it is', { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: { cached_tokens: 2 } }, { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: { cached_tokens: 2 } }],
    ['DeepSeek hits fill cached_tokens', { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_cache_hit_tokens: 4 }, { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_cache_hit_tokens: 4, prompt_tokens_details: { cached_tokens: 4 } }],
    ['a reported cached_tokens wins', { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_cache_hit_tokens: 4, prompt_tokens_details: { cached_tokens: 3 } }, { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_cache_hit_tokens: 4, prompt_tokens_details: { cached_tokens: 3 } }],
  ])('%s', (_name, usage, expected) => {
    expect(normalizeUsage(usage as never)).toEqual(expected);
  });
});
