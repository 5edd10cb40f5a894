/**
 * The budget store a gateway uses: shared through Redis when it has a Redis URL, else in this
 * process. When Redis cannot be reached, the policy's `budget_store.on_unreachable` decides:
 * `closed` (default) refuses every request under a budget (reserve throws
 * BudgetStoreUnavailableError, which the caller answers with 503); `open` serves them
 * unbudgeted. Settling and releasing never fail a response: a settlement Redis missed is still
 * in the ledger, and a reservation it kept expires there on its own.
 */
import { randomUUID } from 'node:crypto';
import { ReplyError } from 'ioredis';
import type { Policy } from '../../engine/src/policy/types.js';
import type { Snapshot } from '../../engine/src/decide.js';
import type { BudgetStore, Charge, Reservation, ReserveRequest, ReserveResult, ScopeValues } from './types.js';
import { LocalBudgetStore } from './local.js';
import { RedisBudgetStore } from './redis.js';

export { LocalBudgetStore, RedisBudgetStore };

/** The pino-style logger of the server (Fastify's), or anything with the same two methods. */
export interface BudgetLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CreateBudgetStoreOptions {
  /** Shared budgets through this Redis; absent: budgets of this process only. */
  redisUrl?: string | undefined;
  /** Defaults to the policy's budget_store.on_unreachable. */
  onUnreachable?: 'closed' | 'open' | undefined;
  log: BudgetLog;
  /** Redis key prefix (tests use their own). */
  prefix?: string | undefined;
  now?: (() => number) | undefined;
}

/** Redis could not be reached and the policy fails closed: answer 503. */
export class BudgetStoreUnavailableError extends Error {
  override readonly name = 'BudgetStoreUnavailableError';
}

export function createBudgetStore(policy: Pick<Policy, 'budgets' | 'budgetStore'>, opts: CreateBudgetStoreOptions): BudgetStore {
  const common = { budgets: policy.budgets, reservationTtlS: policy.budgetStore.reservationTtlS, ...(opts.now ? { now: opts.now } : {}) };
  // Without budgets there is nothing to share, and nothing to refuse when Redis is away.
  if (!opts.redisUrl || policy.budgets.length === 0) return new LocalBudgetStore(common);
  const inner = new RedisBudgetStore({ ...common, url: opts.redisUrl, ...(opts.prefix ? { prefix: opts.prefix } : {}) });
  return new GuardedStore(inner, opts.onUnreachable ?? policy.budgetStore.onUnreachable, opts.log, opts.now ?? Date.now, policy.budgetStore.reservationTtlS * 1000);
}

/** A Redis reply error is a bug in a script; anything else (refused, timed out, closed) is Redis away. */
function unreachable(err: unknown): boolean {
  return !(err instanceof ReplyError);
}

/** Applies on_unreachable around the Redis store, and logs when Redis goes away and comes back. */
class GuardedStore implements BudgetStore {
  #down = false;

  constructor(
    readonly inner: RedisBudgetStore,
    readonly onUnreachable: 'closed' | 'open',
    readonly log: BudgetLog,
    readonly now: () => number,
    readonly ttlMs: number,
  ) {}

  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    try {
      return this.#up(await this.inner.reserve(req));
    } catch (err) {
      if (!unreachable(err)) throw err;
      this.#wentDown(err);
      if (this.onUnreachable === 'closed') {
        throw new BudgetStoreUnavailableError(`budget store unreachable (${errorText(err)}); requests under a budget are refused while it is (budget_store.on_unreachable: closed)`, { cause: err });
      }
      const reservation: Reservation = {
        id: randomUUID(), requestId: req.requestId, at: req.at, scopes: { ...req.scopes }, usd: req.usd, tokens: req.tokens,
        expiresAt: this.now() + this.ttlMs, budgets: [],
      };
      return { ok: true, reservation, alerts: [] };
    }
  }

  async settle(reservation: Reservation, actual: { usd: number; tokens: number }, scopes?: ScopeValues): Promise<void> {
    await this.#quietly(() => this.inner.settle(reservation, actual, scopes), undefined);
  }

  /**
   * RedisBudgetStore.seed; while Redis is away nothing is seeded (0), and the outage is logged.
   * An error with Redis up is the ledger's (reading the charges), and is thrown.
   */
  async seed(charges: Iterable<Charge> | AsyncIterable<Charge>): Promise<number> {
    try {
      return this.#up(await this.inner.seed(charges));
    } catch (err) {
      if (!unreachable(err) || this.inner.connected) throw err;
      this.#wentDown(err);
      return 0;
    }
  }

  async release(reservation: Reservation): Promise<void> {
    await this.#quietly(() => this.inner.release(reservation), undefined);
  }

  /** Nothing known while Redis is away: decide() then sees no limits, and reserve applies the policy. */
  async remaining(scopes: ScopeValues, at: number): Promise<Snapshot['budgets']> {
    return this.#quietly(() => this.inner.remaining(scopes, at), {});
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async #quietly<T>(op: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return this.#up(await op());
    } catch (err) {
      if (!unreachable(err)) throw err;
      this.#wentDown(err);
      return fallback;
    }
  }

  #up<T>(value: T): T {
    // An answer that needed no Redis (a request under no budget) says nothing of it.
    if (this.#down && this.inner.connected) {
      this.#down = false;
      this.log.warn({ budgetStore: 'redis' }, 'budget store reachable again: budgets enforced');
    }
    return value;
  }

  /** One log line per outage, not one per request. */
  #wentDown(err: unknown): void {
    if (this.#down) return;
    this.#down = true;
    const consequence = this.onUnreachable === 'closed' ? 'requests under a budget are refused with 503' : 'requests are served unbudgeted';
    this.log.error({ err, budgetStore: 'redis', onUnreachable: this.onUnreachable }, `budget store unreachable: ${consequence} until it is back`);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
