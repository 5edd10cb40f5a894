/**
 * Budgets rebuilt from the ledger when a store opens (a gateway starts, or a reload changes the
 * budgets): what was spent still counts. A store of this process counts every charge whose
 * window is still open, whichever ledger holds it (SQLite, or PostgreSQL shared with other
 * instances). The Redis store keeps its own counters, so it is seeded only in the budget windows
 * Redis has no counter for (Redis restarted without persistence); see RedisBudgetStore.seed.
 */
import type { PolicyBudget } from '../../engine/src/policy/types.js';
import type { BudgetStore, Charge } from './types.js';
import { LocalBudgetStore } from './local.js';

/** The longest calendar window there is (a month): how far back charges can still count. */
const MONTH_MS = 31 * 24 * 3600 * 1000;

/** Charges read per page when resuming a local store. */
const PAGE = 1000;

/** What resuming reads: the ledger's charges since a time, settled ones only. */
export interface ChargeSource {
  flush(): Promise<void>;
  charges(since?: number): Iterable<Charge> | AsyncIterable<Charge>;
}

/** A store that can be seeded from the ledger (the Redis one, guarded or not). */
interface SeedableStore {
  seed(charges: Iterable<Charge> | AsyncIterable<Charge>): Promise<number>;
}

function seedable(store: BudgetStore): store is BudgetStore & SeedableStore {
  return typeof (store as Partial<SeedableStore>).seed === 'function';
}

/** How far back a charge can still count under `budgets`: a month, or the longest rolling span and its bucket. */
export function lookbackMs(budgets: readonly PolicyBudget[]): number {
  let longest = MONTH_MS;
  for (const b of budgets) {
    if (b.window.kind === 'rolling') longest = Math.max(longest, b.window.seconds * 1000 + 60_000);
  }
  return longest;
}

/**
 * Counts the ledger's charges into `store`. Returns what it did, for the log line: the charges
 * read into a local store, or the Redis counters seeded; null for a store that keeps nothing.
 */
export async function resumeBudgets(store: BudgetStore, ledger: ChargeSource, budgets: readonly PolicyBudget[], now = Date.now()): Promise<{ resumed: number } | { seeded: number } | null> {
  if (budgets.length === 0) return null;
  const isLocal = store instanceof LocalBudgetStore;
  if (!isLocal && !seedable(store)) return null;
  // Charges still queued for PostgreSQL (a reload) are read once written.
  await ledger.flush();
  const charges = ledger.charges(now - lookbackMs(budgets));
  if (!isLocal) return { seeded: await (store as SeedableStore).seed(charges) };
  let resumed = 0;
  let page: Charge[] = [];
  // A SQLite ledger's iterator is synchronous: the loop then runs to the end without yielding,
  // so no request writes to the database while its statement is open.
  if (Symbol.iterator in charges) {
    store.resume((function* () {
      for (const charge of charges) {
        resumed++;
        yield charge;
      }
    })());
    return { resumed };
  }
  for await (const charge of charges) {
    page.push(charge);
    if (page.length === PAGE) {
      store.resume(page);
      resumed += page.length;
      page = [];
    }
  }
  store.resume(page);
  return { resumed: resumed + page.length };
}
