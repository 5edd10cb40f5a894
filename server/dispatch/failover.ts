/**
 * Failover across the decision's candidates, in order: the next one is tried only when the
 * previous attempt failed before anything reached the client. Every attempt's error is kept;
 * when all fail, the client gets the last one with the whole list in its message.
 */
import type { CandidateDecision } from '../../engine/src/decide.js';
import type { ChatRequest, UpstreamTarget } from '../adapters/types.js';
import { GatewayError } from '../errors.js';
import type { PolicyRuntime, ResolvedProvider } from '../policy-runtime.js';
import { UnsupportedFeatureError } from '../adapters/unsupported.js';
import { AttemptFailure } from './upstream-error.js';

/** What served: the candidate and its resolved provider. */
export interface Served<T> {
  candidate: CandidateDecision;
  provider: ResolvedProvider;
  attempts: number;
  result: T;
}

export type AttemptFn<T> = (provider: ResolvedProvider, target: UpstreamTarget, request: ChatRequest, where: string) => Promise<T>;

/** Runs `attempt` on each eligible candidate until one succeeds. */
export async function failover<T>(runtime: PolicyRuntime, candidates: readonly CandidateDecision[], request: ChatRequest, attempt: AttemptFn<T>): Promise<Served<T>> {
  const failures: AttemptFailure[] = [];
  const unsupported: UnsupportedFeatureError[] = [];
  let attempts = 0;
  for (const candidate of candidates) {
    if (candidate.excluded !== null) continue;
    const provider = runtime.providers.get(candidate.provider)!;
    const target: UpstreamTarget = { baseUrl: provider.baseUrl, apiKey: provider.apiKey!, upstreamModel: candidate.upstream };
    attempts++;
    try {
      return { candidate, provider, attempts, result: await attempt(provider, target, request, `${candidate.model} (${candidate.provider})`) };
    } catch (err) {
      if (err instanceof UnsupportedFeatureError) {
        // Nothing was sent: this candidate cannot take the request, the next one may.
        attempts--;
        unsupported.push(err);
        continue;
      }
      if (!(err instanceof AttemptFailure)) throw err;
      failures.push(err);
      if (!err.failover) throw err.error;
    }
  }
  const last = failures[failures.length - 1];
  if (!last) {
    const first = unsupported[0];
    if (first) throw new GatewayError('SY_REQUEST_UNSUPPORTED', `no candidate of this route can take the request: ${unsupported.map((e) => e.message).join('; ')}`, { param: first.param });
    throw unavailable(runtime, candidates);
  }
  if (failures.length === 1) throw last.error;
  throw new GatewayError(last.error.code, `all ${failures.length} candidates failed: ${failures.map((f) => f.message).join('; ')}`, { retryAfterS: last.error.retryAfterS });
}

/** The error for a route none of whose candidates may be called, naming what is missing. */
function unavailable(runtime: PolicyRuntime, candidates: readonly CandidateDecision[]): GatewayError {
  const reasons = candidates.map((c) => {
    const provider = runtime.providers.get(c.provider);
    if (c.excluded === 'unavailable' && provider) {
      return `${c.model} needs provider ${c.provider}, whose key variable ${provider.spec.apiKeyEnv} is not set`;
    }
    return `${c.model} (${c.provider}): ${c.excluded ?? 'not tried'}`;
  });
  return new GatewayError('SY_PROVIDER_UNAVAILABLE', `no candidate can serve this request: ${reasons.join('; ')}`);
}
