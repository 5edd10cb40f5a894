/** POST /v1/chat/completions: parse -> decide -> dispatch -> reply, as JSON or as SSE. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { costUsd, formatUsd } from '../../engine/src/cost.js';
import type { Decision, RequestFeatures } from '../../engine/src/decide.js';
import type { TrafficRecorder } from '../recording/recorder.js';
import type { RecordedOutcome } from '../recording/types.js';
import type { ChatCompletionChunk, ChatRequest, Usage } from '../adapters/types.js';
import { parseChatRequest, requestFeatures } from '../chat-request.js';
import { attemptComplete, attemptStream, StreamCut } from '../dispatch/attempt.js';
import { failover, type Served } from '../dispatch/failover.js';
import { GatewayError } from '../errors.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { Transport } from '../transport/pool.js';

export interface ChatRouteDeps {
  /** The policy serving now; read once per request so a reload never splits a request. */
  runtime(): PolicyRuntime;
  transport: Transport;
  recorder?: TrafficRecorder | undefined;
}

/** How one request is going, for its traffic record. */
interface Trace {
  at: number;
  started: number;
  features: RequestFeatures;
  decision: Decision;
  ttftMs: number | null;
}

/** Hands a finished request to the recorder (if any); the outcome is all that is left to say. */
function finish(deps: ChatRouteDeps, runtime: PolicyRuntime, id: string, body: ChatRequest, trace: Trace, outcome: Omit<RecordedOutcome, 'latency_ms' | 'ttft_ms' | 'cache'>): void {
  if (!deps.recorder) return;
  deps.recorder.record({
    id, at: trace.at, done: Date.now(), policyHash: runtime.compiled.policy.hash, redaction: runtime.compiled.policy.recording.redaction,
    body, features: trace.features, snapshot: runtime.snapshot, decision: trace.decision,
    outcome: { ...outcome, latency_ms: round(performance.now() - trace.started), ttft_ms: trace.ttftMs, cache: 'none' },
  });
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function usageOf(runtime: PolicyRuntime, model: string, usage: Usage | null | undefined): Pick<RecordedOutcome, 'usage' | 'cost_usd'> {
  if (!usage) return { usage: null, cost_usd: null };
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    usage: { input: usage.prompt_tokens, cached_input: cached, output: usage.completion_tokens },
    cost_usd: costUsd(runtime.models.get(model)!, { inputTokens: usage.prompt_tokens, cachedInputTokens: cached, outputTokens: usage.completion_tokens }),
  };
}

function failed(err: unknown): Omit<RecordedOutcome, 'latency_ms' | 'ttft_ms' | 'cache'> {
  const status = err instanceof GatewayError ? err.status : 500;
  return { status, error: err instanceof GatewayError ? err.code : 'SY_INTERNAL', model: null, provider: null, attempts: err instanceof GatewayError ? err.attempts ?? 0 : 0, usage: null, cost_usd: null };
}

function decisionHeaders(runtime: PolicyRuntime, decision: Decision): Record<string, string> {
  return { 'x-switchyard-route': decision.route ?? '', 'x-switchyard-policy': runtime.compiled.policy.hash };
}

function servedHeaders(served: Served<unknown>): Record<string, string> {
  return { 'x-switchyard-model': served.candidate.model, 'x-switchyard-provider': served.candidate.provider, 'x-switchyard-attempts': String(served.attempts) };
}

function usageCost(runtime: PolicyRuntime, model: string, usage: Usage | null | undefined): string | null {
  if (!usage) return null;
  return formatUsd(costUsd(runtime.models.get(model)!, { inputTokens: usage.prompt_tokens, cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0, outputTokens: usage.completion_tokens }));
}

/** Registers the chat completions endpoint. */
export function registerChatCompletions(app: FastifyInstance, deps: ChatRouteDeps): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const at = Date.now();
    const started = performance.now();
    const body = parseChatRequest(request.body);
    const runtime = deps.runtime();
    const features = requestFeatures(body, request.headers, at);
    const decision = runtime.decider.decide(features, runtime.snapshot);
    const trace: Trace = { at, started, features, decision, ttftMs: null };
    try {
      return await serve(deps, runtime, body, trace, reply);
    } catch (err) {
      finish(deps, runtime, request.id, body, trace, failed(err));
      throw err;
    }
  });
}

