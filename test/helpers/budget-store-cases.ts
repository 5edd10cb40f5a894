/**
 * The behaviour every BudgetStore owes, as table tests run against each store kind
 * (test/unit/server/budgets/local.test.ts and redis.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyBudget } from '../../engine/src/policy/types.js';
import type { Reservation, ReserveRequest, ReserveResult, ScopeValues } from '../../server/budgets/types.js';
import { budget, Clock, scopes, type StoreKind, type TestStore } from './budgets.js';

/** 2030-03-10 14:00 UTC: an hour starts here. */
export const T0 = Date.UTC(2030, 2, 10, 14, 0);

let n = 0;
export function request(s: ScopeValues, amount: { usd?: number; tokens?: number }, at: number): ReserveRequest {
  return { requestId: `req-${++n}`, at, scopes: s, usd: amount.usd ?? 0, tokens: amount.tokens ?? 0 };
}

export function granted(r: ReserveResult): Reservation {
  if (!r.ok) throw new Error(`refused by ${r.budget.name}`);
  return r.reservation;
}

/** [spent, reserved] per budget name. */
async function usage(store: TestStore, s: ScopeValues, at: number): Promise<Record<string, [number, number]>> {
  return Object.fromEntries((await store.usage(s, at)).map((u) => [u.budget, [u.spent, u.reserved]]));
}

