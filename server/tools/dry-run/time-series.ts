/**
 * Sums per minute over a replay of any length, then at most 200 buckets of running totals for a
 * chart: memory grows with the minutes the traffic spans, not with its records.
 */
const MINUTE = 60_000;
const MAX_BUCKETS = 200;

export class TimeSeries {
  readonly #width: number;
  readonly #minutes = new Map<number, number[]>();

  constructor(series: readonly string[]) {
    this.#width = series.length;
  }

  add(t: number, values: readonly number[]): void {
    const minute = Math.floor(t / MINUTE) * MINUTE;
    let sums = this.#minutes.get(minute);
    if (!sums) {
      sums = new Array<number>(this.#width).fill(0);
      this.#minutes.set(minute, sums);
    }
    for (let i = 0; i < this.#width; i++) sums[i]! += values[i]!;
  }

  /** `[t, total1, total2, ...]` per bucket: running totals at each bucket's end, `t` its start. */
  cumulative(): number[][] {
    const minutes = [...this.#minutes.keys()].sort((a, b) => a - b);
    if (minutes.length === 0) return [];
    const first = minutes[0]!;
    const span = minutes[minutes.length - 1]! - first + MINUTE;
    const width = Math.max(MINUTE, Math.ceil(span / MAX_BUCKETS / MINUTE) * MINUTE);
    const buckets = new Map<number, number[]>();
    for (const m of minutes) {
      const b = first + Math.floor((m - first) / width) * width;
      const sums = buckets.get(b) ?? new Array<number>(this.#width).fill(0);
      this.#minutes.get(m)!.forEach((v, i) => { sums[i]! += v; });
      buckets.set(b, sums);
    }
    const running = new Array<number>(this.#width).fill(0);
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, sums]) => {
      sums.forEach((v, i) => { running[i]! += v; });
      return [t, ...running];
    });
  }
}
