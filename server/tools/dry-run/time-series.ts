/**
 * Sums per second over a replay of any length, then at most 200 buckets of running totals for a
 * chart. Past 20,000 seconds with traffic the sums are folded into minutes, so memory grows with
 * the time the traffic spans (at most one entry a minute), never with its records.
 */
const SECOND = 1_000;
const MINUTE = 60_000;
const MAX_BUCKETS = 200;
const MAX_SECONDS = 20_000;

export class TimeSeries {
  readonly #width: number;
  #step = SECOND;
  #minutes = new Map<number, number[]>();

  constructor(series: readonly string[]) {
    this.#width = series.length;
  }

  add(t: number, values: readonly number[]): void {
    const at = Math.floor(t / this.#step) * this.#step;
    let sums = this.#minutes.get(at);
    if (!sums) {
      if (this.#step === SECOND && this.#minutes.size >= MAX_SECONDS) {
        this.#fold();
        this.add(t, values);
        return;
      }
      sums = new Array<number>(this.#width).fill(0);
      this.#minutes.set(at, sums);
    }
    for (let i = 0; i < this.#width; i++) sums[i]! += values[i]!;
  }

  /** From seconds to minutes. */
  #fold(): void {
    const minutes = new Map<number, number[]>();
    for (const [t, values] of this.#minutes) {
      const m = Math.floor(t / MINUTE) * MINUTE;
      const sums = minutes.get(m) ?? new Array<number>(this.#width).fill(0);
      values.forEach((v, i) => { sums[i]! += v; });
      minutes.set(m, sums);
    }
    this.#minutes = minutes;
    this.#step = MINUTE;
  }

  /** `[t, total1, total2, ...]` per bucket: running totals at each bucket's end, `t` its start. */
  cumulative(): number[][] {
    const minutes = [...this.#minutes.keys()].sort((a, b) => a - b);
    if (minutes.length === 0) return [];
    const first = minutes[0]!;
    const step = this.#step;
    const span = minutes[minutes.length - 1]! - first + step;
    const width = Math.max(step, Math.ceil(span / MAX_BUCKETS / step) * step);
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
