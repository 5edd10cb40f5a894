/**
 * Gateway errors in Anthropic's shape, `{"type":"error","error":{"type","message"},"request_id"}`
 * (https://docs.anthropic.com/en/api/errors), with the registry's status: the Anthropic SDK
 * picks its exception class by status, as the OpenAI SDK does.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors.js';

// Anthropic's error type per HTTP status; other 4xx are invalid_request_error, other 5xx api_error.
const TYPES: Readonly<Record<number, string>> = {
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** The Anthropic error type for an HTTP status. */
export function errorTypeOf(status: number): string {
  return TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  /** On HTTP error responses, as Anthropic's carry it; stream error events have none. */
  request_id?: string;
}

/** The body for a gateway error. */
export function errorBody(err: GatewayError, requestId?: string): AnthropicErrorBody {
  const body: AnthropicErrorBody = { type: 'error', error: { type: errorTypeOf(err.status), message: err.message } };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

/** Fastify's own request errors (bad JSON, body too large) as gateway errors; null for anything else. */
function fromFastify(err: FastifyError): GatewayError | null {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new GatewayError('SY_BODY_TOO_LARGE', err.message);
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new GatewayError('SY_REQUEST_INVALID', err.message, { param: 'body' });
  }
  return null;
}

/**
 * The error handler of the Anthropic ingress's routes: the app's handler (plugins/error-handler)
 * with the body in Anthropic's shape. Logs as that handler does: unknown errors as errors, 5xx
 * gateway errors as warnings.
 */
export function anthropicErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let error = err instanceof GatewayError ? err : fromFastify(err);
  if (!error) {
    request.log.error({ err }, 'unhandled error');
    error = new GatewayError('SY_INTERNAL', 'the gateway failed to handle this request; see its log for the request id');
  } else if (error.status >= 500) {
    request.log.warn({ code: error.code, msg: error.message }, 'request failed');
  }
  if (error.retryAfterS !== null) reply.header('retry-after', String(Math.ceil(error.retryAfterS)));
  reply.header('x-switchyard-error', error.code);
  return reply.status(error.status).send(errorBody(error, request.id));
}
