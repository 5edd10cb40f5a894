/**
 * The policy as the server serves it: compiled program, core instance, resolved providers and
 * the base snapshot. A runtime is immutable; a reload builds a new one and swaps the reference,
 * so a request in flight finishes on the runtime it started with.
 */
import { Decider, type HealthState, type Snapshot } from '../engine/src/decide.js';
import type { ResilienceSpec } from '../engine/src/policy/types.js';
import { HealthRegistry } from './dispatch/health.js';
import { RetryBudgets } from './dispatch/retry-budget.js';
import type { RequestTimeouts } from './transport/pool.js';
import type { CompiledPolicy } from '../engine/src/policy/lower.js';
import type { ModelSpec, ProviderSpec } from '../engine/src/policy/types.js';
import { DEFAULT_RESILIENCE } from '../engine/src/policy/defaults.js';

const DEFAULT_REQUEST_TIMEOUTS: RequestTimeouts = { firstByteMs: DEFAULT_RESILIENCE.timeouts.firstByteMs, idleMs: DEFAULT_RESILIENCE.timeouts.idleMs };
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
  /** First-byte and idle limits of each attempt, from the serving policy. */
  timeouts: RequestTimeouts;
}

/**
 * What the gateway has learnt about providers, kept across policy reloads: the circuit
 * breakers and latency of each model, and each provider's retry budget.
 */
export class ResilienceState {
  readonly health: HealthRegistry;
  readonly budgets: RetryBudgets;
  constructor(now: () => number = Date.now) {
    this.health = new HealthRegistry(now);
    this.budgets = new RetryBudgets(now);
  }
}

export interface PolicyRuntime {
  compiled: CompiledPolicy;
  decider: Decider;
  providers: ReadonlyMap<string, ResolvedProvider>;
  models: ReadonlyMap<string, ModelSpec>;
  /**
   * The live snapshot a decision reads, taken at each read: models of providers without
   * credentials unavailable, the others with their breaker state, latency and error rate.
   */
  readonly snapshot: Snapshot;
  resilience: ResilienceSpec;
  state: ResilienceState;
  /** Every model alias some route answers, for GET /v1/models. */
  aliases: readonly string[];
  loadedAt: Date;
}

/** Reads each provider's base URL and key from `env`, the way the provider's own SDK does. */
export function resolveProviders(providers: readonly ProviderSpec[], env: NodeJS.ProcessEnv, timeouts: RequestTimeouts = DEFAULT_REQUEST_TIMEOUTS): Map<string, ResolvedProvider> {
  const resolved = new Map<string, ResolvedProvider>();
  for (const spec of providers) {
    const override = spec.baseUrlEnv ? env[spec.baseUrlEnv] : undefined;
    const baseUrl = (override && override.trim() !== '' ? override.trim() : spec.baseUrl).replace(/\/+$/, '');
    const key = env[spec.apiKeyEnv];
    resolved.set(spec.name, { spec, adapter: getAdapter(spec.kind), baseUrl, apiKey: key && key !== '' ? key : null, timeouts });
  }
  return resolved;
}

/**
 * A runtime for a compiled policy under `env`; `state` carries what the previous runtime learnt
 * about providers (a reload keeps breakers and budgets).
 */
export function createRuntime(compiled: CompiledPolicy, env: NodeJS.ProcessEnv, state: ResilienceState = new ResilienceState()): PolicyRuntime {
  const resilience = compiled.policy.resilience;
  const providers = resolveProviders(compiled.policy.providers, env, { firstByteMs: resilience.timeouts.firstByteMs, idleMs: resilience.timeouts.idleMs });
  const models = new Map(compiled.policy.models.map((m) => [m.name, m]));
  const unavailable: Record<string, HealthState> = {};
  for (const model of compiled.policy.models) {
    if (providers.get(model.provider)?.apiKey === null) unavailable[model.name] = { circuit: 'unavailable' };
  }
  const aliases = [...new Set(compiled.policy.routes.flatMap((r) => r.matchModels))];
  return {
    compiled,
    decider: new Decider(compiled),
    providers,
    models,
    get snapshot(): Snapshot {
      return { models: { ...state.health.snapshot(resilience.breaker), ...unavailable } };
    },
    resilience,
    state,
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
