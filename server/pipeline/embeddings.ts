/**
 * The embeddings pipeline: decided by the same policy as chat, with `kind: embedding` so only
 * embedding models are eligible and the inputs' tokens (as user messages) are what routes
 * match and costs are estimated on; served by the first eligible candidate that answers, with
 * failover; priced from the model's input price; recorded like chat.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmbeddingsRequest, EmbeddingsResult } from '../adapters/embeddings/types.js';
import type { ChatRequest } from '../adapters/types.js';
import { requestFeatures } from '../chat-request.js';
import { failover } from '../dispatch/failover.js';
import { clientGone, type PipelineDeps } from './chat.js';
import { modelNotFound, wrongEndpoint } from './decision-errors.js';
import { attemptEmbeddings } from './embeddings-attempt.js';
import { decisionHeaders, servedHeaders } from './headers.js';
import { costHeader, failedOutcome, finish, usageOutcome, type Arrival, type Trace } from './trace.js';
import { admit, decideAdmitted } from './admit.js';
import { release, settle } from './spend.js';
import type { Reservation } from '../budgets/types.js';

/** A served embeddings request: the provider's vectors and the input tokens they are billed for. */
export interface ServedEmbeddings {
  result: EmbeddingsResult;
  /** As the provider reported them, else the gateway's count for the serving model. */
  promptTokens: number;
}

/** The request as the policy and the traffic record see it: each input a user message. */
export function embeddingsPrompt(request: EmbeddingsRequest, metadata: ChatRequest['metadata']): ChatRequest {
  const prompt: ChatRequest = { model: request.model, messages: request.input.map((text) => ({ role: 'user', content: text })) };
  if (request.user !== undefined) prompt.user = request.user;
  if (metadata !== undefined) prompt.metadata = metadata;
  return prompt;
}

/**
 * Serves one validated embeddings request; `metadata` is the gateway's routing metadata, as on
 * chat. Throws a GatewayError when nothing could be served.
 */
export async function serveEmbeddings(shared: PipelineDeps, embeddings: EmbeddingsRequest, metadata: ChatRequest['metadata'], request: FastifyRequest, reply: FastifyReply, arrival: Arrival): Promise<ServedEmbeddings> {
  // Taken once: a reload may swap the budget store, and a reservation settles where it was made.
  const deps = { ...shared };
  const runtime = deps.runtime();
  const prompt = embeddingsPrompt(embeddings, metadata);
  const features = { ...requestFeatures(prompt, request.headers, arrival.at), kind: 'embedding' as const };
  let trace = await decideAdmitted(deps, runtime, request, prompt, features, arrival);
  let reservation: Reservation | null = null;
  // The route is said even when a budget or a key refuses the request.
  if (trace.decision.status === 'ok') reply.headers(decisionHeaders(trace));
  try {
    ({ trace, reservation } = await admit(deps, request, trace));
    return await dispatch(deps, embeddings, trace, reply, reservation);
  } catch (err) {
    await release(deps, reservation);
    finish(deps.recorder, trace, failedOutcome(err));
    throw err;
  }
}

async function dispatch(deps: PipelineDeps, embeddings: EmbeddingsRequest, trace: Trace, reply: FastifyReply, reservation: Reservation | null): Promise<ServedEmbeddings> {
  const { decision, runtime } = trace;
  if (decision.status === 'no_route') throw modelNotFound(embeddings.model);
  reply.headers(decisionHeaders(trace));
  const misdirected = wrongEndpoint(decision, runtime.models, embeddings.model, 'embedding');
  if (misdirected) throw misdirected;
  const signal = clientGone(reply);
  const served = await failover(runtime, decision.candidates, trace.body, (provider, target, _prompt, where, signal) =>
    attemptEmbeddings(deps.transport, provider, target, embeddings, signal, where), { retries: decision.retries, signal });
  served.done();
  const model = served.candidate.model;
  const promptTokens = served.result.promptTokens ?? served.candidate.promptTokens;
  const usage = { input: promptTokens, cachedInput: 0, output: 0 };
  reply.headers(servedHeaders(served));
  const cost = costHeader(runtime, model, usage);
  if (cost !== null) reply.header('x-switchyard-cost-usd', cost);
  await settle(deps, runtime, trace.id, trace.features, decision, reservation, served.candidate, usage, trace.arrival.at);
  finish(deps.recorder, trace, {
    status: 200, error: null, model, provider: served.candidate.provider, attempts: served.attempts, ...usageOutcome(runtime, model, usage),
  });
  return { result: served.result, promptTokens };
}
