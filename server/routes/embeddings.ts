/** POST /v1/embeddings: the OpenAI embeddings ingress, routed by the policy to embedding models. */
import type { FastifyInstance } from 'fastify';
import { embeddingsResponse, parseEmbeddingsBody } from '../ingress/openai/embeddings.js';
import type { PipelineDeps } from '../pipeline/chat.js';
import { serveEmbeddings } from '../pipeline/embeddings.js';
import { arrive } from '../pipeline/trace.js';

/** Registers the embeddings endpoint. */
export function registerEmbeddings(app: FastifyInstance, deps: PipelineDeps): void {
  app.post('/v1/embeddings', async (request, reply) => {
    const arrival = arrive();
    const { request: embeddings, encoding, metadata } = parseEmbeddingsBody(request.body);
    const served = await serveEmbeddings(deps, embeddings, metadata, request, reply, arrival);
    return embeddingsResponse(served, encoding);
  });
}
