import { describe, expect, it } from 'vitest';
import { amountFor, crossedAlerts, firstRefusal, fromUnits, refusalOf, scopeValue, snapshotOf, targetsOf, toUnits } from '../../../../server/budgets/targets.js';
import { budget, scopes } from '../../../helpers/budgets.js';

const AT = Date.UTC(2030, 2, 10, 14, 37);

describe('units', () => {
  it('count USD in nano-dollars, exactly for decimal amounts, rounding a fraction up', () => {
    expect(toUnits(0.3, 'usd')).toBe(300_000_000);
    expect(toUnits(0.1 + 0.2, 'usd')).toBe(300_000_000);
    expect(toUnits(1234.5678, 'usd')).toBe(1_234_567_800_000);
    expect(toUnits(1.5e-10, 'usd')).toBe(1);
    expect(toUnits(0, 'usd')).toBe(0);
    expect(fromUnits(300_000_000, 'usd')).toBe(0.3);
  });

  it('count tokens as they are (rounded up)', () => {
    expect(toUnits(1500, 'tokens')).toBe(1500);
    expect(toUnits(2.1, 'tokens')).toBe(3);
    expect(fromUnits(7, 'tokens')).toBe(7);
  });

  it("takes the budget's unit from the request", () => {
    expect(amountFor(budget({ name: 'u', unit: 'usd', limit: 1 }), { usd: 0.25, tokens: 900 })).toBe(250_000_000);
    expect(amountFor(budget({ name: 't' }), { usd: 0.25, tokens: 900 })).toBe(900);
  });
});

describe('scopeValue', () => {
  it.each([
    ['global applies always', budget({ name: 'g' }), scopes(), ''],
    ['a scope with no value does not apply', budget({ name: 't', scope: 'team' }), scopes({ user: 'u1' }), null],
    ['every value counts separately', budget({ name: 't', scope: 'team' }), scopes({ team: 'research' }), 'research'],
    ['match: only that value', budget({ name: 't', scope: 'team', match: 'research' }), scopes({ team: 'research' }), 'research'],
    ['match: not another', budget({ name: 't', scope: 'team', match: 'research' }), scopes({ team: 'ops' }), null],
    ['model scope', budget({ name: 'm', scope: 'model' }), scopes({ model: 'gpt-4o' }), 'gpt-4o'],
  ])('%s', (_, b, s, want) => {
    expect(scopeValue(b, s)).toBe(want);
  });
});

describe('targetsOf', () => {
  it('lists applying budgets in policy order with one key per budget, value and window', () => {
    const budgets = [
      budget({ name: 'team-day', scope: 'team', window: { kind: 'calendar', unit: 'day' }, unit: 'usd', limit: 2.5 }),
      budget({ name: 'users', scope: 'user' }),
      budget({ name: 'all', window: { kind: 'rolling', seconds: 600 } }),
    ];
    const t = targetsOf(budgets, scopes({ team: 'a:b/c' }), AT);
    expect(t.map((x) => x.budget.name)).toEqual(['team-day', 'all']);
    expect(t[0]!.key).toBe(`team-day:a%3Ab%2Fc:c${Date.UTC(2030, 2, 10)}`);
    expect(t[0]!.limit).toBe(2_500_000_000);
    expect(t[1]!.key).toBe('all::r600000');
    expect(t[1]!.limit).toBe(100);
  });
});

describe('crossedAlerts', () => {
  const [t] = targetsOf([budget({ name: 'a', alertAt: [0.5, 0.8] })], scopes(), AT);
  const [alert] = targetsOf([budget({ name: 'x', onExceed: 'alert', alertAt: [0.9] })], scopes(), AT);

  it.each([
    [t!, 0, 49, []],
    [t!, 0, 50, [0.5]],
    [t!, 49, 40, [0.5, 0.8]],
    [t!, 50, 10, []],
    [t!, 79, 1, [0.8]],
    [alert!, 89, 1, [0.9]],
    [alert!, 95, 5, []],
    [alert!, 95, 6, [1]],
    [alert!, 101, 5, []],
    [alert!, 0, 200, [0.9, 1]],
  ])('%# used %i + %i crosses %j', (target, used, amount, want) => {
    expect(crossedAlerts(target, used, amount)).toEqual(want);
  });
});

describe('refusals', () => {
  const targets = targetsOf([
    budget({ name: 'r', onExceed: 'reject' }),
    budget({ name: 'd', onExceed: 'downgrade', downgradeTo: 'cheap', window: { kind: 'rolling', seconds: 60 } }),
  ], scopes(), AT);

  it('prefer a downgrade to a reject, then policy order', () => {
    expect(firstRefusal([{ target: targets[0]! }, { target: targets[1]! }])!.target.budget.name).toBe('d');
    expect(firstRefusal([{ target: targets[0]! }])!.target.budget.name).toBe('r');
    expect(firstRefusal([])).toBeUndefined();
  });

  it('say what is left and when the window resets', () => {
    expect(refusalOf(targets[0]!, 97, null)).toMatchObject({ ok: false, remaining: 3, unit: 'tokens', resetsAt: Date.UTC(2030, 2, 10, 15), action: 'reject' });
    expect(refusalOf(targets[1]!, 120, 12345)).toMatchObject({ remaining: 0, resetsAt: 12345, action: 'downgrade' });
  });
});

describe('snapshotOf', () => {
  it('gives per scope the least left in each unit, and leaves model and route budgets out', () => {
    const budgets = [
      budget({ name: 't1', scope: 'team', unit: 'usd', limit: 10 }),
      budget({ name: 't2', scope: 'team', unit: 'usd', limit: 5 }),
      budget({ name: 't3', scope: 'team', limit: 1000 }),
      budget({ name: 'g', limit: 50 }),
      budget({ name: 'm', scope: 'model', limit: 1 }),
    ];
    const t = targetsOf(budgets, scopes({ team: 'x', model: 'y' }), AT);
    const snap = snapshotOf(t, [toUnits(1, 'usd'), toUnits(4.5, 'usd'), 10, 60, 0]);
    expect(snap).toEqual({ team: { remainingUsd: 0.5, remainingTokens: 990 }, global: { remainingTokens: 0 } });
  });
});
