import { describe, expect, it } from 'vitest';
import { BudgetSimulator, parseBudget, scopeValue } from '../../../../../server/tools/dry-run/budgets.js';
import type { TrafficRecord } from '../../../../../server/recording/types.js';

const record = (at: number, over: { team?: string; user?: string; key?: string } = {}): TrafficRecord => ({
  at,
  request: { caller: { key: over.key ?? '', team: '', user: '' }, user: over.user ?? null, session: null, metadata: over.team ? { team: over.team } : null },
} as unknown as TrafficRecord);

describe('parseBudget', () => {
  it('reads scope, value, amount, unit, window and action', () => {
    expect(parseBudget('team:research=100usd/month')).toMatchObject({ scope: 'team', value: 'research', limit: 100, unit: 'usd', window: 'month', action: 'reject' });
    expect(parseBudget('global=5000tokens/hour:alert')).toMatchObject({ scope: 'global', value: null, limit: 5000, unit: 'tokens', window: 'hour', action: 'alert' });
  });

  it('says what a valid spec looks like when one is not', () => {
    expect(parseBudget('tenant=5usd/day')).toMatch(/expected SCOPE\[:VALUE\]=AMOUNT/);
    expect(parseBudget('team=5eur/day')).toMatch(/e\.g\. team:research=100usd\/month/);
  });
});

describe('BudgetSimulator', () => {
  it('tracks spend per scope value and window, reports what is left, and finds spent budgets', () => {
    const sim = new BudgetSimulator([parseBudget('team=1usd/day') as never]);
    const day = Date.UTC(2026, 10, 28, 9);
    const a = sim.view(record(day, { team: 'a' }));
    expect(a.snapshot).toEqual({ team: { remainingUsd: 1 } });
    a.charge(0.7, 100);
    expect(sim.view(record(day + 1000, { team: 'a' })).snapshot).toEqual({ team: { remainingUsd: 0.30000000000000004 } });
    // Another team has its own budget.
    expect(sim.view(record(day + 2000, { team: 'b' })).exceeded).toEqual([]);
    sim.view(record(day + 3000, { team: 'a' })).charge(0.5, 10);
    expect(sim.view(record(day + 4000, { team: 'a' })).exceeded.map((b) => b.name)).toEqual(['team=1usd/day']);
    // The next UTC day starts afresh.
    expect(sim.view(record(Date.UTC(2026, 10, 29, 0, 0, 1), { team: 'a' })).exceeded).toEqual([]);
    expect(sim.spentUsd.get('team=1usd/day')).toBeCloseTo(1.2, 10);
  });

  it('applies a budget with a value only to that value, and takes the tightest of several', () => {
    const sim = new BudgetSimulator([parseBudget('user:ann=10usd/month') as never, parseBudget('user=2usd/month') as never]);
    expect(sim.view(record(0, { user: 'ann' })).snapshot).toEqual({ user: { remainingUsd: 2 } });
    expect(sim.view(record(0, { user: 'bob' })).snapshot).toEqual({ user: { remainingUsd: 2 } });
  });

  it('takes the team from the caller first, else from metadata', () => {
    const r = record(0, { team: 'meta-team' });
    expect(scopeValue(r, 'team')).toBe('meta-team');
    (r.request.caller as { team: string }).team = 'key-team';
    expect(scopeValue(r, 'team')).toBe('key-team');
  });
});
