import { describe, expect, it } from 'vitest';
import { TimeSeries } from '../../../../../server/tools/dry-run/time-series.js';

describe('TimeSeries', () => {
  it('keeps seconds for short traffic and gives running totals per bucket', () => {
    const s = new TimeSeries(['a', 'b']);
    s.add(10_000, [1, 2]);
    s.add(10_500, [1, 0]);
    s.add(12_000, [3, 3]);
    expect(s.cumulative()).toEqual([[10_000, 2, 2], [12_000, 5, 5]]);
  });

  it('never returns more than 200 buckets, and the last total is the sum of everything', () => {
    const s = new TimeSeries(['x']);
    for (let i = 0; i < 5_000; i++) s.add(i * 1_000, [1]);
    const out = s.cumulative();
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out.at(-1)![1]).toBe(5_000);
    expect(out.map((r) => r[1]!)).toEqual([...out.map((r) => r[1]!)].sort((a, b) => a - b));
  });

  it('folds seconds into minutes past 20,000 of them, keeping the totals', () => {
    const s = new TimeSeries(['x']);
    for (let i = 0; i < 30_000; i++) s.add(i * 1_000, [2]);
    const out = s.cumulative();
    expect(out.at(-1)![1]).toBe(60_000);
    expect(out[0]![0]! % 60_000).toBe(0);
  });
});
