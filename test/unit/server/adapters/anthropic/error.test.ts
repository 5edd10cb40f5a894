import { describe, expect, it } from 'vitest';
import { fromError } from '../../../../../server/adapters/anthropic/error.js';
import type { UpstreamErrorInfo } from '../../../../../server/adapters/types.js';

const anthropicError = (type: string, message: string) => ({ type: 'error', error: { type, message }, request_id: 'req_1' });

describe('anthropic fromError', () => {
  it.each<[number, unknown, UpstreamErrorInfo]>([
    [400, anthropicError('invalid_request_error', 'max_tokens: field required'), { message: 'max_tokens: field required', type: 'invalid_request_error', code: 'invalid_request_error' }],
    [401, anthropicError('authentication_error', 'invalid x-api-key'), { message: 'invalid x-api-key', type: 'authentication_error', code: 'authentication_error' }],
    [402, anthropicError('billing_error', 'credit balance too low'), { message: 'credit balance too low', type: 'insufficient_quota', code: 'billing_error' }],
    [403, anthropicError('permission_error', 'no access'), { message: 'no access', type: 'permission_error', code: 'permission_error' }],
    [404, anthropicError('not_found_error', 'model: x'), { message: 'model: x', type: 'not_found_error', code: 'not_found_error' }],
    [413, anthropicError('request_too_large', 'too big'), { message: 'too big', type: 'invalid_request_error', code: 'request_too_large' }],
    [429, anthropicError('rate_limit_error', 'slow down'), { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_error' }],
    [500, anthropicError('api_error', 'internal'), { message: 'internal', type: 'server_error', code: 'api_error' }],
    [529, anthropicError('overloaded_error', 'Overloaded'), { message: 'Overloaded', type: 'server_error', code: 'overloaded_error' }],
    [409, anthropicError('some_new_error', 'new'), { message: 'new', type: 'invalid_request_error', code: 'some_new_error' }],
    [502, '<html>bad gateway</html>', { message: '<html>bad gateway</html>', type: 'server_error', code: null }],
    [500, null, { message: 'upstream answered HTTP 500 with no error message', type: 'server_error', code: null }],
    [429, { error: 'flat' }, { message: 'upstream answered HTTP 429 with no error message', type: 'rate_limit_error', code: null }],
  ])('%i %j', (status, body, expected) => {
    expect(fromError(status, body)).toEqual(expected);
  });
});
