import { describe, expect, it } from 'vitest';
import { dayOf, parseTime, sortSpend } from '../../../../server/ledger/query.js';

describe('parseTime', () => {
  const now = Date.UTC(2025, 10, 10, 12);

  it('reads spans back from now', () => {
    expect(parseTime('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseTime('12h', now)).toBe(now - 12 * 3_600_000);
    expect(parseTime('90m', now)).toBe(now - 90 * 60_000);
    expect(parseTime('2w', now)).toBe(now - 14 * 86_400_000);
  });

  it('reads ISO dates and date-times, UTC when they carry no zone', () => {
    expect(parseTime('2025-11-01', now)).toBe(Date.UTC(2025, 10, 1));
    expect(parseTime('2025-11-01T09:30', now)).toBe(Date.UTC(2025, 10, 1, 9, 30));
    expect(parseTime('2025-11-01T09:30:15.5Z', now)).toBe(Date.UTC(2025, 10, 1, 9, 30, 15, 500));
    expect(parseTime('2025-11-01T09:30:00+02:00', now)).toBe(Date.UTC(2025, 10, 1, 7, 30));
  });

  it('refuses anything else', () => {
    for (const text of ['yesterday', '7', '7y', 'March 7', '2025-13-45', '']) expect(parseTime(text, now)).toBeNull();
  });
});

describe('dayOf and sortSpend', () => {
  it('names UTC days and orders rows largest first, then by key, ignoring float noise', () => {
    expect(dayOf(Math.floor(Date.UTC(2025, 10, 3, 23, 59) / 86_400_000))).toBe('2025-11-03');
    const rows = sortSpend([
      { key: 'b', requests: 1, usd: 0.273, tokens: 1 },
      { key: 'a', requests: 1, usd: 0.27300000000000002, tokens: 1 },
      { key: 'c', requests: 1, usd: 1, tokens: 1 },
    ]);
    expect(rows.map((r) => r.key)).toEqual(['c', 'a', 'b']);
  });
});
