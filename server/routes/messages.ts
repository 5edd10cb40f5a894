/**
 * POST /v1/messages: the Anthropic Messages ingress. The body is mapped to the canonical request
 * and served by the same pipeline and policy as /v1/chat/completions (`model` is the alias
 * routes match); answers and errors go back in Anthropic's shapes. Clients may send their key
 * as `x-api-key` or `Authorization: Bearer`; neither is required or checked yet.
 */
import type { FastifyInstance } from 'fastify';
import { anthropicErrorHandler } from '../ingress/anthropic/errors.js';
import { toChatRequest } from '../ingress/anthropic/request.js';
import { anthropicWire } from '../ingress/anthropic/wire.js';
import { serveChat, type PipelineDeps } from '../pipeline/chat.js';
import { arrive } from '../pipeline/trace.js';

/** Registers the Messages endpoint. */
export function registerMessages(app: FastifyInstance, deps: PipelineDeps): void {
  app.post('/v1/messages', {
    // Before the body is parsed, so errors carry it too: the Anthropic SDKs read the request id from it.
    onRequest: async (request, reply) => {
      reply.header('request-id', request.id);
    },
    errorHandler: anthropicErrorHandler,
  }, async (request, reply) => {
    const arrival = arrive();
    return serveChat(deps, anthropicWire, toChatRequest(request.body), request, reply, arrival);
  });
}
