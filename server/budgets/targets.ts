/**
 * What one request counts against: each budget whose scope value for the request is non-empty
 * (global: always) and equals the budget's `match` when it has one, placed in the window of the
 * request's arrival. Amounts are counted in integers so that releasing a reservation gives back
 * exactly what it took: tokens as they are, USD in nano-dollars (exact up to 2^53 nano-dollars,
 * about $9 million per window).
 */
import type { PolicyBudget } from '../../engine/src/policy/types.js';
import type { Snapshot, BudgetScope, BudgetState } from '../../engine/src/decide.js';
import type { Reservation, ReserveResult, ScopeValues } from './types.js';
import { placeIn, windowTag, type Placement } from './windows.js';

export interface Target {
  budget: PolicyBudget;
  /** The scope value this request has ('' for global). */
  value: string;
  place: Placement;
  /** Names the counter: budget, value and window. */
  key: string;
  /** The limit in units. */
  limit: number;
}

const NANO_PER_USD = 1e9;

/** `amount` of `unit` in units, rounded up: a reservation never holds less than it should. */
export function toUnits(amount: number, unit: 'usd' | 'tokens'): number {
  if (unit === 'tokens') return Math.ceil(amount);
  // toPrecision drops the multiplication's float noise (0.3 * 1e9 = 300000000.00000006), which
  // would otherwise round an exact amount up by one.
  return Math.ceil(Number((amount * NANO_PER_USD).toPrecision(15)));
}

export function fromUnits(units: number, unit: 'usd' | 'tokens'): number {
  return unit === 'tokens' ? units : units / NANO_PER_USD;
}

/** The request's amount in a budget's units: tokens count prompt + output, as the caller summed them. */
export function amountFor(budget: PolicyBudget, amount: { usd: number; tokens: number }): number {
  return toUnits(budget.unit === 'usd' ? amount.usd : amount.tokens, budget.unit);
}

/** The value a request has for a budget's scope, or null when the budget does not apply. */
export function scopeValue(budget: PolicyBudget, scopes: ScopeValues): string | null {
  if (budget.scope === 'global') return '';
  const value = scopes[budget.scope];
  if (value === '' || (budget.match !== null && budget.match !== value)) return null;
  return value;
}

/** Every budget a request with `scopes` arriving at `at` counts against, in policy order. */
export function targetsOf(budgets: readonly PolicyBudget[], scopes: ScopeValues, at: number): Target[] {
  const out: Target[] = [];
  for (const budget of budgets) {
    const value = scopeValue(budget, scopes);
    if (value === null) continue;
    const place = placeIn(budget.window, at);
    out.push({
      budget, value, place,
      key: `${budget.name}:${encodeURIComponent(value)}:${windowTag(place)}`,
      limit: budget.unit === 'usd' ? Math.round(budget.limit * NANO_PER_USD) : budget.limit,
    });
  }
  return out;
}

/**
 * The budgets a settlement charges: the reservation's, placed by the scopes it settles under.
 * When those name another model than the reservation did (a failover served another
 * candidate), the model budgets are the served model's instead: the charge moves to them.
 */
export function settledTargets(budgets: readonly PolicyBudget[], reservation: Reservation, scopes: ScopeValues = reservation.scopes): Target[] {
  const names = new Set(reservation.budgets);
  const moved = scopes.model !== reservation.scopes.model;
  return targetsOf(budgets.filter((b) => names.has(b.name) || (moved && b.scope === 'model')), scopes, reservation.at);
}

/**
 * Alert thresholds this reservation crosses, as shares of the limit: an `alert_at` share is
 * crossed when committed use (spent + reserved) reaches it; an alert budget's limit (share 1)
 * when committed use goes over it. Reservations are worst cases, so alerts come early, never late.
 */
export function crossedAlerts(target: Target, usedBefore: number, amount: number): number[] {
  const after = usedBefore + amount;
  const shares = target.budget.alertAt.filter((share) => usedBefore < share * target.limit && share * target.limit <= after);
  if (target.budget.onExceed === 'alert' && usedBefore <= target.limit && after > target.limit) shares.push(1);
  return shares;
}

/**
 * Which refusal the caller hears when several budgets refuse: a downgrade before a reject, so
 * the cheaper route gets its chance (its own reservation is checked against every budget
 * again), then policy order.
 */
export function firstRefusal<T extends { target: Target }>(refusals: readonly T[]): T | undefined {
  return refusals.find((r) => r.target.budget.onExceed === 'downgrade') ?? refusals[0];
}

export type Refusal = Extract<ReserveResult, { ok: false }>;

/** The answer for a budget that refuses: what is left, and when it resets (rolling: when enough has left the window, if spent charges alone can make room). */
export function refusalOf(target: Target, used: number, rollingResetsAt: number | null): Refusal {
  const { budget, place } = target;
  return {
    ok: false, budget, unit: budget.unit,
    remaining: fromUnits(Math.max(0, target.limit - used), budget.unit),
    resetsAt: place.kind === 'calendar' ? place.end : rollingResetsAt,
    action: budget.onExceed === 'downgrade' ? 'downgrade' : 'reject',
  };
}

/** One budget counter as a store sees it, in the budget's unit (USD or tokens). */
export interface BudgetUsage {
  budget: string;
  value: string;
  unit: 'usd' | 'tokens';
  limit: number;
  spent: number;
  reserved: number;
}

export function usageOf(target: Target, spent: number, reserved: number): BudgetUsage {
  const { budget } = target;
  return { budget: budget.name, value: target.value, unit: budget.unit, limit: budget.limit, spent: fromUnits(spent, budget.unit), reserved: fromUnits(reserved, budget.unit) };
}

const SNAPSHOT_SCOPES: ReadonlySet<string> = new Set<BudgetScope>(['key', 'user', 'team', 'session', 'global']);

/**
 * What decide() sees, from each target's committed use (spent + reserved, in units): per scope,
 * the least left of its budgets in each unit. Budgets on model and route have no place in the
 * snapshot (conditions cannot name them), so they are left out.
 */
export function snapshotOf(targets: readonly Target[], used: readonly number[]): Snapshot['budgets'] {
  const out: Partial<Record<BudgetScope, BudgetState>> = {};
  targets.forEach((target, i) => {
    const scope = target.budget.scope;
    if (!SNAPSHOT_SCOPES.has(scope)) return;
    const left = fromUnits(Math.max(0, target.limit - used[i]!), target.budget.unit);
    const state = (out[scope as BudgetScope] ??= {});
    if (target.budget.unit === 'usd') state.remainingUsd = Math.min(state.remainingUsd ?? Infinity, left);
    else state.remainingTokens = Math.min(state.remainingTokens ?? Infinity, left);
  });
  return out;
}
