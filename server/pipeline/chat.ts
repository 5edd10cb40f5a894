/**
 * The chat pipeline every chat ingress shares: decide on the request's features, dispatch with
 * failover before the first byte, reply as JSON or as a stream, record how it ended. It works
 * on the canonical (OpenAI) request, completion and chunks; the ingress's ChatWire writes them
 * in the client's wire format.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatCompletionChunk, ChatRequest, ToolCallDelta, Usage } from '../adapters/types.js';
import { countTokens } from '../../engine/src/tokenizer.js';
import { requestFeatures } from '../chat-request.js';
import { attemptComplete, attemptStream, StreamCut, type StreamingAttempt } from '../dispatch/attempt.js';
import { failover, type Served } from '../dispatch/failover.js';
import { GatewayError } from '../errors.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { TrafficRecorder } from '../recording/recorder.js';
import type { Transport } from '../transport/pool.js';
import type { ChatWire } from './chat-wire.js';
import { modelNotFound, wrongEndpoint } from './decision-errors.js';
import { decisionHeaders, servedHeaders } from './headers.js';
import { costHeader, elapsedMs, failedOutcome, finish, usageOutcome, type Arrival, type TokenCounts, type Trace } from './trace.js';
import { admit, decideAdmitted } from './admit.js';
import { release, settle, type SpendDeps } from './spend.js';
import type { Reservation } from '../budgets/types.js';

export interface PipelineDeps extends SpendDeps {
  /** The policy serving now; read once per request so a reload never splits a request. */
  runtime(): PolicyRuntime;
  transport: Transport;
  recorder?: TrafficRecorder | undefined;
}

/** Serves one validated canonical chat request; throws a GatewayError when nothing could be served. */
export async function serveChat(shared: PipelineDeps, wire: ChatWire, body: ChatRequest, request: FastifyRequest, reply: FastifyReply, arrival: Arrival): Promise<unknown> {
  // Taken once: a reload may swap the budget store, and a reservation settles where it was made.
  const deps = { ...shared };
  const runtime = deps.runtime();
  let trace = await decideAdmitted(deps, runtime, request, body, requestFeatures(body, request.headers, arrival.at), arrival);
  let reservation: Reservation | null = null;
  // The route is said even when a budget or a key refuses the request.
  if (trace.decision.status === 'ok') reply.headers(decisionHeaders(trace));
  try {
    ({ trace, reservation } = await admit(deps, request, trace));
    return await dispatch(deps, wire, trace, reply, reservation);
  } catch (err) {
    await release(deps, reservation);
    finish(deps.recorder, trace, failedOutcome(err));
    throw err;
  }
}

/** The canonical usage as token counts; null when the provider reported none. */
export function tokenCounts(usage: Usage | null | undefined): TokenCounts | null {
  if (!usage) return null;
  const counts: TokenCounts = { input: usage.prompt_tokens, cachedInput: usage.prompt_tokens_details?.cached_tokens ?? 0, output: usage.completion_tokens };
  const written = usage.prompt_tokens_details?.cache_write_tokens;
  if (written !== undefined && written > 0) counts.cacheWrite = written;
  if (usage.switchyard_usage_source === 'counted') counts.counted = true;
  return counts;
}

/**
 * The usage a stream cut short is charged: never less output than reached the client. What a
 * provider reports mid-stream is provisional (Anthropic's message_start already says
 * output_tokens: 1; Gemini's usage counts only the records sent), so output is the larger of
 * the reported count and the delivered text counted with the core's tokenizer (o200k_base, as
 * for providers that report nothing); input and cached input stay as reported, else the prompt
 * as the decision counted it.
 */
export function cutShortCounts(reported: Usage | null | undefined, promptTokens: number, delivered: string): TokenCounts {
  const deliveredTokens = countTokens(delivered, 'o200k_base');
  const counts = tokenCounts(reported);
  if (!counts) return { input: promptTokens, cachedInput: 0, output: deliveredTokens, counted: true };
  if (deliveredTokens <= counts.output) return counts;
  return { ...counts, output: deliveredTokens, counted: true };
}

/**
 * The request as sent upstream: the route's max_tokens rewrite goes in the field the client
 * used, since reasoning models take only max_completion_tokens.
 */
function withRouteLimit(body: ChatRequest, maxTokens: number | null): ChatRequest {
  if (maxTokens === null) return body;
  const field = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  return { ...body, [field]: maxTokens };
}