export function storeCases(kind: StoreKind): void {
  describe(`${kind.name}: the BudgetStore contract`, () => {
    const open: TestStore[] = [];
    let clock: Clock;
    const make = (budgets: PolicyBudget[], ttlS = 600): TestStore => {
      clock = new Clock(T0 + 5 * 60_000);
      const store = kind.make(budgets, { reservationTtlS: ttlS, now: clock.now });
      open.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    const g = scopes();

    it('reserves within the limit, refuses beyond it with what is left and when it resets', async () => {
      const store = make([budget({ name: 'cap', limit: 100 })]);
      granted(await store.reserve(request(g, { tokens: 60 }, clock.t)));
      const refused = await store.reserve(request(g, { tokens: 41 }, clock.t));
      expect(refused).toMatchObject({ ok: false, remaining: 40, unit: 'tokens', resetsAt: T0 + 3_600_000, action: 'reject' });
      if (!refused.ok) expect(refused.budget.name).toBe('cap');
      granted(await store.reserve(request(g, { tokens: 40 }, clock.t)));
      expect(await usage(store, g, clock.t)).toEqual({ cap: [0, 100] });
    });

    it('settles to the actual amount and releases what was held', async () => {
      const store = make([budget({ name: 'cap', limit: 100 })]);
      const a = granted(await store.reserve(request(g, { tokens: 60 }, clock.t)));
      const b = granted(await store.reserve(request(g, { tokens: 30 }, clock.t)));
      await store.settle(a, { usd: 0, tokens: 25 });
      expect(await usage(store, g, clock.t)).toEqual({ cap: [25, 30] });
      await store.release(b);
      expect(await usage(store, g, clock.t)).toEqual({ cap: [25, 0] });
      expect(a.budgets).toEqual(['cap']);
      expect(a.expiresAt).toBe(clock.t + 600_000);
    });

    it('settles and releases once: doing it again changes nothing', async () => {
      const store = make([budget({ name: 'cap', limit: 100 })]);
      const a = granted(await store.reserve(request(g, { tokens: 60 }, clock.t)));
      await store.settle(a, { usd: 0, tokens: 50 });
      await store.settle(a, { usd: 0, tokens: 50 });
      await store.release(a);
      const b = granted(await store.reserve(request(g, { tokens: 10 }, clock.t)));
      await store.release(b);
      await store.release(b);
      await store.settle(b, { usd: 0, tokens: 10 });
      expect(await usage(store, g, clock.t)).toEqual({ cap: [50, 0] });
    });

    it('is all or nothing across the budgets a request touches', async () => {
      const store = make([
        budget({ name: 'global', limit: 1000 }),
        budget({ name: 'team', scope: 'team', limit: 50 }),
        budget({ name: 'usd', scope: 'user', unit: 'usd', limit: 1 }),
      ]);
      const s = scopes({ team: 'a', user: 'u' });
      granted(await store.reserve(request(s, { tokens: 40, usd: 0.5 }, clock.t)));
      const refused = await store.reserve(request(s, { tokens: 20, usd: 0.1 }, clock.t));
      expect(refused).toMatchObject({ ok: false, remaining: 10 });
      if (!refused.ok) expect(refused.budget.name).toBe('team');
      expect(await usage(store, s, clock.t)).toEqual({ global: [0, 40], team: [0, 40], usd: [0, 0.5] });
      // The same request from another team fits: counters are per scope value.
      granted(await store.reserve(request(scopes({ team: 'b', user: 'u' }), { tokens: 20, usd: 0.1 }, clock.t)));
      expect(await usage(store, s, clock.t)).toEqual({ global: [0, 60], team: [0, 40], usd: [0, 0.6] });
    });

    it('counts USD exactly: what a release gives back is what the reservation took', async () => {
      const store = make([budget({ name: 'usd', unit: 'usd', limit: 0.3 })]);
      const rs = [];
      for (const usd of [0.1, 0.05, 0.15]) rs.push(granted(await store.reserve(request(g, { usd }, clock.t))));
      expect((await store.reserve(request(g, { usd: 1e-9 }, clock.t))).ok).toBe(false);
      for (const r of rs) await store.release(r);
      expect(await usage(store, g, clock.t)).toEqual({ usd: [0, 0] });
      granted(await store.reserve(request(g, { usd: 0.3 }, clock.t)));
    });

    it('applies a budget only where its scope has a value, and its match', async () => {
      const store = make([budget({ name: 'research', scope: 'team', match: 'research', limit: 10 }), budget({ name: 'keys', scope: 'key', limit: 10 })]);
      const r = granted(await store.reserve(request(scopes({ team: 'ops' }), { tokens: 500 }, clock.t)));
      expect(r.budgets).toEqual([]);
      expect(granted(await store.reserve(request(scopes({ team: 'research', key: 'k1' }), { tokens: 10 }, clock.t))).budgets).toEqual(['research', 'keys']);
      expect((await store.reserve(request(scopes({ team: 'research' }), { tokens: 1 }, clock.t))).ok).toBe(false);
      expect((await store.reserve(request(scopes({ key: 'k2' }), { tokens: 10 }, clock.t))).ok).toBe(true);
    });

    it('answers downgrade for a downgrade budget, before a reject', async () => {
      const store = make([
        budget({ name: 'hard', limit: 100 }),
        budget({ name: 'soft', scope: 'team', limit: 50, onExceed: 'downgrade', downgradeTo: 'cheap' }),
      ]);
      const s = scopes({ team: 'a' });
      const refused = await store.reserve(request(s, { tokens: 200 }, clock.t));
      expect(refused).toMatchObject({ ok: false, action: 'downgrade', remaining: 50 });
      if (!refused.ok) expect(refused.budget.downgradeTo).toBe('cheap');
      granted(await store.reserve(request(s, { tokens: 50 }, clock.t)));
      expect(await store.reserve(request(g, { tokens: 51 }, clock.t))).toMatchObject({ ok: false, action: 'reject' });
    });

    it('never refuses for an alert budget, and reports crossing it and its alert_at shares', async () => {
      const store = make([
        budget({ name: 'watch', limit: 100, onExceed: 'alert', alertAt: [0.8] }),
        budget({ name: 'cap', scope: 'team', limit: 1000, alertAt: [0.5, 0.9] }),
      ]);
      const s = scopes({ team: 'a' });
      expect(await store.reserve(request(s, { tokens: 70 }, clock.t))).toMatchObject({ ok: true, alerts: [] });
      expect(await store.reserve(request(s, { tokens: 20 }, clock.t))).toMatchObject({ ok: true, alerts: [{ budget: 'watch', share: 0.8 }] });
      expect(await store.reserve(request(s, { tokens: 500 }, clock.t))).toMatchObject({ ok: true, alerts: [{ budget: 'watch', share: 1 }, { budget: 'cap', share: 0.5 }] });
      expect(await store.reserve(request(s, { tokens: 320 }, clock.t))).toMatchObject({ ok: true, alerts: [{ budget: 'cap', share: 0.9 }] });
      expect(await usage(store, s, clock.t)).toEqual({ watch: [0, 910], cap: [0, 910] });
    });

    it('expires a reservation at its deadline and gives its amount back; a late settle still charges in full', async () => {
      const store = make([budget({ name: 'cap', limit: 100 })], 60);
      const a = granted(await store.reserve(request(g, { tokens: 70 }, clock.t)));
      clock.advance(59_999);
      expect(await usage(store, g, clock.t)).toEqual({ cap: [0, 70] });
      clock.advance(1);
      expect(await usage(store, g, clock.t)).toEqual({ cap: [0, 0] });
      await store.release(a);
      expect(await usage(store, g, clock.t)).toEqual({ cap: [0, 0] });
      const b = granted(await store.reserve(request(g, { tokens: 80 }, clock.t)));
      clock.advance(60_000);
      granted(await store.reserve(request(g, { tokens: 90 }, clock.t)));
      // b's request was served after all: the provider billed it, so the budget counts it, over the limit.
      await store.settle(b, { usd: 0, tokens: 75 });
      expect(await usage(store, g, clock.t)).toEqual({ cap: [75, 90] });
      expect(await store.reserve(request(g, { tokens: 0 }, clock.t))).toMatchObject({ ok: false, remaining: 0 });
    });

    it('charges a settlement above the reservation in full, and refuses until the window resets', async () => {
      const store = make([budget({ name: 'cap', limit: 100 })]);
      const a = granted(await store.reserve(request(g, { tokens: 95 }, clock.t)));
      await store.settle(a, { usd: 0, tokens: 110 });
      expect(await usage(store, g, clock.t)).toEqual({ cap: [110, 0] });
      expect(await store.reserve(request(g, { tokens: 1 }, clock.t))).toMatchObject({ ok: false, remaining: 0, resetsAt: T0 + 3_600_000 });
      clock.t = T0 + 3_600_000;
      granted(await store.reserve(request(g, { tokens: 100 }, clock.t)));
    });

    it('starts a calendar window afresh, and keeps a reservation in the window it was made in', async () => {
      const store = make([budget({ name: 'day', limit: 100, window: { kind: 'calendar', unit: 'day' } })]);
      clock.t = Date.UTC(2030, 2, 10, 23, 59);
      const a = granted(await store.reserve(request(g, { tokens: 100 }, clock.t)));
      clock.t = Date.UTC(2030, 2, 11, 0, 1);
      granted(await store.reserve(request(g, { tokens: 100 }, clock.t)));
      await store.settle(a, { usd: 0, tokens: 40 });
      expect(await usage(store, g, Date.UTC(2030, 2, 10, 12))).toEqual({ day: [40, 0] });
      expect(await usage(store, g, clock.t)).toEqual({ day: [0, 100] });
    });

    it('lets spending leave a rolling window, oldest first, and says when enough will have left', async () => {
      // 10 minutes: buckets of 10 s.
      const store = make([budget({ name: 'roll', limit: 100, window: { kind: 'rolling', seconds: 600 } })]);
      const start = clock.t;
      const a = granted(await store.reserve(request(g, { tokens: 30 }, clock.t)));
      await store.settle(a, { usd: 0, tokens: 30 });
      clock.advance(120_000);
      const b = granted(await store.reserve(request(g, { tokens: 50 }, clock.t)));
      await store.settle(b, { usd: 0, tokens: 50 });
      const refused = await store.reserve(request(g, { tokens: 40 }, clock.t));
      // 20 must leave: a's 30 leaves when its bucket has, 610 s after it began.
      expect(refused).toMatchObject({ ok: false, remaining: 20, resetsAt: start + 610_000 });
      expect(await store.reserve(request(g, { tokens: 90 }, clock.t))).toMatchObject({ ok: false, resetsAt: start + 120_000 + 610_000 });
      expect(await store.reserve(request(g, { tokens: 101 }, clock.t))).toMatchObject({ ok: false, resetsAt: null });
      clock.t = start + 610_000 - 1;
      expect(await usage(store, g, clock.t)).toEqual({ roll: [80, 0] });
      clock.t = start + 610_000;
      expect(await usage(store, g, clock.t)).toEqual({ roll: [50, 0] });
      granted(await store.reserve(request(g, { tokens: 40 }, clock.t)));
      clock.t = start + 120_000 + 610_000;
      expect(await usage(store, g, clock.t)).toEqual({ roll: [0, 40] });
    });

    it('does not count a settlement whose rolling bucket has already left the window', async () => {
      const store = make([budget({ name: 'roll', limit: 100, window: { kind: 'rolling', seconds: 60 } })], 600);
      const a = granted(await store.reserve(request(g, { tokens: 30 }, clock.t)));
      clock.advance(61_000);
      await store.settle(a, { usd: 0, tokens: 30 });
      expect(await usage(store, g, clock.t)).toEqual({ roll: [0, 0] });
    });

    it('tells decide() what is left per scope', async () => {
      const store = make([
        budget({ name: 'team-usd', scope: 'team', unit: 'usd', limit: 2 }),
        budget({ name: 'team-tokens', scope: 'team', limit: 1000 }),
        budget({ name: 'per-model', scope: 'model', limit: 5 }),
        budget({ name: 'all', unit: 'usd', limit: 10 }),
      ]);
      const s = scopes({ team: 'a', model: 'm' });
      expect(await store.remaining(s, clock.t)).toEqual({ team: { remainingUsd: 2, remainingTokens: 1000 }, global: { remainingUsd: 10 } });
      const r = granted(await store.reserve(request(s, { usd: 0.75, tokens: 4 }, clock.t)));
      await store.settle(r, { usd: 0.5, tokens: 3 });
      expect(await store.remaining(s, clock.t)).toEqual({ team: { remainingUsd: 1.5, remainingTokens: 997 }, global: { remainingUsd: 9.5 } });
      expect(await store.remaining(scopes(), clock.t)).toEqual({ global: { remainingUsd: 9.5 } });
    });

    it('moves a settlement to the served model: frees the reserved model, charges the served one, once', async () => {
      const store = make([
        budget({ name: 'per-model', scope: 'model', limit: 100 }),
        budget({ name: 'big-only', scope: 'model', match: 'big', limit: 100 }),
        budget({ name: 'roll', scope: 'model', window: { kind: 'rolling', seconds: 600 }, limit: 100 }),
        budget({ name: 'team', scope: 'team', limit: 100 }),
      ]);
      const small = scopes({ team: 't', model: 'small' });
      const big = scopes({ team: 't', model: 'big' });
      const r = granted(await store.reserve(request(small, { tokens: 60 }, clock.t)));
      expect(r.budgets).toEqual(['per-model', 'roll', 'team']);
      // A failover served `big`: its model budgets are charged (big-only too), `small`'s are freed.
      await store.settle(r, { usd: 0, tokens: 30 }, big);
      expect(await usage(store, small, clock.t)).toEqual({ 'per-model': [0, 0], roll: [0, 0], team: [30, 0] });
      expect(await usage(store, big, clock.t)).toEqual({ 'per-model': [30, 0], 'big-only': [30, 0], roll: [30, 0], team: [30, 0] });
      await store.settle(r, { usd: 0, tokens: 30 }, big);
      expect(await usage(store, big, clock.t)).toEqual({ 'per-model': [30, 0], 'big-only': [30, 0], roll: [30, 0], team: [30, 0] });
      // Settled under its own scopes, a reservation charges what it reserved on, as before.
      const same = granted(await store.reserve(request(small, { tokens: 10 }, clock.t)));
      await store.settle(same, { usd: 0, tokens: 5 }, small);
      expect(await usage(store, small, clock.t)).toEqual({ 'per-model': [5, 0], roll: [5, 0], team: [35, 0] });
    });

    it('has nothing to do for a request under no budget', async () => {
      const store = make([]);
      const r = granted(await store.reserve(request(g, { tokens: 1e9 }, clock.t)));
      expect(r.budgets).toEqual([]);
      await store.settle(r, { usd: 1, tokens: 1e9 });
      expect(await store.remaining(g, clock.t)).toEqual({});
    });
  });
}
