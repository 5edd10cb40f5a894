/**
 * Budgets and the ledger on the request path. Before dispatch the request's worst case is
 * reserved against every budget it falls under at once (a refusal is a 429, or a downgrade to a
 * cheaper route); after it, the reservation is settled to the real usage and the charge is
 * committed to the ledger before the client gets the answer, or released when nothing was
 * served. A reservation whose gateway dies expires in the store.
 */
import type { CandidateDecision, Decision, RequestFeatures, Snapshot } from '../../engine/src/decide.js';
import { costUsd } from '../../engine/src/cost.js';
import type { BudgetStore, Ledger, Reservation, ScopeValues } from '../budgets/types.js';
import { BudgetStoreUnavailableError } from '../budgets/index.js';
import { GatewayError } from '../errors.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { ModelSpec } from '../../engine/src/policy/types.js';
import type { TokenCounts } from './trace.js';
import type { Metrics } from '../metrics.js';

export interface SpendDeps {
  budgets?: BudgetStore | undefined;
  metrics?: Metrics | undefined;
  ledger?: Ledger | undefined;
  /** Names this gateway process in the ledger. */
  instance?: string;
}

/** The scope values of a request: the caller's first, else what the request says of itself. */
export function scopesOf(features: RequestFeatures, decision: Decision | null): ScopeValues {
  const first = decision?.candidates.find((c) => c.excluded === null);
  return {
    key: features.caller?.key ?? '',
    user: features.caller?.user || (features.user ?? ''),
    team: features.caller?.team || (features.metadata?.team ?? ''),
    session: features.session ?? '',
    model: first?.model ?? '',
    route: decision?.route ?? '',
  };
}

/** What is left of the budgets the request falls under, for the decision's snapshot. */
export async function budgetSnapshot(deps: SpendDeps, runtime: PolicyRuntime, features: RequestFeatures, at: number): Promise<Snapshot['budgets'] | undefined> {
  if (!deps.budgets || runtime.compiled.policy.budgets.length === 0) return undefined;
  try {
    return await deps.budgets.remaining(scopesOf(features, null), at);
  } catch {
    // What is left is advice for conditions; the reservation is what enforces.
    return undefined;
  }
}

/**
 * The request's worst case on the dearest candidate it may be sent to: its exact prompt tokens
 * at the input price plus the largest output it may get (the max_tokens it goes out with, else
 * the model's own limit) at the output price. Attempts that fail are not billed by providers,
 * so one answer is the most a request can cost.
 */
export function worstCase(models: ReadonlyMap<string, ModelSpec>, decision: Decision, features: RequestFeatures): { usd: number; tokens: number } {
  let usd = 0;
  let tokens = 0;
  const asked = decision.maxTokens ?? features.maxTokens;
  for (const c of decision.candidates) {
    if (c.excluded !== null) continue;
    const model = models.get(c.model)!;
    const output = features.kind === 'embedding' ? 0 : Math.min(asked ?? model.maxOutputTokens, model.maxOutputTokens);
    usd = Math.max(usd, costUsd(model, { inputTokens: c.promptTokens, outputTokens: output }));
    tokens = Math.max(tokens, c.promptTokens + output);
  }
  return { usd, tokens };
}

/** A budget refusal the pipeline acts on: serve through another route, or answer 429. */
export class Downgrade {
  constructor(readonly route: string) {}
}

function secondsUntil(at: number | null): number | null {
  return at === null ? null : Math.max(1, Math.ceil((at - Date.now()) / 1000));
}

/**
 * Reserves the request's worst case; null when no budget applies. Throws the 429 (or 503 when the
 * store is unreachable and the policy fails closed), or returns a Downgrade.
 */
export async function reserve(deps: SpendDeps, runtime: PolicyRuntime, requestId: string, features: RequestFeatures, decision: Decision, at: number, log: { warn(msg: string): void }): Promise<Reservation | Downgrade | null> {
  if (!deps.budgets || runtime.compiled.policy.budgets.length === 0) return null;
  const worst = worstCase(runtime.models, decision, features);
  let result;
  try {
    result = await deps.budgets.reserve({ requestId, at, scopes: scopesOf(features, decision), usd: worst.usd, tokens: worst.tokens });
  } catch (err) {
    if (err instanceof BudgetStoreUnavailableError) throw new GatewayError('SY_BUDGET_STORE_UNAVAILABLE', `budgets cannot be checked: ${err.message}; the policy fails closed (budget_store.on_unreachable: closed)`);
    throw err;
  }
  if (result.ok) {
    for (const alert of result.alerts) {
      log.warn(`budget ${alert.budget} at ${(alert.share * 100).toFixed(0)}% of its limit`);
      deps.metrics?.budgetAlerts.inc({ budget: alert.budget, threshold: String(alert.share) });
    }
    return result.reservation;
  }
  const { budget, remaining, unit, resetsAt, action } = result;
  deps.metrics?.budgetRefusals.inc({ budget: budget.name, action: action === 'downgrade' && features.forceRoute === undefined ? 'downgrade' : 'reject' });
  if (action === 'downgrade' && budget.downgradeTo !== null && features.forceRoute === undefined) return new Downgrade(budget.downgradeTo);
  const left = unit === 'usd' ? `$${remaining.toFixed(6)}` : `${remaining} tokens`;
  const when = resetsAt === null ? 'it does not reset by itself' : `it resets at ${new Date(resetsAt).toISOString()}`;
  throw new GatewayError('SY_BUDGET_EXCEEDED',
    `budget ${budget.name} (${budget.scope}${budget.match ? ` ${budget.match}` : ''}) would be exceeded: ${left} left of ${unit === 'usd' ? `$${budget.limit}` : `${budget.limit} tokens`}; ${when}`,
    { retryAfterS: secondsUntil(resetsAt) });
}

/**
 * Settles what was served, then commits the charge to the ledger (SQLite: on disk when this
 * returns); the caller sends the answer after. A stream cut short comes with the usage its
 * provider reported or, failing that, the prompt and the tokens delivered; `usage` null only
 * when neither is known, and then the reservation's worst case is charged.
 */
export async function settle(deps: SpendDeps, runtime: PolicyRuntime, requestId: string, features: RequestFeatures, decision: Decision, reservation: Reservation | null, served: CandidateDecision, usage: TokenCounts | null, at: number): Promise<void> {
  const model = runtime.models.get(served.model)!;
  const actual = usage
    ? { usd: costUsd(model, { inputTokens: usage.input, cachedInputTokens: usage.cachedInput, outputTokens: usage.output }), tokens: usage.input + usage.output }
    : reservation ? { usd: reservation.usd, tokens: reservation.tokens } : worstCase(runtime.models, decision, features);
  if (reservation && deps.budgets) await deps.budgets.settle(reservation, actual);
  if (deps.ledger) {
    await deps.ledger.append({
      requestId, at, settledAt: Date.now(), scopes: { ...scopesOf(features, decision), model: served.model }, usd: actual.usd, tokens: actual.tokens,
      provider: served.provider, model: served.model, instance: deps.instance ?? '',
    });
  }
}

/** Gives a reservation back when nothing was served. */
export async function release(deps: SpendDeps, reservation: Reservation | null): Promise<void> {
  if (reservation && deps.budgets) await deps.budgets.release(reservation);
}
