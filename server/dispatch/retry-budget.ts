/**
 * A retry budget per provider: retries may be at most `ratio` of the provider's requests over a
 * sliding window (at least `floor` per window), so when a provider fails every call the gateway
 * sends it about 1.2 requests per client request instead of 1 + retries.
 */
export interface RetryBudgetSettings {
  ratio: number;
  windowS: number;
  floor: number;
}

/** Counts per second over the window, in a ring. */
class Window {
  readonly #requests: number[];
  readonly #retries: number[];
  #second = 0;

  constructor(readonly seconds: number) {
    this.#requests = new Array<number>(seconds).fill(0);
    this.#retries = new Array<number>(seconds).fill(0);
  }

  /** Moves the ring to `now` (s), clearing the seconds that passed. */
  advance(now: number): void {
    if (now - this.#second >= this.seconds) {
      this.#requests.fill(0);
      this.#retries.fill(0);
    } else {
      for (let s = this.#second + 1; s <= now; s++) {
        this.#requests[s % this.seconds] = 0;
        this.#retries[s % this.seconds] = 0;
      }
    }
    this.#second = Math.max(this.#second, now);
  }

  add(kind: 'request' | 'retry'): void {
    const ring = kind === 'request' ? this.#requests : this.#retries;
    ring[this.#second % this.seconds]! += 1;
  }

  totals(): { requests: number; retries: number } {
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < this.seconds; i++) {
      requests += this.#requests[i]!;
      retries += this.#retries[i]!;
    }
    return { requests, retries };
  }
}

export class RetryBudgets {
  readonly #windows = new Map<string, Window>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #window(provider: string, settings: RetryBudgetSettings): Window {
    let w = this.#windows.get(provider);
    if (!w || w.seconds !== settings.windowS) {
      w = new Window(settings.windowS);
      this.#windows.set(provider, w);
    }
    w.advance(Math.floor(this.#now() / 1000));
    return w;
  }

  /** Counts one first attempt at `provider`. */
  request(provider: string, settings: RetryBudgetSettings): void {
    this.#window(provider, settings).add('request');
  }

  /** Takes one retry from `provider`'s budget; false when the budget is spent. */
  tryRetry(provider: string, settings: RetryBudgetSettings): boolean {
    const w = this.#window(provider, settings);
    const { requests, retries } = w.totals();
    if (retries >= Math.max(settings.floor, settings.ratio * requests)) return false;
    w.add('retry');
    return true;
  }
}