/** An abort signal that fires when the client goes away before its answer was written. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  // A client that leaves cancels the upstream call instead of paying for an unread answer.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

async function dispatch(deps: PipelineDeps, wire: ChatWire, trace: Trace, reply: FastifyReply, reservation: Reservation | null): Promise<unknown> {
  const { decision, runtime, body } = trace;
  if (decision.status === 'no_route') throw modelNotFound(body.model);
  reply.headers(decisionHeaders(trace));
  const misdirected = wrongEndpoint(decision, runtime.models, body.model, 'chat');
  if (misdirected) throw misdirected;
  const signal = clientGone(reply);
  const upstreamRequest = withRouteLimit(body, decision.maxTokens);
  const options = { retries: decision.retries, signal };
  if (body.stream === true) {
    const served = await failover(runtime, decision.candidates, upstreamRequest, (provider, target, req, where, attemptSignal) =>
      attemptStream(deps.transport, provider, target, req, attemptSignal, where), { ...options, streamOutcome: true });
    return writeStream(deps, wire, trace, upstreamRequest, served, reply, signal, reservation);
  }
  const served = await failover(runtime, decision.candidates, upstreamRequest, (provider, target, req, where, attemptSignal) =>
    attemptComplete(deps.transport, provider, target, req, attemptSignal, where), options);
  served.done();
  const json = wire.completion(served);
  const usage = tokenCounts(served.result.completion.usage);
  reply.headers(servedHeaders(served));
  const cost = costHeader(runtime, served.candidate.model, usage);
  if (cost !== null) reply.header('x-switchyard-cost-usd', cost);
  reply.type('application/json');
  // The charge is in the ledger before the client has its answer.
  await settle(deps, runtime, trace.id, trace.features, decision, reservation, served.candidate, usage, trace.arrival.at);
  finish(deps.recorder, trace, {
    status: 200, error: null, model: served.candidate.model, provider: served.candidate.provider, attempts: served.attempts,
    ...usageOutcome(runtime, served.candidate.model, usage),
  });
  return json;
}

/** Writes a served stream to the client; from here on the status is 200 whatever happens. */
async function writeStream(deps: PipelineDeps, wire: ChatWire, trace: Trace, request: ChatRequest, served: Served<StreamingAttempt>, reply: FastifyReply, signal: AbortSignal, reservation: Reservation | null): Promise<FastifyReply> {
  const { runtime } = trace;
  const servedBy = { model: served.candidate.model, provider: served.candidate.provider, attempts: served.attempts };
  const encoder = wire.stream(request, served);
  const { first, rest, decoder } = served.result;
  const raw = reply.raw;
  // The attempt's time limit runs until the stream is over, however it ends.
  raw.once('close', served.done);
  reply.hijack();
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    ...servedHeaders(served),
    'x-request-id': reply.request.id,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    // Cost is known only after the last chunk, so it travels as a trailer (and an SSE comment).
    trailer: 'x-switchyard-cost-usd',
  });
  const write = (text: string): void => {
    if (text !== '') raw.write(text);
  };
  // What reached the client, so a stream cut short is charged for what it delivered.
  let delivered = '';
  const forward = (chunks: ChatCompletionChunk[]): void => {
    for (const chunk of chunks) {
      for (const choice of chunk.choices) {
        delivered += choice.delta.content ?? '';
        for (const call of (choice.delta.tool_calls as ToolCallDelta[] | undefined) ?? []) delivered += call.function?.arguments ?? '';
      }
    }
    write(encoder.push(chunks));
  };
  try {
    forward(first);
    trace.ttftMs = elapsedMs(trace);
    for await (const chunks of rest) forward(chunks);
  } catch (err) {
    // The provider broke, stalled or ran out of time after the first byte: a failed attempt for
    // its breaker. A client that left says nothing about the provider.
    served.ended(signal.aborted ? 'abandoned' : 'cut');
    const counts = cutShortCounts(decoder.usage, served.candidate.promptTokens, delivered);
    await settle(deps, runtime, trace.id, trace.features, trace.decision, reservation, served.candidate, counts, trace.arrival.at);
    const usage = usageOutcome(runtime, served.candidate.model, counts);
    if (signal.aborted) {
      raw.destroy();
      finish(deps.recorder, trace, { status: 200, error: 'client_closed', ...servedBy, ...usage });
      return reply;
    }
    const cut = err instanceof StreamCut ? err : new StreamCut(String(err));
    reply.log.warn({ msg: cut.message }, 'upstream stream cut after the first byte');
    const error = new GatewayError('SY_STREAM_INTERRUPTED', `${cut.message}; the answer above is incomplete`);
    raw.end(encoder.fail(error));
    finish(deps.recorder, trace, { status: 200, error: error.code, ...servedBy, ...usage });
    return reply;
  }
  served.ended('complete');
  const usage = tokenCounts(decoder.usage);
  // The charge is in the ledger before the stream's last event says the answer is complete.
  await settle(deps, runtime, trace.id, trace.features, trace.decision, reservation, served.candidate, usage, trace.arrival.at);
  const cost = costHeader(runtime, served.candidate.model, usage);
  const tail = encoder.end(decoder.usage, cost);
  if (cost !== null) raw.addTrailers({ 'x-switchyard-cost-usd': cost });
  raw.end(tail);
  finish(deps.recorder, trace, { status: 200, error: null, ...servedBy, ...usageOutcome(runtime, served.candidate.model, usage) });
  return reply;
}
