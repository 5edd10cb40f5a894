/**
 * The one dispatcher: tries the decision's eligible candidates in order, retrying a candidate
 * on a retryable failure with backoff while its provider's retry budget allows, skipping one
 * whose circuit breaker will not admit the attempt, and failing over to the next candidate
 * otherwise. Nothing above or below it retries, so retries never stack. Every outcome feeds the
 * breakers and latency the next decisions read.
 */
import type { CandidateDecision, ExclusionReason } from '../../engine/src/decide.js';
import type { ChatRequest, UpstreamTarget } from '../adapters/types.js';
import { GatewayError } from '../errors.js';
import type { PolicyRuntime, ResolvedProvider } from '../policy-runtime.js';
import { UnsupportedFeatureError } from '../adapters/unsupported.js';
import { backoffMs } from './backoff.js';
import { AttemptFailure } from './upstream-error.js';

/** What served: the candidate and its resolved provider. */
export interface Served<T> {
  candidate: CandidateDecision;
  provider: ResolvedProvider;
  /** Upstream calls made, retries included. */
  attempts: number;
  result: T;
  /**
   * Ends the serving attempt's time limit; a stream's writer calls it when the stream is over
   * (a complete answer needs nothing: it is over when `failover` returns). A stream whose end
   * was never reported counts as abandoned.
   */
  done(): void;
  /**
   * Records how a stream served with `streamOutcome` ended, once: `complete` is the attempt's
   * success, `cut` its failure (the provider broke, stalled or outran the time limit after the
   * first byte), `abandoned` neither (the client left). Later calls are ignored.
   */
  ended(outcome: StreamOutcome): void;
}

/** How a served stream ended, as the breaker counts it. */
export type StreamOutcome = 'complete' | 'cut' | 'abandoned';

/**
 * One attempt. `signal` aborts it when the client goes away or the attempt's total time runs
 * out; an attempt function should pass it to the transport.
 */
export type AttemptFn<T> = (provider: ResolvedProvider, target: UpstreamTarget, request: ChatRequest, where: string, signal: AbortSignal) => Promise<T>;

export interface FailoverOptions {
  /** Retries per candidate (the decision's). Default 0. */
  retries?: number;
  /** The client's signal: aborts the attempt in flight and any wait between attempts. */
  signal?: AbortSignal;
  /**
   * Streams: the serving attempt's outcome is recorded when the stream ends (`Served.ended`),
   * not when its first chunk arrives, so a provider that always cuts its streams opens its
   * breaker. One attempt is one outcome in the breaker's window either way; a half-open probe
   * holds its slot until the stream is over.
   */
  streamOutcome?: boolean;
}

/** Reasons a candidate is excluded that are about the request, not about the provider's state. */
const REQUEST_MISFITS: ReadonlySet<ExclusionReason> = new Set(['context_window', 'max_output', 'no_tools', 'no_vision', 'no_json_mode', 'wrong_type']);

/**
 * One attempt's signal: aborted by the client's, or when `totalMs` has passed. A plain timer and
 * listener, cleared by `done`: AbortSignal.timeout and AbortSignal.any would leave a timer (and,
 * in Node 20, listeners) per request alive for the whole limit.
 */
