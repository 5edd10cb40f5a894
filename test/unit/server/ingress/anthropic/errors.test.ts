import { describe, expect, it } from 'vitest';
import { GATEWAY_ERRORS, GatewayError, type GatewayErrorCode } from '../../../../../server/errors.js';
import { errorBody, errorTypeOf } from '../../../../../server/ingress/anthropic/errors.js';

// The types Anthropic documents (https://docs.anthropic.com/en/api/errors).
const ANTHROPIC_TYPES = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'request_too_large', 'rate_limit_error', 'api_error', 'timeout_error', 'overloaded_error']);

describe('gateway errors in Anthropic terms', () => {
  it('every registry code maps to a documented Anthropic type', () => {
    for (const code of Object.keys(GATEWAY_ERRORS) as GatewayErrorCode[]) {
      expect([code, ANTHROPIC_TYPES.has(errorTypeOf(GATEWAY_ERRORS[code].status))]).toEqual([code, true]);
    }
  });

  it.each([
    [400, 'invalid_request_error'], [401, 'authentication_error'], [403, 'permission_error'], [404, 'not_found_error'],
    [413, 'request_too_large'], [429, 'rate_limit_error'], [500, 'api_error'], [502, 'api_error'], [503, 'api_error'],
    [504, 'timeout_error'], [529, 'overloaded_error'], [409, 'invalid_request_error'],
  ])('status %i is %s', (status, type) => {
    expect(errorTypeOf(status)).toBe(type);
  });

  it('renders the error shape, with the request id on HTTP errors only', () => {
    const err = new GatewayError('SY_MODEL_NOT_FOUND', 'no such model', { param: 'model' });
    expect(errorBody(err, 'req-1')).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'no such model' }, request_id: 'req-1' });
    expect(errorBody(err)).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'no such model' } });
  });
});
