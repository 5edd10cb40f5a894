/**
 * Turns every error into the OpenAI error shape with the right status. The one place errors
 * are logged: constructors never log.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.js';

/** Maps Fastify's own request errors (bad JSON, body too large, wrong content type). */
function fromFastify(err: FastifyError): GatewayError | null {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new GatewayError('SY_BODY_TOO_LARGE', err.message);
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new GatewayError('SY_REQUEST_INVALID', err.message, { param: 'body' });
  }
  return null;
}

/** Registers the error and not-found handlers on `app`. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let gatewayError = err instanceof GatewayError ? err : fromFastify(err);
    if (!gatewayError) {
      request.log.error({ err }, 'unhandled error');
      gatewayError = new GatewayError('SY_INTERNAL', 'the gateway failed to handle this request; see its log for the request id');
    } else if (gatewayError.status >= 500) {
      request.log.warn({ code: gatewayError.code, msg: gatewayError.message }, 'request failed');
    }
    if (gatewayError.retryAfterS !== null) reply.header('retry-after', String(Math.ceil(gatewayError.retryAfterS)));
    reply.header('x-switchyard-error', gatewayError.code);
    return reply.status(gatewayError.status).send(gatewayError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new GatewayError('SY_ROUTE_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0]}`);
    reply.header('x-switchyard-error', err.code);
    return reply.status(err.status).send(err.toBody());
  });
}
