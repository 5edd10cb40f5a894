/**
 * Admission of a request before dispatch, for every ingress: who is calling (the virtual key's
 * caller reaches the decision), what is left of their budgets (conditions read it), whether the
 * key may use what the policy chose, and the reservation of the request's worst case, with a
 * budget's downgrade decided again on its route.
 */
import type { FastifyRequest } from 'fastify';
import type { RequestFeatures } from '../../engine/src/decide.js';
import type { ChatRequest } from '../adapters/types.js';
import type { Reservation } from '../budgets/types.js';
import { callerOf, checkAllowed } from '../keys/auth.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import { budgetSnapshot, Downgrade, reserve, type SpendDeps } from './spend.js';
import { decide, type Arrival, type Trace } from './trace.js';

/** The request's features with its caller, when a virtual key called. */
export function withCaller(features: RequestFeatures, request: FastifyRequest): RequestFeatures {
  const caller = callerOf(request);
  return caller ? { ...features, caller: { key: caller.key, team: caller.team ?? '', user: caller.user ?? '', metadata: caller.metadata } } : features;
}

/** Decides with the caller and what is left of the budgets. */
export async function decideAdmitted(deps: SpendDeps, runtime: PolicyRuntime, request: FastifyRequest, body: ChatRequest, base: RequestFeatures, arrival: Arrival): Promise<Trace> {
  const features = withCaller(base, request);
  return decide(runtime, request.id, body, features, arrival, await budgetSnapshot(deps, runtime, features, arrival.at));
}

/**
 * Checks the key may use the decision and reserves its worst case; a downgrade is decided again
 * on the budget's route (and its smaller worst case reserved). Throws the GatewayError to answer.
 */
export async function admit(deps: SpendDeps, request: FastifyRequest, trace: Trace): Promise<{ trace: Trace; reservation: Reservation | null }> {
  const { runtime, decision, features, body, arrival } = trace;
  if (decision.status === 'ok') {
    const denied = checkAllowed(callerOf(request), { model: body.model, route: decision.route });
    if (denied) throw denied;
  }
  const reserved = await reserve(deps, runtime, trace.id, features, decision, arrival.at, request.log);
  if (!(reserved instanceof Downgrade)) return { trace, reservation: reserved };
  const downgraded = decide(runtime, trace.id, body, { ...features, forceRoute: reserved.route }, arrival, trace.snapshot.budgets);
  // The key's allowed routes hold after a downgrade too; a key that may not use the cheaper
  // route hears the budget's refusal (the 429 it would get without a downgrade), not a 403.
  if (downgraded.decision.status === 'ok' && checkAllowed(callerOf(request), { model: body.model, route: downgraded.decision.route })) {
    request.log.warn(`budget downgrade refused: request ${trace.id} may not use route ${reserved.route}`);
    throw reserved.refused;
  }
  request.log.warn(`budget downgrade: request ${trace.id} served through route ${reserved.route}`);
  const again = await reserve(deps, runtime, trace.id, downgraded.features, downgraded.decision, arrival.at, request.log);
  // reserve() never downgrades a request already forced onto a route.
  return { trace: downgraded, reservation: again instanceof Downgrade ? null : again };
}
