/**
 * The exact-match cache `--exact-cache TTL` simulates: an answer is kept for TTL after the
 * request that produced it. Entries are evicted once expired, so memory follows the number of
 * distinct prompts within one TTL, not in the whole log. Records come in arrival order, so
 * expiries are stored in the order they were set: a FIFO queue finds the expired ones without a
 * scan. (A record emitted out of order can make an entry wait a little longer in the queue; it
 * is still dropped as soon as the queue reaches it.)
 */
export class ExactCache {
  readonly #ttl: number;
  /** key -> the time its answer expires. */
  readonly #until = new Map<string, number>();
  /** Keys and expiries in the order they were set; read from #head on. */
  #keys: string[] = [];
  #expiries: number[] = [];
  #head = 0;
  /** The most entries held at once: the size a real cache would have needed. */
  peak = 0;

  constructor(ttlMs: number) {
    this.#ttl = ttlMs;
  }

  /** Entries held (for tests: bounded by the prompts within one TTL). */
  get size(): number {
    return this.#until.size;
  }

  /** Whether an answer for `key` is held at `at`; drops every entry expired by then first. */
  has(key: string, at: number): boolean {
    this.#evict(at);
    const until = this.#until.get(key);
    return until !== undefined && until >= at;
  }

  /** Keeps the answer of a successful request made at `at`. */
  set(key: string, at: number): void {
    const until = at + this.#ttl;
    this.#until.set(key, until);
    if (this.#until.size > this.peak) this.peak = this.#until.size;
    this.#keys.push(key);
    this.#expiries.push(until);
  }

  #evict(at: number): void {
    while (this.#head < this.#keys.length && this.#expiries[this.#head]! < at) {
      const key = this.#keys[this.#head]!;
      // Only if not set again since: a later set has its own, later entry in the queue.
      if (this.#until.get(key) === this.#expiries[this.#head]) this.#until.delete(key);
      this.#head++;
    }
    // Drop the consumed front now and then, so the queue does not grow with the log either.
    if (this.#head > 4096 && this.#head * 2 > this.#keys.length) {
      this.#keys = this.#keys.slice(this.#head);
      this.#expiries = this.#expiries.slice(this.#head);
      this.#head = 0;
    }
  }
}
