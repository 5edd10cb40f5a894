/**
 * The policy as the server serves it: compiled program, core instance, resolved providers and
 * the base snapshot. A runtime is immutable; a reload builds a new one and swaps the reference,
 * so a request in flight finishes on the runtime it started with.
 */
import { Decider, type Snapshot } from '../engine/src/decide.js';
import type { CompiledPolicy } from '../engine/src/policy/lower.js';
import type { ModelSpec, ProviderSpec } from '../engine/src/policy/types.js';
import { getAdapter } from './adapters/registry.js';
import type { Adapter } from './adapters/types.js';

/** A provider with its environment read: where to call it and whether it can be called. */
export interface ResolvedProvider {
  spec: ProviderSpec;
  adapter: Adapter;
  /** Base URL after the environment override, without a trailing slash. */
  baseUrl: string;
  /** The API key, or null when `spec.apiKeyEnv` is unset: the provider is then unavailable. */
  apiKey: string | null;
}

export interface PolicyRuntime {
  compiled: CompiledPolicy;
  decider: Decider;
  providers: ReadonlyMap<string, ResolvedProvider>;
  models: ReadonlyMap<string, ModelSpec>;
  /** Marks models of providers without credentials unavailable; built once per load. */
  snapshot: Snapshot;
  /** Every model alias some route answers, for GET /v1/models. */
  aliases: readonly string[];
  loadedAt: Date;
}

/** Reads each provider's base URL and key from `env`, the way the provider's own SDK does. */
export function resolveProviders(providers: readonly ProviderSpec[], env: NodeJS.ProcessEnv): Map<string, ResolvedProvider> {
  const resolved = new Map<string, ResolvedProvider>();
  for (const spec of providers) {
    const override = spec.baseUrlEnv ? env[spec.baseUrlEnv] : undefined;
    const baseUrl = (override && override.trim() !== '' ? override.trim() : spec.baseUrl).replace(/\/+$/, '');
    const key = env[spec.apiKeyEnv];
    resolved.set(spec.name, { spec, adapter: getAdapter(spec.kind), baseUrl, apiKey: key && key !== '' ? key : null });
  }
  return resolved;
}

/** A runtime for a compiled policy under `env`. */
export function createRuntime(compiled: CompiledPolicy, env: NodeJS.ProcessEnv): PolicyRuntime {
  const providers = resolveProviders(compiled.policy.providers, env);
  const models = new Map(compiled.policy.models.map((m) => [m.name, m]));
  const snapshotModels: Record<string, { circuit: 'unavailable' }> = {};
  for (const model of compiled.policy.models) {
    if (providers.get(model.provider)?.apiKey === null) snapshotModels[model.name] = { circuit: 'unavailable' };
  }
  const aliases = [...new Set(compiled.policy.routes.flatMap((r) => r.matchModels))];
  return {
    compiled,
    decider: new Decider(compiled),
    providers,
    models,
    snapshot: { models: snapshotModels },
    aliases,
    loadedAt: new Date(),
  };
}

/** Providers whose key variable is unset, for the startup log line. */
export function providersWithoutCredentials(runtime: PolicyRuntime): Array<{ provider: string; env: string }> {
  return [...runtime.providers.values()]
    .filter((p) => p.apiKey === null)
    .map((p) => ({ provider: p.spec.name, env: p.spec.apiKeyEnv }));
}
