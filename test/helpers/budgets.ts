/**
 * Budget-store test kit: policy budgets by shorthand, a clock tests move, the Redis the suite
 * runs against with a key prefix of its own per test run, and one factory shape so that the
 * same cases run against LocalBudgetStore and RedisBudgetStore.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PolicyBudget } from '../../engine/src/policy/types.js';
import type { BudgetStore, ScopeValues } from '../../server/budgets/types.js';
import type { BudgetUsage } from '../../server/budgets/targets.js';
import { LocalBudgetStore } from '../../server/budgets/local.js';
import { RedisBudgetStore } from '../../server/budgets/redis.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

export function budget(b: Partial<PolicyBudget> & Pick<PolicyBudget, 'name'>): PolicyBudget {
  return {
    scope: 'global', match: null, unit: 'tokens', limit: 100, window: { kind: 'calendar', unit: 'hour' },
    onExceed: 'reject', downgradeTo: null, alertAt: [], loc: { file: 'test.yaml', line: 1, col: 1 }, ...b,
  };
}

export function scopes(s: Partial<ScopeValues> = {}): ScopeValues {
  return { key: '', user: '', team: '', session: '', model: '', route: '', ...s };
}

/** A clock tests move by hand. */
export class Clock {
  constructor(public t: number) {}
  readonly now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

/** A store under test and the reading every store offers besides the contract. */
export type TestStore = BudgetStore & { usage(scopes: ScopeValues, at: number): Promise<BudgetUsage[]> };

export interface StoreKind {
  name: string;
  make(budgets: PolicyBudget[], opts: { reservationTtlS?: number; now: () => number; prefix?: string }): TestStore;
}

export const localKind: StoreKind = {
  name: 'LocalBudgetStore',
  make: (budgets, opts) => new LocalBudgetStore({ budgets, reservationTtlS: opts.reservationTtlS ?? 600, now: opts.now }),
};

/**
 * Redis stores under `prefix`: each store its own namespace below it, unless given a `prefix`
 * to share with other stores (instances).
 */
export function redisKind(prefix: string): StoreKind {
  let n = 0;
  return {
    name: 'RedisBudgetStore',
    make: (budgets, opts) => new RedisBudgetStore({ budgets, reservationTtlS: opts.reservationTtlS ?? 600, now: opts.now, url: REDIS_URL, prefix: opts.prefix ?? `${prefix}${++n}:` }),
  };
}

/** A key prefix no other test run uses. */
export function testPrefix(): string {
  return `{sy-test-${randomUUID()}}:`;
}

/** Deletes every key under `prefix`; returns how many there were. */
export async function deletePrefix(prefix: string): Promise<number> {
  const client = new Redis(REDIS_URL);
  try {
    const keys = await keysUnder(client, prefix);
    if (keys.length > 0) await client.del(...keys);
    return keys.length;
  } finally {
    client.disconnect();
  }
}

export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  // Braces and other glob characters in the prefix are matched literally.
  const pattern = prefix.replace(/[*?[\]\\]/g, '\\$&') + '*';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}
