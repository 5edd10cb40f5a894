import { describe, expect, it } from 'vitest';
import { beyond, canonicalModel, reconcile } from '../../../../../server/tools/reconcile/compare.js';
import type { ProviderCosts } from '../../../../../server/tools/reconcile/read-export.js';

const costs = (lines: ProviderCosts['lines'], other: ProviderCosts['other'] = []): ProviderCosts => ({ lines, other, from: Date.UTC(2025, 10, 3), to: Date.UTC(2025, 10, 5) });

describe('canonicalModel', () => {
  it('drops snapshot dates and -latest, so policy names meet provider names', () => {
    expect(canonicalModel('claude-haiku-4-5-20251001')).toBe('claude-haiku-4-5');
    expect(canonicalModel('gpt-4o-mini-2024-07-18')).toBe('gpt-4o-mini');
    expect(canonicalModel('claude-3-5-haiku-latest')).toBe('claude-3-5-haiku');
    expect(canonicalModel('GPT-4.1')).toBe('gpt-4.1');
    expect(canonicalModel('o3')).toBe('o3');
  });
});

describe('beyond', () => {
  it('is true only above both the relative and the absolute tolerance', () => {
    const t = { share: 0.01, usd: 0.01 };
    expect(beyond(100, 100.9, t)).toBe(false); // 0.9% of 100.9
    expect(beyond(100, 101.2, t)).toBe(true);
    expect(beyond(0.5, 0.509, t)).toBe(false); // 1.8%, but under a cent
    expect(beyond(0.5, 0.52, t)).toBe(true);
    expect(beyond(0, 0.02, t)).toBe(true);
  });
});

describe('reconcile', () => {
  it('sums lines and ledger rows per day and canonical model and finds nothing when they agree', () => {
    const report = reconcile(
      costs([
        { day: '2025-11-03', model: 'gpt-4o-2024-08-06', usd: 1 },
        { day: '2025-11-03', model: 'gpt-4o-2024-08-06', usd: 2 },
      ], [{ day: '2025-11-03', label: 'web search tool calls', usd: 0.5 }]),
      [{ day: '2025-11-03', model: 'gpt-4o', requests: 10, usd: 3.000001 }],
    );
    expect(report.discrepancies).toEqual([]);
    expect(report.compared).toEqual([{ day: '2025-11-03', model: 'gpt-4o', requests: 10, ledgerUsd: 3.000001, providerUsd: 3, diffUsd: expect.closeTo(-0.000001, 9) }]);
    expect(report.totals).toMatchObject({ requests: 10, ledgerUsd: 3.000001, providerUsd: 3, otherUsd: 0.5 });
    expect(report.other).toEqual([{ label: 'web search tool calls', usd: 0.5 }]);
    expect([report.from, report.to]).toEqual(['2025-11-03', '2025-11-05']);
  });

  it('lists what only one side has, and amounts that differ, in day and model order', () => {
    const report = reconcile(
      costs([
        { day: '2025-11-04', model: 'b', usd: 2 },
        { day: '2025-11-03', model: 'a', usd: 1 },
        { day: '2025-11-03', model: 'c', usd: 5 },
      ]),
      [
        { day: '2025-11-03', model: 'a', requests: 1, usd: 1.5 },
        { day: '2025-11-04', model: 'd', requests: 2, usd: 0.7 },
        { day: '2025-11-03', model: 'c', requests: 1, usd: 5 },
      ],
    );
    expect(report.discrepancies.map((d) => [d.day, d.model, d.kind, d.diffUsd])).toEqual([
      ['2025-11-03', 'a', 'amount', -0.5],
      ['2025-11-04', 'b', 'missing_in_ledger', 2],
      ['2025-11-04', 'd', 'missing_in_export', -0.7],
    ]);
  });

  it('lists a model only one side has whatever its amount: a name mismatch is not rounding', () => {
    const report = reconcile(costs([{ day: '2025-11-03', model: 'gpt-4o-mini', usd: 0.0001 }]), [{ day: '2025-11-03', model: 'fast', requests: 3, usd: 0.0001 }]);
    expect(report.discrepancies.map((d) => [d.model, d.kind])).toEqual([['fast', 'missing_in_export'], ['gpt-4o-mini', 'missing_in_ledger']]);
    // The same amounts under one name agree.
    expect(reconcile(costs([{ day: '2025-11-03', model: 'gpt-4o-mini', usd: 0.0001 }]), [{ day: '2025-11-03', model: 'gpt-4o-mini', requests: 3, usd: 0.0001 }]).discrepancies).toEqual([]);
  });

  it('applies the tolerance it is given', () => {
    const lines = costs([{ day: '2025-11-03', model: 'a', usd: 1.05 }]);
    const ledger = [{ day: '2025-11-03', model: 'a', requests: 1, usd: 1 }];
    expect(reconcile(lines, ledger).discrepancies).toHaveLength(1);
    expect(reconcile(lines, ledger, { share: 0.1, usd: 0.01 }).discrepancies).toHaveLength(0);
  });
});
