import { describe, expect, it } from 'vitest';
import { matchRoute, providerOf } from '../../../../bench/sim/route.js';

describe('matchRoute', () => {
  it('finds the OpenAI and Anthropic endpoints', () => {
    expect(matchRoute('POST', '/v1/chat/completions', '')).toEqual({ kind: 'openai-chat' });
    expect(matchRoute('GET', '/v1/models', '')).toEqual({ kind: 'openai-models' });
    expect(matchRoute('GET', '/v1/models/gpt-4o', '')).toEqual({ kind: 'openai-model', id: 'gpt-4o' });
    expect(matchRoute('POST', '/v1/messages', '')).toEqual({ kind: 'anthropic-messages' });
  });

  it('finds Gemini methods under v1beta and v1, with the model from the path', () => {
    expect(matchRoute('POST', '/v1beta/models/gemini-2.0-flash:generateContent', '')).toEqual({ kind: 'gemini', model: 'gemini-2.0-flash', framing: 'none' });
    expect(matchRoute('POST', '/v1beta/models/gemini-2.5-pro:streamGenerateContent', 'alt=sse')).toEqual({ kind: 'gemini', model: 'gemini-2.5-pro', framing: 'sse' });
    expect(matchRoute('POST', '/v1/models/gemini-2.5-pro:streamGenerateContent', 'key=k')).toEqual({ kind: 'gemini', model: 'gemini-2.5-pro', framing: 'array' });
    expect(matchRoute('POST', '/v1beta/models/my%20model:generateContent', '')).toMatchObject({ model: 'my model' });
  });

  it('says not-found for other paths and methods', () => {
    expect(matchRoute('GET', '/v1/chat/completions', '')).toEqual({ kind: 'not-found' });
    expect(matchRoute('POST', '/v1/completions', '')).toEqual({ kind: 'not-found' });
    expect(matchRoute('POST', '/v1beta/models/gemini-2.0-flash:countTokens', '')).toEqual({ kind: 'not-found' });
    expect(matchRoute('POST', '/v1beta/models/:generateContent', '')).toEqual({ kind: 'not-found' });
    expect(matchRoute('GET', '/', '')).toEqual({ kind: 'not-found' });
  });

  it('answers unknown paths in the OpenAI format', () => {
    expect(providerOf({ kind: 'not-found' })).toBe('openai');
    expect(providerOf({ kind: 'anthropic-messages' })).toBe('anthropic');
    expect(providerOf({ kind: 'gemini', model: 'g', framing: 'none' })).toBe('gemini');
  });
});
