import { describe, expect, it } from 'vitest';
import { errorTypeForStatus, fromError, MAX_UPSTREAM_MESSAGE_CHARS } from '../../../../../server/adapters/openai/error.js';
import type { UpstreamErrorInfo } from '../../../../../server/adapters/types.js';

describe('openai fromError', () => {
  it.each<[string, number, unknown, UpstreamErrorInfo]>([
    [
      'OpenAI',
      401,
      { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
      { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
    ],
    [
      'OpenAI without type or code',
      429,
      { error: { message: 'Rate limit reached' } },
      { message: 'Rate limit reached', type: 'rate_limit_error', code: null },
    ],
    ['Ollama', 404, { error: 'model "x" not found' }, { message: 'model "x" not found', type: 'not_found_error', code: null }],
    [
      'Mistral / older vLLM, flat with a numeric code',
      400,
      { object: 'error', message: 'bad temperature', type: 'BadRequestError', param: null, code: 400 },
      { message: 'bad temperature', type: 'BadRequestError', code: '400' },
    ],
    ['FastAPI detail', 422, { detail: 'field required' }, { message: 'field required', type: 'invalid_request_error', code: null }],
    [
      'an array-wrapped body',
      503,
      [{ error: { message: 'overloaded', code: 503 } }],
      { message: 'overloaded', type: 'server_error', code: '503' },
    ],
    ['a text body', 502, '  <html>Bad Gateway</html>\n', { message: '<html>Bad Gateway</html>', type: 'server_error', code: null }],
    ['an empty text body', 500, '', { message: 'upstream answered HTTP 500 with no error message', type: 'server_error', code: null }],
    ['null', 403, null, { message: 'upstream answered HTTP 403 with no error message', type: 'permission_error', code: null }],
    ['an object with nothing usable', 400, { foo: 1 }, { message: 'upstream answered HTTP 400 with no error message', type: 'invalid_request_error', code: null }],
  ])('%s', (_name, status, body, expected) => {
    expect(fromError(status, body)).toEqual(expected);
  });

  it('cuts long messages', () => {
    expect(fromError(500, 'x'.repeat(5000)).message).toHaveLength(MAX_UPSTREAM_MESSAGE_CHARS);
    expect(fromError(500, { error: { message: 'y'.repeat(5000) } }).message).toHaveLength(MAX_UPSTREAM_MESSAGE_CHARS);
  });
});

describe('errorTypeForStatus', () => {
  it.each<[number, string]>([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [409, 'invalid_request_error'],
    [413, 'invalid_request_error'],
    [422, 'invalid_request_error'],
    [429, 'rate_limit_error'],
    [500, 'server_error'],
    [529, 'server_error'],
    [200, 'server_error'],
  ])('%i -> %s', (status, type) => {
    expect(errorTypeForStatus(status)).toBe(type);
  });
});
