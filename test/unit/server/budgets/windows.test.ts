import { describe, expect, it } from 'vitest';
import { bucketLeavesAt, bucketMsFor, calendarWindow, placeIn, stillCounts, windowTag } from '../../../../server/budgets/windows.js';

const at = (iso: string): number => Date.parse(iso);

describe('calendarWindow', () => {
  it.each([
    ['hour', '2030-03-10T14:37:12.345Z', '2030-03-10T14:00:00Z', '2030-03-10T15:00:00Z'],
    ['hour', '2030-12-31T23:59:59.999Z', '2030-12-31T23:00:00Z', '2031-01-01T00:00:00Z'],
    ['day', '2030-03-10T14:37:12Z', '2030-03-10T00:00:00Z', '2030-03-11T00:00:00Z'],
    ['day', '2030-02-28T00:00:00Z', '2030-02-28T00:00:00Z', '2030-03-01T00:00:00Z'],
    ['day', '2028-02-28T12:00:00Z', '2028-02-28T00:00:00Z', '2028-02-29T00:00:00Z'],
    ['month', '2030-03-10T14:37:12Z', '2030-03-01T00:00:00Z', '2030-04-01T00:00:00Z'],
    ['month', '2030-12-31T23:59:59Z', '2030-12-01T00:00:00Z', '2031-01-01T00:00:00Z'],
    ['month', '2028-02-10T00:00:00Z', '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z'],
  ] as const)('%s at %s is [%s, %s)', (unit, t, start, end) => {
    expect(calendarWindow(unit, at(t))).toEqual({ start: at(start), end: at(end) });
  });

  it('puts the first instant of a window in it and its end in the next (UTC, whatever the local zone)', () => {
    const w = calendarWindow('day', at('2030-06-01T00:00:00Z'));
    expect(w.start).toBe(at('2030-06-01T00:00:00Z'));
    expect(calendarWindow('day', w.end).start).toBe(w.end);
    expect(calendarWindow('day', w.end - 1).start).toBe(w.start);
  });
});

describe('rolling windows', () => {
  it('use buckets of a sixtieth of the span, at most a minute', () => {
    expect(bucketMsFor(60_000)).toBe(1_000);
    expect(bucketMsFor(30 * 60_000)).toBe(30_000);
    expect(bucketMsFor(3_600_000)).toBe(60_000);
    expect(bucketMsFor(30 * 86_400_000)).toBe(60_000);
  });

  it('place a charge in its bucket, and let it go one bucket after the span at most', () => {
    const p = placeIn({ kind: 'rolling', seconds: 3600 }, at('2030-03-10T14:37:12.345Z'));
    expect(p).toEqual({ kind: 'rolling', spanMs: 3_600_000, bucketMs: 60_000, bucket: at('2030-03-10T14:37:00Z') });
    if (p.kind !== 'rolling') throw new Error('rolling');
    const leaves = bucketLeavesAt(p.bucket, p.spanMs, p.bucketMs);
    expect(leaves).toBe(at('2030-03-10T15:38:00Z'));
    // Never before the exact span has passed.
    expect(leaves).toBeGreaterThanOrEqual(at('2030-03-10T14:37:12.345Z') + 3_600_000);
    expect(stillCounts(p, leaves - 1)).toBe(true);
    expect(stillCounts(p, leaves)).toBe(false);
  });
});

describe('placeIn and windowTag', () => {
  it('name one counter per calendar window and one per rolling window', () => {
    const a = placeIn({ kind: 'calendar', unit: 'hour' }, at('2030-03-10T14:01:00Z'));
    const b = placeIn({ kind: 'calendar', unit: 'hour' }, at('2030-03-10T14:59:00Z'));
    const c = placeIn({ kind: 'calendar', unit: 'hour' }, at('2030-03-10T15:00:00Z'));
    expect(windowTag(a)).toBe(windowTag(b));
    expect(windowTag(c)).not.toBe(windowTag(a));
    expect(stillCounts(a, at('2030-03-10T14:59:59.999Z'))).toBe(true);
    expect(stillCounts(a, at('2030-03-10T15:00:00Z'))).toBe(false);
    const r1 = placeIn({ kind: 'rolling', seconds: 600 }, at('2030-03-10T14:01:00Z'));
    const r2 = placeIn({ kind: 'rolling', seconds: 600 }, at('2030-03-11T09:00:00Z'));
    expect(windowTag(r1)).toBe(windowTag(r2));
    expect(windowTag(r1)).not.toBe(windowTag(placeIn({ kind: 'rolling', seconds: 60 }, at('2030-03-10T14:01:00Z'))));
  });
});
