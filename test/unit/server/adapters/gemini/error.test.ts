import { describe, expect, it } from 'vitest';
import { fromError } from '../../../../../server/adapters/gemini/error.js';
import type { UpstreamErrorInfo } from '../../../../../server/adapters/types.js';

const rpc = (code: number, status: string, message: string, details?: unknown[]) => ({ error: { code, message, status, ...(details ? { details } : {}) } });

describe('gemini fromError', () => {
  it.each<[string, number, unknown, UpstreamErrorInfo]>([
    ['a bad request', 400, rpc(400, 'INVALID_ARGUMENT', 'Invalid JSON payload'), { message: 'Invalid JSON payload', type: 'invalid_request_error', code: 'INVALID_ARGUMENT' }],
    [
      'a bad API key, reported as 400',
      400,
      rpc(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
      ]),
      { message: 'API key not valid. Please pass a valid API key.', type: 'authentication_error', code: 'INVALID_ARGUMENT' },
    ],
    ['permission', 403, rpc(403, 'PERMISSION_DENIED', 'denied'), { message: 'denied', type: 'permission_error', code: 'PERMISSION_DENIED' }],
    ['unknown model', 404, rpc(404, 'NOT_FOUND', 'models/x is not found'), { message: 'models/x is not found', type: 'not_found_error', code: 'NOT_FOUND' }],
    ['quota', 429, rpc(429, 'RESOURCE_EXHAUSTED', 'quota exceeded'), { message: 'quota exceeded', type: 'rate_limit_error', code: 'RESOURCE_EXHAUSTED' }],
    ['overloaded', 503, rpc(503, 'UNAVAILABLE', 'The model is overloaded.'), { message: 'The model is overloaded.', type: 'server_error', code: 'UNAVAILABLE' }],
    ['wrapped in an array', 500, [rpc(500, 'INTERNAL', 'oops')], { message: 'oops', type: 'server_error', code: 'INTERNAL' }],
    ['the body code wins over the status it is carried with', 200, rpc(429, 'RESOURCE_EXHAUSTED', 'later'), { message: 'later', type: 'rate_limit_error', code: 'RESOURCE_EXHAUSTED' }],
    ['a text body', 502, 'Bad Gateway', { message: 'Bad Gateway', type: 'server_error', code: null }],
    ['null', 500, null, { message: 'upstream answered HTTP 500 with no error message', type: 'server_error', code: null }],
  ])('%s', (_name, status, body, expected) => {
    expect(fromError(status, body)).toEqual(expected);
  });
});
