/**
 * One request's way through a pipeline, from arrival to its traffic record: what decide saw and
 * decided, when the first byte went out, and how the request ended. Chat and embeddings record
 * through here, so every ingress writes the same record.
 */
import { costUsd, formatUsd, type TokenUsage } from '../../engine/src/cost.js';
import type { Decision, RequestFeatures, Snapshot } from '../../engine/src/decide.js';
import type { ChatRequest } from '../adapters/types.js';
import { GatewayError } from '../errors.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { TrafficRecorder } from '../recording/recorder.js';
import type { RecordedOutcome } from '../recording/types.js';

/** When a request arrived: wall clock for decide and the record, monotonic clock for latencies. */
export interface Arrival {
  /** Epoch ms. */
  at: number;
  /** performance.now() at arrival. */
  started: number;
}

/** Takes the arrival time; call it before parsing, so latency includes everything the gateway did. */
export function arrive(): Arrival {
  return { at: Date.now(), started: performance.now() };
}

/** A decided request on its way. */
export interface Trace {
  id: string;
  runtime: PolicyRuntime;
  arrival: Arrival;
  /** The request as its record keeps it: canonical chat, or an embeddings request's inputs as user messages. */
  body: ChatRequest;
  features: RequestFeatures;
  /** The snapshot decide read, read once: the record must hold exactly what the decision saw. */
  snapshot: Snapshot;
  decision: Decision;
  /** Time to the first streamed byte, set by the stream writer. */
  ttftMs: number | null;
}

/** Decides a request on `runtime` and starts its trace; `budgets` is what is left of the request's budgets. */
export function decide(runtime: PolicyRuntime, id: string, body: ChatRequest, features: RequestFeatures, arrival: Arrival, budgets?: Snapshot['budgets']): Trace {
  const live = runtime.snapshot;
  const snapshot = budgets === undefined ? live : { ...live, budgets };
  const decision = runtime.decider.decide(features, snapshot);
  return { id, runtime, arrival, body, features, snapshot, decision, ttftMs: null };
}

/** How a request ended, less what the trace knows (latency, time to first byte, cache). */
export type Outcome = Omit<RecordedOutcome, 'latency_ms' | 'ttft_ms' | 'cache'>;

/** Token usage as a record keeps it. */
export interface TokenCounts {
  input: number;
  cachedInput: number;
  /** The part of `input` written to the provider's prompt cache, billed at the cache write price. */
  cacheWrite?: number;
  output: number;
  /** The provider reported none: the gateway counted the prompt and what streamed. */
  counted?: boolean;
}

/** The usage and cost fields of an outcome on `model`; both null when the usage is unknown. */
export function usageOutcome(runtime: PolicyRuntime, model: string, usage: TokenCounts | null): Pick<Outcome, 'usage' | 'cost_usd'> {
  if (!usage) return { usage: null, cost_usd: null };
  return {
    usage: { input: usage.input, cached_input: usage.cachedInput, output: usage.output, ...(usage.counted ? { source: 'counted' as const } : {}) },
    cost_usd: costUsd(runtime.models.get(model)!, tokenUsage(usage)),
  };
}

/** Token counts as costUsd prices them. */
export function tokenUsage(usage: TokenCounts): TokenUsage {
  return { inputTokens: usage.input, cachedInputTokens: usage.cachedInput, cacheWriteInputTokens: usage.cacheWrite ?? 0, outputTokens: usage.output };
}

/** The x-switchyard-cost-usd value for `usage` on `model`; null when the usage is unknown. */
export function costHeader(runtime: PolicyRuntime, model: string, usage: TokenCounts | null): string | null {
  const { cost_usd: cost } = usageOutcome(runtime, model, usage);
  return cost === null ? null : formatUsd(cost);
}

/** The outcome of a request that failed with `err` before anything was served. */
export function failedOutcome(err: unknown): Outcome {
  const gateway = err instanceof GatewayError ? err : null;
  return {
    status: gateway?.status ?? 500, error: gateway?.code ?? 'SY_INTERNAL', model: null, provider: null,
    attempts: gateway?.attempts ?? 0, usage: null, cost_usd: null,
  };
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Milliseconds since the request arrived, to a tenth. */
export function elapsedMs(trace: Trace): number {
  return round(performance.now() - trace.arrival.started);
}

/** Hands a finished request to the recorder (if any); the outcome is all that is left to say. */
export function finish(recorder: TrafficRecorder | undefined, trace: Trace, outcome: Outcome): void {
  if (!recorder) return;
  const policy = trace.runtime.compiled.policy;
  recorder.record({
    id: trace.id, at: trace.arrival.at, done: Date.now(), policyHash: policy.hash, redaction: policy.recording.redaction,
    body: trace.body, features: trace.features, snapshot: trace.snapshot, decision: trace.decision,
    outcome: { ...outcome, latency_ms: elapsedMs(trace), ttft_ms: trace.ttftMs, cache: 'none' },
  });
}
