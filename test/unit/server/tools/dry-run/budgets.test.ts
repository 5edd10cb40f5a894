import { describe, expect, it } from 'vitest';
import { parseBudget, policyBudgetOf, scopeValue } from '../../../../../server/tools/dry-run/budgets.js';
import type { TrafficRecord } from '../../../../../server/recording/types.js';

const record = (over: { team?: string; user?: string; key?: string } = {}): TrafficRecord => ({
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

describe('policyBudgetOf', () => {
  it('writes a --budget as the policy would, on a UTC calendar window', () => {
    expect(policyBudgetOf(parseBudget('team:research=100usd/month') as never)).toMatchObject({
      name: 'team:research=100usd/month', scope: 'team', match: 'research', unit: 'usd', limit: 100,
      window: { kind: 'calendar', unit: 'month' }, onExceed: 'reject', downgradeTo: null,
    });
    expect(policyBudgetOf(parseBudget('global=5000tokens/hour:alert') as never)).toMatchObject({ match: null, unit: 'tokens', onExceed: 'alert' });
  });
});

describe('scopeValue', () => {
  it('takes the team from the caller first, else from metadata', () => {
    const r = record({ team: 'meta-team' });
    expect(scopeValue(r, 'team')).toBe('meta-team');
    (r.request.caller as { team: string }).team = 'key-team';
    expect(scopeValue(r, 'team')).toBe('key-team');
  });
});
