/**
 * Budgets for one gateway process, exact. Every method does all its work before its first
 * (absent) await, so two reservations never interleave: checking every budget a request touches
 * and then reserving on all of them is atomic, and spent + reserved <= limit holds at every
 * instant for every reject and downgrade budget. A restarted process rebuilds what was spent
 * from the ledger (`resume`); reservations die with the process, as their requests do.
 */
import { randomUUID } from 'node:crypto';
import type { PolicyBudget } from '../../engine/src/policy/types.js';
import type { Snapshot } from '../../engine/src/decide.js';
import type { BudgetStore, Charge, Reservation, ReserveRequest, ReserveResult, ScopeValues } from './types.js';
import { amountFor, crossedAlerts, firstRefusal, refusalOf, settledTargets, snapshotOf, targetsOf, usageOf, type BudgetUsage, type Target } from './targets.js';
import { bucketLeavesAt, stillCounts, type Placement } from './windows.js';

export interface LocalBudgetStoreOptions {
  budgets: readonly PolicyBudget[];
  reservationTtlS: number;
  /** The clock, epoch ms; tests move it. */
  now?: () => number;
}

interface Counter {
  place: Placement;
  spent: number;
  reserved: number;
  /** What each live reservation holds here, by reservation id. */
  holds: Map<string, number>;
  /** Rolling windows: [bucket start, units spent in it], ascending. */
  buckets: Array<[number, number]>;
}

/** Old counters are looked for once a minute of the store's clock. */
const GC_EVERY_MS = 60_000;

export class LocalBudgetStore implements BudgetStore {
  readonly #budgets: readonly PolicyBudget[];
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #counters = new Map<string, Counter>();
  /**
   * Live reservations, in deadline order: every deadline is creation time + the one TTL, so
   * insertion order is deadline order and expiring stops at the first one still alive.
   */
  readonly #live = new Map<string, { expiresAt: number; keys: string[] }>();
  /** Reservations settled or released (id -> when), so that doing it again changes nothing. */
  readonly #done = new Map<string, number>();
  #nextGc = 0;

  constructor(opts: LocalBudgetStoreOptions) {
    this.#budgets = opts.budgets;
    this.#ttlMs = opts.reservationTtlS * 1000;
    this.#now = opts.now ?? Date.now;
  }

