/** POST /v1/chat/completions: the OpenAI chat ingress, JSON or server-sent events. */
import type { FastifyInstance } from 'fastify';
import { parseChatRequest } from '../chat-request.js';
import { openaiChatWire } from '../ingress/openai/chat.js';
import { serveChat, type PipelineDeps } from '../pipeline/chat.js';
import { arrive } from '../pipeline/trace.js';

/** Registers the chat completions endpoint. */
export function registerChatCompletions(app: FastifyInstance, deps: PipelineDeps): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const arrival = arrive();
    return serveChat(deps, openaiChatWire, parseChatRequest(request.body), request, reply, arrival);
  });
}
