/**
 * Puts records that arrive in completion order (`done`: a log is appended when a request ends)
 * back into arrival order (`at`), which budgets and the exact cache must be simulated in.
 *
 * A record's `done - at` is bounded in practice (by the policy's total timeout, minutes at
 * most), so once the latest `done` seen is more than a window past a buffered record's `at`, no
 * record still unread can have arrived before it: it is emitted. A min-heap by `at` holds the
 * rest. A hard cap on buffered records keeps memory bounded even for very dense traffic: when it
 * is reached the earliest record is emitted anyway. Records that end up out of arrival order
 * (their `at` before one already emitted: a request slower than the window, or the cap) are
 * counted, so a report can say so.
 */

/** How far past a record's arrival the latest completion must be before it is emitted (15 minutes). */
export const ARRIVAL_WINDOW_MS = 15 * 60_000;
/** At most this many records are held back; beyond it the earliest is emitted (read.ts holds them as lines of about 1.5 KB: some 12 MB). */
export const ARRIVAL_MAX_BUFFERED = 8192;

export interface Timed {
  at: number;
  done: number;
}

export interface ArrivalOrderOptions {
  windowMs?: number;
  maxBuffered?: number;
}

export class ArrivalOrder<T extends Timed> {
  readonly #window: number;
  readonly #max: number;
  /** Binary min-heap by (at, seq): seq keeps records with the same `at` in the order they came. */
  readonly #heap: Array<{ record: T; seq: number }> = [];
  #seq = 0;
  #latestDone = -Infinity;
  #lastEmittedAt = -Infinity;
  /** Records emitted with an `at` earlier than one emitted before them. */
  outOfOrder = 0;

  constructor(opts: ArrivalOrderOptions = {}) {
    this.#window = opts.windowMs ?? ARRIVAL_WINDOW_MS;
    this.#max = opts.maxBuffered ?? ARRIVAL_MAX_BUFFERED;
  }

  get buffered(): number {
    return this.#heap.length;
  }

  /** Takes one record in completion order; returns those now safe to emit, in arrival order. */
  push(record: T, out: T[] = []): T[] {
    if (record.done > this.#latestDone) this.#latestDone = record.done;
    this.#insert({ record, seq: this.#seq++ });
    while (this.#heap.length > 0 && (this.#heap[0]!.record.at < this.#latestDone - this.#window || this.#heap.length > this.#max)) out.push(this.#pop());
    return out;
  }

  /** Everything still held, in arrival order (at the end of the input). */
  flush(out: T[] = []): T[] {
    while (this.#heap.length > 0) out.push(this.#pop());
    return out;
  }

  #before(a: { record: T; seq: number }, b: { record: T; seq: number }): boolean {
    return a.record.at < b.record.at || (a.record.at === b.record.at && a.seq < b.seq);
  }

  #insert(item: { record: T; seq: number }): void {
    const h = this.#heap;
    let i = h.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  #pop(): T {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    if (top.record.at < this.#lastEmittedAt) this.outOfOrder++;
    else this.#lastEmittedAt = top.record.at;
    return top.record;
  }
}
