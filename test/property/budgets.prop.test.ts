import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { PolicyBudget } from '../../engine/src/policy/types.js';
import type { Reservation, ScopeValues } from '../../server/budgets/types.js';
import { amountFor, targetsOf, type BudgetUsage, type Target } from '../../server/budgets/targets.js';
import { stillCounts } from '../../server/budgets/windows.js';
import { budget, Clock, deletePrefix, localKind, redisKind, scopes, testPrefix, type StoreKind, type TestStore } from '../helpers/budgets.js';

// Over random interleavings of reserve, settle (below, at or a little above the reservation,
// sometimes twice), release and time passing (expiry, windows ending and rolling), after every
// step, for every budget and scope value: spent + reserved <= limit + overage, where overage is
// what settlements charged beyond what their reservations held (above the reservation, or after
// it expired). The gateway reserves the worst case (max_tokens at list price), so the overage is
// zero unless a provider bills beyond max_tokens; if one does, the charge is real and counted in
// full, and the budget refuses everything until enough of it leaves the window. Releasing and
// expiring give back exactly what was held; settling moves exactly the actual amount to spent.

const TTL_S = 300;
/** 13:50 UTC: the hour ends within the first advances. */
const START = Date.UTC(2030, 2, 10, 13, 50);

const BUDGETS: PolicyBudget[] = [
  budget({ name: 'global-hour', limit: 1000 }),
  budget({ name: 'team-rolling', scope: 'team', limit: 400, window: { kind: 'rolling', seconds: 600 }, onExceed: 'downgrade', downgradeTo: 'cheap' }),
  budget({ name: 'user-day-usd', scope: 'user', unit: 'usd', limit: 0.05, window: { kind: 'calendar', unit: 'day' }, alertAt: [0.5] }),
  budget({ name: 'research-usd', scope: 'team', match: 'a', unit: 'usd', limit: 0.02, window: { kind: 'rolling', seconds: 60 } }),
  budget({ name: 'watch', limit: 300, onExceed: 'alert', alertAt: [0.8] }),
];
const TEAMS = ['a', 'b', ''];
const USERS = ['u1', 'u2'];
const SCOPE_POOL: ScopeValues[] = TEAMS.flatMap((team) => USERS.map((user) => scopes({ team, user })));

type Action =
  | { op: 'reserve'; team: string; user: string; tokens: number; usd: number }
  | { op: 'settle'; pick: number; share: number; twice: boolean }
  | { op: 'release'; pick: number }
  | { op: 'advance'; ms: number };

const share = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(1), fc.double({ min: 1, max: 1.1, noNaN: true }));
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('reserve' as const), team: fc.constantFrom(...TEAMS), user: fc.constantFrom(...USERS), tokens: fc.integer({ min: 0, max: 300 }), usd: fc.double({ min: 0, max: 0.03, noNaN: true }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('settle' as const), pick: fc.nat(), share, twice: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 400_000 })) }) },
);

interface Counter { target: Target; spent: number; reserved: number }

/** Usage in exact units (nano-dollars for USD). */
function units(u: BudgetUsage): number[] {
  const k = u.unit === 'usd' ? 1e9 : 1;
  return [Math.round(u.spent * k), Math.round(u.reserved * k)];
}

/** Every counter a request of the pool arriving at `at` counts against, by key. */
async function readAll(store: TestStore, at: number): Promise<Map<string, Counter>> {
  const out = new Map<string, Counter>();
  for (const s of SCOPE_POOL) {
    const targets = targetsOf(BUDGETS, s, at);
    const usage = await store.usage(s, at);
    targets.forEach((target, i) => {
      const [spent, reserved] = units(usage[i]!);
      out.set(target.key, { target, spent: spent!, reserved: reserved! });
    });
  }
  return out;
}

function targetsOfReservation(r: Reservation): Target[] {
  return targetsOf(BUDGETS.filter((b) => r.budgets.includes(b.name)), r.scopes, r.at);
}

