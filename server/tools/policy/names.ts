/** Names a policy declares, as the policy tools check what a user writes against them. */
import type { Policy } from '../../../engine/src/policy/types.js';

/** The names a case or snapshot may mention; anything else is a typo worth an error. */
export interface PolicyNames {
  models: ReadonlySet<string>;
  providers: ReadonlySet<string>;
  routes: ReadonlySet<string>;
}

/** Names of a compiled policy, its implicit `model:<name>` routes included. */
export function policyNames(policy: Policy): PolicyNames {
  return {
    models: new Set(policy.models.map((m) => m.name)),
    providers: new Set(policy.providers.map((p) => p.name)),
    routes: new Set(policy.routes.map((r) => r.name)),
  };
}

/**
 * True for the implicit route the compiler adds per model (`model:<name>`); written route names
 * cannot hold a `:`, so the prefix tells them apart.
 */
export function isDirectRoute(name: string): boolean {
  return name.startsWith('model:');
}
