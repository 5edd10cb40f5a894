import { describe, expect, it } from 'vitest';
import { assertExpressible, UnsupportedFeatureError } from '../../../../server/adapters/unsupported.js';

const handled = new Set(['model', 'messages']);

describe('UnsupportedFeatureError', () => {
  it('names the field, the provider and why', () => {
    const error = new UnsupportedFeatureError('anthropic', 'temperature', 'Anthropic accepts 0 to 1');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('UnsupportedFeatureError');
    expect(error.code).toBe('SY_REQUEST_UNSUPPORTED');
    expect(error.param).toBe('temperature');
    expect(error.provider).toBe('anthropic');
    expect(error.message).toBe('temperature is not supported for anthropic models: Anthropic accepts 0 to 1');
  });
});

describe('assertExpressible', () => {
  it.each<[string, Record<string, unknown>]>([
    ['only handled fields', { model: 'm', messages: [], extra: undefined }],
    ['null and empty values', { tools: null, stop: [], seed: undefined }],
    ['default values', { n: 1, logprobs: false, top_logprobs: 0, presence_penalty: 0, frequency_penalty: 0, store: false, parallel_tool_calls: false, response_format: { type: 'text' } }],
  ])('accepts %s', (_name, fields) => {
    expect(() => assertExpressible('p', fields, handled)).not.toThrow();
  });

  it.each<[Record<string, unknown>, string]>([
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ store: true }, 'store'],
    [{ response_format: { type: 'json_object' } }, 'response_format'],
    [{ tools: [{}] }, 'tools'],
    [{ something_new: 0 }, 'something_new'],
  ])('refuses %j as %s', (fields, param) => {
    expect(() => assertExpressible('p', fields, handled)).toThrow(expect.objectContaining({ param }));
  });

  it('prefixes the param for nested objects', () => {
    expect(() => assertExpressible('p', { name: 'a' }, new Set(['role']), 'messages[3].')).toThrow(
      expect.objectContaining({ param: 'messages[3].name' }),
    );
  });
});