/** Dispatches a decided request and replies; throws a GatewayError when no candidate serves. */
async function serve(deps: ChatRouteDeps, runtime: PolicyRuntime, body: ChatRequest, trace: Trace, reply: FastifyReply): Promise<unknown> {
  const { decision } = trace;
  if (decision.status === 'no_route') {
    throw new GatewayError('SY_MODEL_NOT_FOUND', `The model \`${body.model}\` is not offered by this gateway's policy; GET /v1/models lists the models it offers.`, { param: 'model' });
  }
  reply.headers(decisionHeaders(runtime, decision));
  const controller = new AbortController();
  // A client that goes away cancels the upstream call instead of paying for an unread answer.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  // The route's rewrite goes in the field the client used: reasoning models take only
  // max_completion_tokens.
  const limitField = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const upstreamRequest: ChatRequest = decision.maxTokens === null ? body : { ...body, [limitField]: decision.maxTokens };
  if (body.stream === true) return streamChat(deps, runtime, trace, upstreamRequest, reply, controller.signal);
  const served = await failover(runtime, decision.candidates, upstreamRequest, (provider, target, req, where, signal) =>
    attemptComplete(deps.transport, provider, target, req, signal, where), { retries: decision.retries, signal: controller.signal });
  reply.headers(servedHeaders(served));
  const cost = usageCost(runtime, served.candidate.model, served.result.completion.usage);
  if (cost !== null) reply.header('x-switchyard-cost-usd', cost);
  reply.type('application/json');
  finish(deps, runtime, reply.request.id, body, trace, {
    status: 200, error: null, model: served.candidate.model, provider: served.candidate.provider, attempts: served.attempts,
    ...usageOf(runtime, served.candidate.model, served.result.completion.usage),
  });
  return served.result.canonicalBody ?? JSON.stringify(served.result.completion);
}

async function streamChat(deps: ChatRouteDeps, runtime: PolicyRuntime, trace: Trace, body: ChatRequest, reply: FastifyReply, signal: AbortSignal): Promise<FastifyReply> {
  const served = await failover(runtime, trace.decision.candidates, body, (provider, target, req, where, attemptSignal) =>
    attemptStream(deps.transport, provider, target, req, attemptSignal, where), { retries: trace.decision.retries, signal });
  const servedBy = { model: served.candidate.model, provider: served.candidate.provider, attempts: served.attempts };
  const wantsUsage = body.stream_options?.include_usage === true;
  const { first, rest, decoder } = served.result;
  const raw = reply.raw;
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
  let template: ChatCompletionChunk | undefined;
  const write = (chunks: ChatCompletionChunk[]): void => {
    let out = '';
    for (const chunk of chunks) {
      template ??= chunk;
      // Usage is re-emitted once at the end when the client asked; the gateway always asks.
      if (chunk.choices.length === 0) continue;
      if (chunk.usage !== undefined) delete chunk.usage;
      out += `data: ${JSON.stringify(chunk)}\n\n`;
    }
    if (out !== '') raw.write(out);
  };
  try {
    write(first);
    trace.ttftMs = round(performance.now() - trace.started);
    for await (const chunks of rest) write(chunks);
  } catch (err) {
    // The status line went out as 200; the record says how the stream really ended.
    const usage = usageOf(runtime, served.candidate.model, decoder.usage);
    if (signal.aborted) {
      raw.destroy();
      finish(deps, runtime, reply.request.id, body, trace, { status: 200, error: 'client_closed', ...servedBy, ...usage });
      return reply;
    }
    const cut = err instanceof StreamCut ? err : new StreamCut(String(err));
    reply.log.warn({ msg: cut.message }, 'upstream stream cut after the first byte');
    const error = new GatewayError('SY_STREAM_INTERRUPTED', `${cut.message}; the answer above is incomplete`);
    // No [DONE]: an error event is how the OpenAI SDKs learn a stream failed.
    raw.end(`data: ${JSON.stringify(error.toBody())}\n\n`);
    finish(deps, runtime, reply.request.id, body, trace, { status: 200, error: error.code, ...servedBy, ...usage });
    return reply;
  }
  const usage = decoder.usage;
  let tail = '';
  if (wantsUsage && usage && template) {
    tail += `data: ${JSON.stringify({ id: template.id, object: 'chat.completion.chunk', created: template.created, model: template.model, choices: [], usage })}\n\n`;
  }
  const cost = usageCost(runtime, served.candidate.model, usage);
  if (cost !== null) tail += `: x-switchyard-cost-usd=${cost}\n\n`;
  tail += 'data: [DONE]\n\n';
  if (cost !== null) raw.addTrailers({ 'x-switchyard-cost-usd': cost });
  raw.end(tail);
  finish(deps, runtime, reply.request.id, body, trace, { status: 200, error: null, ...servedBy, ...usageOf(runtime, served.candidate.model, usage) });
  return reply;
}
