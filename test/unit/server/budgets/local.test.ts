import { describe, expect, it } from 'vitest';
import { LocalBudgetStore } from '../../../../server/budgets/local.js';
import type { Charge } from '../../../../server/budgets/types.js';
import { budget, Clock, localKind, scopes } from '../../../helpers/budgets.js';
import { granted, request, storeCases, T0 } from '../../../helpers/budget-store-cases.js';

storeCases(localKind);

function charge(c: Partial<Charge> & Pick<Charge, 'at'>): Charge {
  return { requestId: 'r', settledAt: c.at, scopes: scopes(), usd: 0, tokens: 0, provider: 'p', model: 'm', instance: 'i', ...c };
}

describe('LocalBudgetStore.resume', () => {
  it('rebuilds what was spent in the windows still open from the ledger', async () => {
    const clock = new Clock(T0 + 30 * 60_000);
    const store = new LocalBudgetStore({
      budgets: [
        budget({ name: 'hour', scope: 'team', unit: 'usd', limit: 1 }),
        budget({ name: 'roll', limit: 1000, window: { kind: 'rolling', seconds: 600 } }),
      ],
      reservationTtlS: 600,
      now: clock.now,
    });
    const team = scopes({ team: 'a' });
    store.resume([
      charge({ at: T0 - 60_000, scopes: team, usd: 0.5, tokens: 100 }), // last hour, and long out of the rolling window
      charge({ at: T0 + 25 * 60_000, scopes: team, usd: 0.25, tokens: 200 }),
      charge({ at: T0 + 29 * 60_000, scopes: scopes({ team: 'b' }), usd: 0.5, tokens: 300 }),
      charge({ at: T0 + 10 * 60_000, scopes: team, usd: 0.125, tokens: 400 }), // this hour, left the rolling window
    ]);
    const usage = await store.usage(team, clock.t);
    expect(usage.map((u) => [u.budget, u.spent, u.reserved])).toEqual([['hour', 0.375, 0], ['roll', 500, 0]]);
    expect(await store.reserve(request(team, { usd: 0.626 }, clock.t))).toMatchObject({ ok: false, remaining: 0.625 });
    granted(await store.reserve(request(team, { usd: 0.625, tokens: 500 }, clock.t)));
  });
});

describe('LocalBudgetStore concurrency', () => {
  it('grants at most the limit to calls made all at once', async () => {
    const store = new LocalBudgetStore({ budgets: [budget({ name: 'small', limit: 100 })], reservationTtlS: 600 });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => store.reserve(request(scopes(), { tokens: 1 + (i % 5) }, Date.now()))));
    const sum = results.reduce((s, r) => s + (r.ok ? r.reservation.tokens : 0), 0);
    expect(sum).toBeLessThanOrEqual(100);
    expect(sum).toBeGreaterThan(95);
  });
});
