import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisBudgetStore } from '../../../../server/budgets/redis.js';
import { budget, Clock, deletePrefix, keysUnder, REDIS_URL, redisKind, scopes, testPrefix } from '../../../helpers/budgets.js';
import { granted, request, storeCases, T0 } from '../../../helpers/budget-store-cases.js';

// Real Redis (.ci/run starts it): when it does not answer, these tests fail.
const prefix = testPrefix();
const admin = new Redis(REDIS_URL);
afterAll(async () => {
  await deletePrefix(prefix);
  admin.disconnect();
});

storeCases(redisKind(prefix));

function store(budgets: Parameters<typeof budget>[0][], opts: { prefix: string; now?: () => number; ttlS?: number }): RedisBudgetStore {
  return new RedisBudgetStore({ budgets: budgets.map(budget), reservationTtlS: opts.ttlS ?? 600, url: REDIS_URL, prefix: opts.prefix, ...(opts.now ? { now: opts.now } : {}) });
}

describe('RedisBudgetStore keys', () => {
  it('lives under its prefix, and every key expires on its own', async () => {
    const own = testPrefix();
    const clock = new Clock(T0 + 10 * 60_000);
    const s = store([{ name: 'hour', scope: 'team' }, { name: 'roll', window: { kind: 'rolling', seconds: 600 } }], { prefix: own, now: clock.now, ttlS: 60 });
    try {
      const ttls = async (): Promise<Record<string, number>> => {
        const keys = await keysUnder(admin, own);
        return Object.fromEntries(await Promise.all(keys.map(async (k) => [k.slice(own.length), await admin.pttl(k)] as const)));
      };
      const r = granted(await s.reserve(request(scopes({ team: 'a:b' }), { tokens: 10 }, clock.t)));
      const held = await ttls();
      expect(Object.keys(held).sort()).toEqual([`hour:a%3Ab:c${T0}`, `hour:a%3Ab:c${T0}:expiry`, 'roll::r600000', 'roll::r600000:expiry']);
      // Calendar: to the end of the hour (50 min), then a reservation TTL and a minute.
      for (const k of [`hour:a%3Ab:c${T0}`, `hour:a%3Ab:c${T0}:expiry`]) {
        expect(held[k]).toBeGreaterThan(52 * 60_000 - 5_000);
        expect(held[k]).toBeLessThanOrEqual(52 * 60_000);
      }
      await s.settle(r, { usd: 0, tokens: 5 });
      // The settled reservation's deadline entries are gone, and with them the empty sets.
      const settled = await ttls();
      expect(Object.keys(settled).sort()).toEqual([`done:${r.id}`, `hour:a%3Ab:c${T0}`, 'roll::r600000', 'roll::r600000:buckets']);
      // Rolling: a span, a bucket, a TTL and a minute after the last write.
      for (const k of ['roll::r600000', 'roll::r600000:buckets']) {
        expect(settled[k]).toBeGreaterThan(600_000 + 10_000 + 120_000 - 5_000);
        expect(settled[k]).toBeLessThanOrEqual(600_000 + 10_000 + 120_000);
      }
      expect(settled[`done:${r.id}`]).toBeGreaterThan(115_000);
      expect(settled[`done:${r.id}`]).toBeLessThanOrEqual(120_000);
    } finally {
      await s.close();
      await deletePrefix(own);
    }
  });

  it('loads its scripts again when Redis has forgotten them', async () => {
    const s = store([{ name: 'cap', limit: 10 }], { prefix });
    try {
      granted(await s.reserve(request(scopes({}), { tokens: 1 }, Date.now())));
      await admin.script('FLUSH');
      granted(await s.reserve(request(scopes({}), { tokens: 1 }, Date.now())));
    } finally {
      await s.close();
    }
  });
});

describe('RedisBudgetStore across instances', () => {
  it('shares one budget between two instances: one settles what the other reserved', async () => {
    const own = testPrefix();
    const a = store([{ name: 'cap', limit: 100 }], { prefix: own });
    const b = store([{ name: 'cap', limit: 100 }], { prefix: own });
    try {
      const r = granted(await a.reserve(request(scopes(), { tokens: 70 }, Date.now())));
      expect((await b.reserve(request(scopes(), { tokens: 31 }, Date.now()))).ok).toBe(false);
      await b.settle(r, { usd: 0, tokens: 20 });
      await a.settle(r, { usd: 0, tokens: 20 });
      expect((await a.usage(scopes(), Date.now())).map((u) => [u.spent, u.reserved])).toEqual([[20, 0]]);
      granted(await b.reserve(request(scopes(), { tokens: 80 }, Date.now())));
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deletePrefix(own);
    }
  });

  it('grants 500 concurrent reservations from two instances never more than the limit', async () => {
    const own = testPrefix();
    const budgets = [{ name: 'small', limit: 300 }, { name: 'team', scope: 'team' as const, limit: 200 }];
    const a = store(budgets, { prefix: own });
    const b = store(budgets, { prefix: own });
    try {
      const reqs = Array.from({ length: 500 }, (_, i) => request(scopes({ team: i % 2 === 0 ? 'x' : 'y' }), { tokens: 1 + (i % 7) }, Date.now()));
      const results = await Promise.all(reqs.map((r, i) => (i % 2 === 0 ? a : b).reserve(r)));
      const granted = results.flatMap((r) => (r.ok ? [r.reservation] : []));
      const total = granted.reduce((s, r) => s + r.tokens, 0);
      const teamTotal = (team: string): number => granted.filter((r) => r.scopes.team === team).reduce((s, r) => s + r.tokens, 0);
      expect(total).toBeLessThanOrEqual(300);
      expect(teamTotal('x')).toBeLessThanOrEqual(200);
      expect(teamTotal('y')).toBeLessThanOrEqual(200);
      // What the store holds is what it granted.
      const usage = await a.usage(scopes({ team: 'x' }), Date.now());
      expect(usage.map((u) => [u.spent, u.reserved])).toEqual([[0, total], [0, teamTotal('x')]]);
      // No refusal was needless: reservations only grew, so each refused request lacks room at the end too.
      const refused = results.flatMap((r, i) => (r.ok ? [] : [reqs[i]!]));
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect(total + r.tokens > 300 || teamTotal(r.scopes.team) + r.tokens > 200).toBe(true);
      await Promise.all(granted.map((r, i) => (i % 2 === 0 ? b : a).release(r)));
      expect((await b.usage(scopes({ team: 'y' }), Date.now())).map((u) => u.reserved)).toEqual([0, 0]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deletePrefix(own);
    }
  });
});
