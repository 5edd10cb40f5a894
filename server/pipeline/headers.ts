/** The x-switchyard-* response headers that say how a request was decided and served. */
import type { Served } from '../dispatch/failover.js';
import type { Trace } from './trace.js';

/** Known once decided: the route that matched and the policy that decided. */
export function decisionHeaders(trace: Trace): Record<string, string> {
  return { 'x-switchyard-route': trace.decision.route ?? '', 'x-switchyard-policy': trace.runtime.compiled.policy.hash };
}

/** Known once served: the model and provider that answered and the upstream calls it took. */
export function servedHeaders(served: Served<unknown>): Record<string, string> {
  return { 'x-switchyard-model': served.candidate.model, 'x-switchyard-provider': served.candidate.provider, 'x-switchyard-attempts': String(served.attempts) };
}
