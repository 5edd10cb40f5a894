/** A settled charge for ledger tests: every field set, any of them overridden. */
import type { Charge, ScopeValues } from '../../server/budgets/types.js';

/** 2025-11-03T00:00:00Z: the day the ledger tests' charges fall on unless they say otherwise. */
export const LEDGER_DAY = Date.UTC(2025, 10, 3);

export function charge(id: string, over: Partial<Omit<Charge, 'scopes'>> & { scopes?: Partial<ScopeValues> } = {}): Charge {
  const { scopes, ...rest } = over;
  return {
    requestId: id, at: LEDGER_DAY + 1000, settledAt: LEDGER_DAY + 2000, usd: 0.01, tokens: 100, provider: 'openai', model: 'gpt-4o-mini', instance: 'i1',
    ...rest,
    scopes: { key: 'k1', user: 'u1', team: 't1', session: '', model: 'gpt-4o-mini', route: 'cheap', ...scopes },
  };
}
