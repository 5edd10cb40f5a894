/** What a policy's cases leave untried: written routes none reaches, candidates none serves with. */
import type { Decision } from '../../../engine/src/decide.js';
import type { Policy } from '../../../engine/src/policy/types.js';
import { isDirectRoute } from './names.js';

export interface Coverage {
  /** Written routes no case's decision matched, in policy order. */
  unreachedRoutes: string[];
  /** Candidates of written routes that no case served with first, in policy order. */
  unselected: Array<{ route: string; model: string }>;
}

/**
 * Coverage of a policy's written routes by decisions. A candidate counts as selected for the
 * route that contributed it (a fallback route's candidate for the fallback route), since that
 * is the candidate list the author wrote it in.
 */
export function coverage(policy: Policy, decisions: readonly Decision[]): Coverage {
  const reached = new Set<string>();
  const selected = new Set<string>();
  for (const decision of decisions) {
    if (decision.route === null) continue;
    reached.add(decision.route);
    const first = decision.candidates.find((c) => c.excluded === null);
    if (first !== undefined) selected.add(pairKey(first.viaRoute, first.model));
  }
  const written = policy.routes.filter((r) => !isDirectRoute(r.name));
  return {
    unreachedRoutes: written.filter((r) => !reached.has(r.name)).map((r) => r.name),
    unselected: written.flatMap((r) => r.candidates.filter((m) => !selected.has(pairKey(r.name, m))).map((model) => ({ route: r.name, model }))),
  };
}

function pairKey(route: string, model: string): string {
  return `${route}\u0000${model}`;
}