async function run(kind: StoreKind, actions: Action[]): Promise<void> {
  const clock = new Clock(START);
  const store = kind.make(BUDGETS, { reservationTtlS: TTL_S, now: clock.now });
  const reservations: Reservation[] = [];
  const done = new Set<string>();
  const finishedAt = new Map<string, number>();
  const overage = new Map<string, number>();
  const live = (r: Reservation): boolean => !done.has(r.id) && clock.t < r.expiresAt;

  const checkInvariant = async (): Promise<void> => {
    for (const c of (await readAll(store, clock.t)).values()) {
      expect(c.spent).toBeGreaterThanOrEqual(0);
      expect(c.reserved).toBeGreaterThanOrEqual(0);
      if (c.target.budget.onExceed === 'alert') continue;
      expect(c.spent + c.reserved, `${c.target.key} at ${clock.t - START} ms`).toBeLessThanOrEqual(c.target.limit + (overage.get(c.target.key) ?? 0));
    }
  };

  try {
    for (const a of actions) {
      if (a.op === 'reserve') {
        const s = scopes({ team: a.team, user: a.user });
        const result = await store.reserve({ requestId: `q${reservations.length}`, at: clock.t, scopes: s, usd: a.usd, tokens: a.tokens });
        if (result.ok) {
          expect(result.reservation.budgets).toEqual(targetsOf(BUDGETS, s, clock.t).map((t) => t.budget.name));
          reservations.push(result.reservation);
        } else {
          expect(result.budget.onExceed).not.toBe('alert');
        }
      } else if (a.op === 'advance') {
        const before = await readAll(store, clock.t);
        const from = clock.t;
        clock.advance(a.ms);
        const expiring = new Map<string, number>();
        for (const r of reservations) {
          if (done.has(r.id) || r.expiresAt <= from || r.expiresAt > clock.t) continue;
          for (const t of targetsOfReservation(r)) expiring.set(t.key, (expiring.get(t.key) ?? 0) + amountFor(t.budget, r));
        }
        // Read the same windows as before: what expired came back to each, exactly.
        const after = await readAll(store, from);
        for (const [key, c] of before) expect(after.get(key)!.reserved, key).toBe(c.reserved - (expiring.get(key) ?? 0));
      } else if (reservations.length > 0) {
        const r = reservations[a.pick % reservations.length]!;
        // Stores remember a finished reservation for 2 x TTL, long enough for any retry of the
        // gateway's one settle; the gateway never settles or releases again after that.
        const ended = finishedAt.get(r.id);
        if (ended !== undefined && clock.t - ended >= 2 * TTL_S * 1000) continue;
        const before = await readAll(store, r.at);
        const held = live(r);
        const finished = done.has(r.id);
        let actual = { usd: 0, tokens: 0 };
        if (a.op === 'settle') {
          actual = { usd: r.usd * a.share, tokens: a.share > 1 ? Math.ceil(r.tokens * a.share) : Math.floor(r.tokens * a.share) };
          await store.settle(r, actual);
          if (a.twice) await store.settle(r, actual);
        } else {
          await store.release(r);
        }
        done.add(r.id);
        if (!finishedAt.has(r.id)) finishedAt.set(r.id, clock.t);
        const after = await readAll(store, r.at);
        for (const t of targetsOfReservation(r)) {
          const hold = held ? amountFor(t.budget, r) : 0;
          // A charge goes to its reservation's calendar window even after that window ended; a
          // rolling window only counts it while its bucket is inside the span.
          const counts = t.place.kind === 'calendar' || stillCounts(t.place, clock.t);
          const charged = a.op === 'settle' && !finished && counts ? amountFor(t.budget, actual) : 0;
          if (!finished) overage.set(t.key, (overage.get(t.key) ?? 0) + Math.max(0, charged - hold));
          expect(after.get(t.key)!.reserved, t.key).toBe(before.get(t.key)!.reserved - (finished ? 0 : hold));
          expect(after.get(t.key)!.spent, t.key).toBe(before.get(t.key)!.spent + charged);
        }
      }
      await checkInvariant();
    }
    // Everything given back: nothing stays reserved once every reservation has ended.
    for (const r of reservations) await store.release(r);
    for (const c of (await readAll(store, clock.t)).values()) expect(c.reserved).toBe(0);
  } finally {
    await store.close();
  }
}

describe('budget stores keep spent + reserved <= limit', () => {
  it('LocalBudgetStore', async () => {
    await fc.assert(fc.asyncProperty(fc.array(action, { maxLength: 60 }), (actions) => run(localKind, actions)), { numRuns: 300 });
  }, 60_000);

  const prefix = testPrefix();
  afterAll(() => deletePrefix(prefix));

  it('RedisBudgetStore', async () => {
    // Each run a namespace of its own under the prefix.
    const kind = redisKind(prefix);
    await fc.assert(fc.asyncProperty(fc.array(action, { maxLength: 40 }), (actions) => run(kind, actions)), { numRuns: 30 });
  }, 60_000);
});