  /** Counts settled charges (from the ledger) whose windows are still open. */
  resume(charges: Iterable<Charge>): void {
    const now = this.#now();
    for (const charge of charges) {
      for (const target of targetsOf(this.#budgets, charge.scopes, charge.at)) {
        if (stillCounts(target.place, now)) this.#charge(this.#counter(target, now), target, amountFor(target.budget, charge), now);
      }
    }
  }

  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    const now = this.#tick();
    const targets = targetsOf(this.#budgets, req.scopes, req.at);
    const counters = targets.map((t) => this.#counter(t, now));
    const amounts = targets.map((t) => amountFor(t.budget, req));
    const used = counters.map((c) => c.spent + c.reserved);
    const refused = firstRefusal(targets.flatMap((target, i) =>
      target.budget.onExceed !== 'alert' && used[i]! + amounts[i]! > target.limit ? [{ target, i }] : []));
    if (refused) {
      const { target, i } = refused;
      return refusalOf(target, used[i]!, rollingResetsAt(counters[i]!, used[i]! + amounts[i]! - target.limit));
    }
    const id = randomUUID();
    const expiresAt = now + this.#ttlMs;
    counters.forEach((c, i) => {
      c.reserved += amounts[i]!;
      c.holds.set(id, amounts[i]!);
    });
    this.#live.set(id, { expiresAt, keys: targets.map((t) => t.key) });
    const reservation: Reservation = {
      id, requestId: req.requestId, at: req.at, scopes: { ...req.scopes }, usd: req.usd, tokens: req.tokens, expiresAt,
      budgets: targets.map((t) => t.budget.name),
    };
    const alerts = targets.flatMap((t, i) => crossedAlerts(t, used[i]!, amounts[i]!).map((share) => ({ budget: t.budget.name, share })));
    return { ok: true, reservation, alerts };
  }

  /**
   * Charges the actual amount in full, even above what was reserved or after the reservation
   * expired: the ledger has the charge, so the budget does too (spent may then pass the limit,
   * and every reservation in that window is refused until it resets).
   */
  async settle(reservation: Reservation, actual: { usd: number; tokens: number }, scopes?: ScopeValues): Promise<void> {
    const now = this.#tick();
    // Freeing every hold and charging the settled budgets happen with no await between.
    if (!this.#finish(reservation.id, now)) return;
    for (const target of settledTargets(this.#budgets, reservation, scopes)) this.#charge(this.#counter(target, now), target, amountFor(target.budget, actual), now);
  }

  async release(reservation: Reservation): Promise<void> {
    this.#finish(reservation.id, this.#tick());
  }

  async remaining(scopes: ScopeValues, at: number): Promise<Snapshot['budgets']> {
    const now = this.#tick();
    const targets = targetsOf(this.#budgets, scopes, at);
    return snapshotOf(targets, targets.map((t) => {
      const c = this.#counter(t, now);
      return c.spent + c.reserved;
    }));
  }

  /** Spent and reserved on every budget a request with `scopes` arriving at `at` counts against. */
  async usage(scopes: ScopeValues, at: number): Promise<BudgetUsage[]> {
    const now = this.#tick();
    return targetsOf(this.#budgets, scopes, at).map((t) => {
      const c = this.#counter(t, now);
      return usageOf(t, c.spent, c.reserved);
    });
  }

  async close(): Promise<void> {
    this.#counters.clear();
    this.#live.clear();
    this.#done.clear();
  }

  /** Marks a reservation settled or released and frees what it holds; false if it already was. */
  #finish(id: string, now: number): boolean {
    if (this.#done.has(id)) return false;
    this.#done.set(id, now);
    this.#unhold(id);
    return true;
  }

  #unhold(id: string): void {
    const live = this.#live.get(id);
    if (!live) return;
    this.#live.delete(id);
    for (const key of live.keys) {
      const c = this.#counters.get(key);
      const held = c?.holds.get(id);
      if (!c || held === undefined) continue;
      c.reserved -= held;
      c.holds.delete(id);
    }
  }

  /** The clock, after expiring what is past its deadline and, now and then, dropping old counters. */
  #tick(): number {
    const now = this.#now();
    for (const [id, r] of this.#live) {
      if (r.expiresAt > now) break;
      this.#unhold(id);
    }
    if (now >= this.#nextGc) {
      this.#gc(now);
      this.#nextGc = now + GC_EVERY_MS;
    }
    return now;
  }

  /** Drops counters that hold nothing and count nothing any more, and old settle markers. */
  #gc(now: number): void {
    for (const [key, c] of this.#counters) {
      trim(c, now);
      const over = c.place.kind === 'calendar' ? now >= c.place.end : c.spent === 0;
      if (over && c.holds.size === 0) this.#counters.delete(key);
    }
    // A second settle comes from a retry soon after the first; twice the TTL is ample.
    for (const [id, at] of this.#done) {
      if (at > now - 2 * this.#ttlMs) break;
      this.#done.delete(id);
    }
  }

  #counter(target: Target, now: number): Counter {
    let c = this.#counters.get(target.key);
    if (!c) {
      c = { place: target.place, spent: 0, reserved: 0, holds: new Map(), buckets: [] };
      this.#counters.set(target.key, c);
    }
    trim(c, now);
    return c;
  }

  #charge(c: Counter, target: Target, units: number, now: number): void {
    const place = target.place;
    if (place.kind === 'calendar') {
      c.spent += units;
      return;
    }
    // A charge whose bucket has already left the window would be trimmed at once.
    if (!stillCounts(place, now)) return;
    addToBucket(c.buckets, place.bucket, units);
    c.spent += units;
  }
}

/** Drops a rolling counter's buckets that have left the window. */
function trim(c: Counter, now: number): void {
  const place = c.place;
  if (place.kind !== 'rolling') return;
  let n = 0;
  while (n < c.buckets.length && bucketLeavesAt(c.buckets[n]![0], place.spanMs, place.bucketMs) <= now) {
    c.spent -= c.buckets[n]![1];
    n++;
  }
  if (n > 0) c.buckets.splice(0, n);
}

function addToBucket(buckets: Array<[number, number]>, start: number, units: number): void {
  let lo = 0;
  let hi = buckets.length;
  // Charges mostly land in the newest bucket; search only when one lands in an older one.
  if (hi > 0 && buckets[hi - 1]![0] <= start) lo = hi - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (buckets[mid]![0] < start) lo = mid + 1;
    else hi = mid;
  }
  const at = buckets[lo];
  if (at && at[0] === start) at[1] += units;
  else buckets.splice(lo, 0, [start, units]);
}

/**
 * When a refused rolling budget has room for the request again: once enough of its oldest
 * charges have left the window to free `need` units. Null for calendar windows (their end is
 * the reset) and when spent charges alone cannot free enough (reservations must end first).
 */
function rollingResetsAt(c: Counter, need: number): number | null {
  const place = c.place;
  if (place.kind !== 'rolling') return null;
  let freed = 0;
  for (const [start, units] of c.buckets) {
    freed += units;
    if (freed >= need) return bucketLeavesAt(start, place.spanMs, place.bucketMs);
  }
  return null;
}
