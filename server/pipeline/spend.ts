/**
 * Budgets and the ledger on the request path. Before dispatch the request's worst case is
 * reserved against every budget it falls under at once (a refusal is a 429, or a downgrade to a
 * cheaper route); after it, the reservation is settled to the real usage and the charge is
 * committed to the ledger before the client gets the answer, or released when nothing was
 * served. A reservation whose gateway dies expires in the store.
 */
import type { CandidateDecision, Decision, RequestFeatures, Snapshot } from '../../engine/src/decide.js';
import { costUsd } from '../../engine/src/cost.js';
import type { BudgetStore, Ledger, Reservation, ReserveResult, ScopeValues } from '../budgets/types.js';
import { BudgetStoreUnavailableError } from '../budgets/index.js';
import { GatewayError } from '../errors.js';
import type { PolicyRuntime } from '../policy-runtime.js';
import type { ModelSpec } from '../../engine/src/policy/types.js';
import { tokenUsage, type TokenCounts } from './trace.js';
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
 * The request's worst case over every upstream call the dispatcher may make for it: each
 * eligible candidate, tried 1 + the decision's retries times (server/dispatch/failover.ts; the
 * retry budget and the breakers only ever make fewer). Each call is its exact prompt tokens at
 * the input price plus the largest output it may get (the max_tokens it goes out with, else the
 * model's own limit, for each of the `n` choices asked) at the output price: a call that timed
 * out may still be billed by its provider, so every allowed call is counted, not only the one
 * that answers. Settling brings the reservation down to the real usage.
 */
export function worstCase(models: ReadonlyMap<string, ModelSpec>, decision: Decision, features: RequestFeatures): { usd: number; tokens: number } {
  let usd = 0;
  let tokens = 0;
  const asked = decision.maxTokens ?? features.maxTokens;
  const calls = 1 + decision.retries;
  for (const c of decision.candidates) {
    if (c.excluded !== null) continue;
    const model = models.get(c.model)!;
    // Each of `n` choices may run to the output limit; the prompt is billed once per call.
    const output = features.kind === 'embedding' ? 0 : Math.min(asked ?? model.maxOutputTokens, model.maxOutputTokens) * (features.choices ?? 1);
    usd += calls * costUsd(model, { inputTokens: c.promptTokens, outputTokens: output });
    tokens += calls * (c.promptTokens + output);
  }
  return { usd, tokens };
}

/**
 * A budget refusal the pipeline acts on by serving through another route; `refused` is the 429
 * to answer instead when that route cannot be used (the key may not use it).
 */
export class Downgrade {
  constructor(readonly route: string, readonly refused: GatewayError) {}
}

function secondsUntil(at: number | null): number | null {
  return at === null ? null : Math.max(1, Math.ceil((at - Date.now()) / 1000));
}

/** The 429 for a budget that refuses: what is left and when it resets, in the message and as error.budget. */
function budgetExceeded(refusal: Extract<ReserveResult, { ok: false }>): GatewayError {
  const { budget, remaining, unit, resetsAt } = refusal;
  const left = unit === 'usd' ? `$${remaining.toFixed(6)}` : `${remaining} tokens`;
  const when = resetsAt === null ? 'it does not reset by itself' : `it resets at ${new Date(resetsAt).toISOString()}`;
  return new GatewayError('SY_BUDGET_EXCEEDED',
    `budget ${budget.name} (${budget.scope}${budget.match ? ` ${budget.match}` : ''}) would be exceeded: ${left} left of ${unit === 'usd' ? `$${budget.limit}` : `${budget.limit} tokens`}; ${when}`,
    {
      retryAfterS: secondsUntil(resetsAt),
      budget: { name: budget.name, scope: budget.scope, unit, limit: budget.limit, remaining, resets_at: resetsAt === null ? null : new Date(resetsAt).toISOString() },
    });
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
    // The store's message already names the policy setting that refuses.
    if (err instanceof BudgetStoreUnavailableError) throw new GatewayError('SY_BUDGET_STORE_UNAVAILABLE', `budgets cannot be checked: ${err.message}`);
    throw err;
  }
  if (result.ok) {
    for (const alert of result.alerts) {
      log.warn(`budget ${alert.budget} at ${(alert.share * 100).toFixed(0)}% of its limit`);
      deps.metrics?.budgetAlerts.inc({ budget: alert.budget, threshold: String(alert.share) });
    }
    return result.reservation;
  }
  const { budget, action } = result;
  deps.metrics?.budgetRefusals.inc({ budget: budget.name, action: action === 'downgrade' && features.forceRoute === undefined ? 'downgrade' : 'reject' });
  const refused = budgetExceeded(result);
  if (action === 'downgrade' && budget.downgradeTo !== null && features.forceRoute === undefined) return new Downgrade(budget.downgradeTo, refused);
  throw refused;
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
    ? { usd: costUsd(model, tokenUsage(usage)), tokens: usage.input + usage.output }
    : reservation ? { usd: reservation.usd, tokens: reservation.tokens } : worstCase(runtime.models, decision, features);
  // Charged where it was served: after a failover, the model budgets of the model that answered.
  const scopes = { ...scopesOf(features, decision), model: served.model };
  if (reservation && deps.budgets) await deps.budgets.settle(reservation, actual, { ...reservation.scopes, model: served.model });
  if (deps.ledger) {
    await deps.ledger.append({
      requestId, at, settledAt: Date.now(), scopes, usd: actual.usd, tokens: actual.tokens,
      provider: served.provider, model: served.model, instance: deps.instance ?? '',
    });
  }
}

/** Gives a reservation back when nothing was served. */
export async function release(deps: SpendDeps, reservation: Reservation | null): Promise<void> {
  if (reservation && deps.budgets) await deps.budgets.release(reservation);
}
