/**
 * Worst cases of a policy, computed from the policy alone: how many upstream calls one request
 * can cause on each route, and what one request can cost at most. `policy check` prints them and
 * the compiler refuses a policy whose worst case is above its `limits`.
 */
import { PolicyError } from '../errors.js';
import { locate } from './parse.js';
import type { ParsedPolicy } from './parse.js';
import type { ModelSpec, Policy, RouteSpec, Strategy } from './types.js';

export interface RouteAnalysis {
  route: string;
  strategy: Strategy;
  /** Every model the route can try, fallback routes' included, without repeats, in order. */
  candidates: string[];
  retries: number;
  /** Upstream calls at worst: each candidate tried 1 + retries times (its own route's retries). */
  worstAttempts: number;
  /** USD of one request at worst on the dearest candidate. */
  worstCostUsd: number;
  dearestModel: string;
  /**
   * USD a budget reserves for one request at worst: every attempt's worst cost summed, since an
   * attempt that times out may still be billed (server/pipeline/spend.ts reserves the same way).
   */
  worstReservedUsd: number;
}

/** The route and its fallbacks, in the order decide() walks them; stops at a repeat (a cycle the checker reports). */
export function fallbackChain(policy: Policy, route: RouteSpec): RouteSpec[] {
  const byName = new Map(policy.routes.map((r) => [r.name, r]));
  const chain: RouteSpec[] = [];
  for (let r: RouteSpec | undefined = route; r !== undefined && !chain.includes(r); r = r.fallback === null ? undefined : byName.get(r.fallback)) {
    chain.push(r);
  }
  return chain;
}

/**
 * USD of one request on `model` through `route` at worst: the whole context window used, the
 * output as long as max_tokens lets it be, the prompt filling the rest (and no longer than the
 * route's prompt_tokens match allows). When the route always sends a max_tokens (it sets a
 * default or a max), the estimate decide() compares with require.max_cost_usd bounds the real
 * cost, so the cap bounds the worst case too.
 */
export function worstCostUsd(model: ModelSpec, route: RouteSpec): number {
  const output = Math.min(route.maxTokensMax ?? model.maxOutputTokens, model.maxOutputTokens, model.contextWindow);
  const prompt = Math.min(model.contextWindow - output, route.matchPromptTokens[1]);
  const cost = (prompt * model.inputPerMTok + output * model.outputPerMTok) / 1e6;
  const bounded = route.maxTokensDefault !== null || route.maxTokensMax !== null;
  return bounded ? Math.min(cost, route.maxCostUsd) : cost;
}

/** Worst cases of one route. */
export function analyzeRoute(policy: Policy, route: RouteSpec): RouteAnalysis {
  const models = new Map(policy.models.map((m) => [m.name, m]));
  const seen = new Set<string>();
  let attempts = 0;
  let worst = 0;
  let reserved = 0;
  let dearest = route.candidates[0] ?? '';
  for (const r of fallbackChain(policy, route)) {
    for (const name of r.candidates) {
      if (seen.has(name)) continue;
      seen.add(name);
      attempts += 1 + r.retries;
      const model = models.get(name);
      if (model === undefined) continue;
      const cost = worstCostUsd(model, r);
      reserved += cost * (1 + r.retries);
      if (cost > worst) {
        worst = cost;
        dearest = name;
      }
    }
  }
  return { route: route.name, strategy: route.strategy, candidates: [...seen], retries: route.retries, worstAttempts: attempts, worstCostUsd: worst, dearestModel: dearest, worstReservedUsd: reserved };
}

/** Worst cases of every written route, in policy order. */
export function analyzePolicy(policy: Policy): RouteAnalysis[] {
  return policy.routes.map((route) => analyzeRoute(policy, route));
}

/** A route whose worst case is above the policy's limits, as an error at the route. */
export function checkLimits(policy: Policy, parsed: ParsedPolicy): PolicyError[] {
  const { maxAttemptsPerRequest, maxCostPerRequestUsd } = policy.limits;
  const errors: PolicyError[] = [];
  policy.routes.forEach((route, i) => {
    const a = analyzeRoute(policy, route);
    const path = `routes[${i}]`;
    if (a.worstAttempts > maxAttemptsPerRequest) {
      errors.push(new PolicyError('SY_POLICY_LIMIT_EXCEEDED',
        `route ${JSON.stringify(route.name)} can make ${a.worstAttempts} upstream calls for one request (${a.candidates.length} candidates with fallbacks, each tried 1 + retries times), above limits.max_attempts_per_request ${maxAttemptsPerRequest}; lower retries or candidates`,
        locate(parsed, ['routes', i]), { path }));
    }
    if (a.worstCostUsd > maxCostPerRequestUsd) {
      errors.push(new PolicyError('SY_POLICY_LIMIT_EXCEEDED',
        `route ${JSON.stringify(route.name)} can cost up to $${a.worstCostUsd.toFixed(4)} for one request (${a.dearestModel} with its whole context window), above limits.max_cost_per_request_usd $${maxCostPerRequestUsd}; set max_tokens.max and a prompt_tokens match, or require.max_cost_usd with max_tokens`,
        locate(parsed, ['routes', i]), { path }));
    }
  });
  return errors;
}