function attemptLimit(totalMs: number, client: AbortSignal | undefined): { signal: AbortSignal; done(): void; timedOut(): boolean } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no complete answer within ${totalMs} ms`, 'TimeoutError'));
  }, totalMs);
  timer.unref();
  const onClient = (): void => controller.abort(client!.reason);
  if (client?.aborted) controller.abort(client.reason);
  else client?.addEventListener('abort', onClient, { once: true });
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      client?.removeEventListener('abort', onClient);
    },
    timedOut: () => timedOut,
  };
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `attempt` on each eligible candidate until one succeeds. */
export async function failover<T>(runtime: PolicyRuntime, candidates: readonly CandidateDecision[], request: ChatRequest, attempt: AttemptFn<T>, opts: FailoverOptions = {}): Promise<Served<T>> {
  const { health, budgets } = runtime.state;
  const { breaker, retry, timeouts } = runtime.resilience;
  const budget = { ratio: retry.budgetRatio, windowS: retry.budgetWindowS, floor: retry.budgetFloor };
  const failures: AttemptFailure[] = [];
  const unsupported: UnsupportedFeatureError[] = [];
  const refused: string[] = [];
  let attempts = 0;
  for (const candidate of candidates) {
    if (candidate.excluded !== null) continue;
    const provider = runtime.providers.get(candidate.provider)!;
    const target: UpstreamTarget = { baseUrl: provider.baseUrl, apiKey: provider.apiKey!, upstreamModel: candidate.upstream, promptTokens: candidate.promptTokens };
    const where = `${candidate.model} (${candidate.provider})`;
    budgets.request(provider.spec.name, budget);
    for (let retryNo = 0; ; retryNo++) {
      if (!health.admit(candidate.model, breaker)) {
        refused.push(`${where}: circuit open`);
        break;
      }
      // Each attempt has its own total time; the client's signal still ends it at once.
      const limit = attemptLimit(timeouts.totalMs, opts.signal);
      const signal = limit.signal;
      const started = performance.now();
      attempts++;
      try {
        const result = await attempt(provider, target, request, where, signal);
        const latencyMs = performance.now() - started;
        let recorded = false;
        const ended = (outcome: StreamOutcome): void => {
          if (recorded) return;
          recorded = true;
          if (outcome === 'abandoned') health.release(candidate.model);
          else health.record(candidate.model, outcome === 'complete', outcome === 'complete' ? latencyMs : null, breaker);
        };
        if (!opts.streamOutcome) ended('complete');
        const done = (): void => {
          limit.done();
          ended('abandoned');
        };
        return { candidate, provider, attempts, result, done, ended };
      } catch (err) {
        limit.done();
        if (err instanceof UnsupportedFeatureError) {
          // Nothing was sent: this candidate cannot take the request, the next one may.
          attempts--;
          health.release(candidate.model);
          unsupported.push(err);
          break;
        }
        if (opts.signal?.aborted) {
          health.release(candidate.model);
          throw err;
        }
        if (!(err instanceof AttemptFailure)) {
          // The attempt's own time ran out while it was reading: a timeout like any other.
          if (!limit.timedOut()) throw err;
          err = new AttemptFailure(new GatewayError('SY_UPSTREAM_TIMEOUT', `${where}: no complete answer within ${timeouts.totalMs} ms`), { failover: true, retryable: true, unhealthy: true });
        }
        const failure = err as AttemptFailure;
        if (failure.kind.unhealthy) health.record(candidate.model, false, null, breaker);
        else health.release(candidate.model);
        failures.push(failure);
        // Retry before failing over: a status that may not fail over (a 400) can still be
        // retried on the same candidate when the provider says x-should-retry: true.
        const retries = opts.retries ?? 0;
        const wait = failure.kind.retryable && retryNo < retries ? backoffMs(retryNo, failure.hints, { baseMs: retry.baseMs, maxMs: retry.maxMs }) : null;
        if (wait !== null && budgets.tryRetry(provider.spec.name, budget)) {
          await sleep(wait, opts.signal);
          continue;
        }
        if (!failure.kind.failover) throw withAttempts(failure.error, attempts);
        break;
      }
    }
  }
  const last = failures[failures.length - 1];
  if (!last) {
    const first = unsupported[0];
    if (first) throw new GatewayError('SY_REQUEST_UNSUPPORTED', `no candidate of this route can take the request: ${unsupported.map((e) => e.message).join('; ')}`, { param: first.param });
    throw unavailable(runtime, candidates, refused);
  }
  if (failures.length === 1) throw withAttempts(last.error, attempts);
  const error = new GatewayError(last.error.code, `${failures.length} attempts failed: ${failures.map((f) => f.message).join('; ')}`, { retryAfterS: last.error.retryAfterS });
  throw withAttempts(error, attempts);
}

/** The error, saying how many upstream calls were made before it (for the traffic record). */
function withAttempts(error: GatewayError, attempts: number): GatewayError {
  error.attempts = attempts;
  return error;
}

/**
 * The error for a route none of whose candidates may be called: a 400 when the request itself
 * does not fit any of them (too long, needs a capability they lack), else a 503 naming what is
 * missing.
 */
function unavailable(runtime: PolicyRuntime, candidates: readonly CandidateDecision[], refused: readonly string[]): GatewayError {
  if (refused.length === 0 && candidates.length > 0 && candidates.every((c) => c.excluded !== null && REQUEST_MISFITS.has(c.excluded))) {
    return new GatewayError('SY_REQUEST_UNSUPPORTED', `no candidate of this route can take the request: ${candidates.map((c) => `${c.model}: ${c.excluded}`).join('; ')}`, { param: null });
  }
  const reasons = candidates.map((c) => {
    const provider = runtime.providers.get(c.provider);
    if (c.excluded === 'unavailable' && provider) {
      return `${c.model} needs provider ${c.provider}, whose key variable ${provider.spec.apiKeyEnv} is not set`;
    }
    return `${c.model} (${c.provider}): ${c.excluded ?? 'circuit open'}`;
  });
  return new GatewayError('SY_PROVIDER_UNAVAILABLE', `no candidate can serve this request: ${reasons.join('; ')}`);
}
