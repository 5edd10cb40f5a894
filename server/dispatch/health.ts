/**
 * Live health per model (one deployment each): a circuit breaker over a sliding window of
 * attempt outcomes, and latency and error-rate EWMAs. The decision reads it through the
 * snapshot, so an open model is skipped without a call; the dispatcher asks `admit` before each
 * attempt, which is where half-open probes are rationed.
 */
import type { HealthState } from '../../engine/src/decide.js';

export interface BreakerSettings {
  windowS: number;
  minRequests: number;
  failureRate: number;
  openS: number;
  halfOpenProbes: number;
}

/** Weight of the newest sample in the EWMAs. */
const EWMA_ALPHA = 0.2;

class ModelHealth {
  state: 'closed' | 'open' | 'half_open' = 'closed';
  openedAt = 0;
  probes = 0;
  latencyEwmaMs = 0;
  errorRate = 0;
  /** Per second of the window: [second, successes, failures]. */
  readonly buckets: Array<[number, number, number]> = [];

  counts(now: number, windowS: number): { ok: number; failed: number } {
    const since = Math.floor(now / 1000) - windowS;
    while (this.buckets.length > 0 && this.buckets[0]![0] <= since) this.buckets.shift();
    let ok = 0;
    let failed = 0;
    for (const [, s, f] of this.buckets) {
      ok += s;
      failed += f;
    }
    return { ok, failed };
  }

  add(now: number, success: boolean): void {
    const second = Math.floor(now / 1000);
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last[0] !== second) {
      last = [second, 0, 0];
      this.buckets.push(last);
    }
    if (success) last[1]++;
    else last[2]++;
  }
}

export class HealthRegistry {
  readonly #models = new Map<string, ModelHealth>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #get(model: string): ModelHealth {
    let h = this.#models.get(model);
    if (!h) {
      h = new ModelHealth();
      this.#models.set(model, h);
    }
    return h;
  }

  /** The breaker's state now, moving open to half-open once the open time has passed. */
  circuit(model: string, settings: BreakerSettings): 'closed' | 'open' | 'half_open' {
    const h = this.#models.get(model);
    if (!h) return 'closed';
    if (h.state === 'open' && this.#now() - h.openedAt >= settings.openS * 1000) {
      h.state = 'half_open';
      h.probes = 0;
    }
    return h.state;
  }

  /**
   * Whether an attempt at `model` may go out now: always when closed, never when open, and
   * while half-open only as many at once as there are probe slots.
   */
  admit(model: string, settings: BreakerSettings): boolean {
    const state = this.circuit(model, settings);
    if (state === 'closed') return true;
    if (state === 'open') return false;
    const h = this.#get(model);
    if (h.probes >= settings.halfOpenProbes) return false;
    h.probes++;
    return true;
  }

  /** Records one attempt's outcome; `latencyMs` (time to first byte) on success only. */
  record(model: string, success: boolean, latencyMs: number | null, settings: BreakerSettings): void {
    const h = this.#get(model);
    const now = this.#now();
    h.add(now, success);
    h.errorRate = EWMA_ALPHA * (success ? 0 : 1) + (1 - EWMA_ALPHA) * h.errorRate;
    if (success && latencyMs !== null) h.latencyEwmaMs = h.latencyEwmaMs === 0 ? latencyMs : EWMA_ALPHA * latencyMs + (1 - EWMA_ALPHA) * h.latencyEwmaMs;
    const state = this.circuit(model, settings);
    if (state === 'half_open') {
      h.probes = Math.max(0, h.probes - 1);
      if (success) {
        h.state = 'closed';
        h.buckets.length = 0;
      } else {
        h.state = 'open';
        h.openedAt = now;
      }
      return;
    }
    if (state === 'closed' && !success) {
      const { ok, failed } = h.counts(now, settings.windowS);
      if (ok + failed >= settings.minRequests && failed / (ok + failed) >= settings.failureRate) {
        h.state = 'open';
        h.openedAt = now;
      }
    }
  }

  /** Releases a half-open probe slot taken by `admit` for an attempt that never went out. */
  release(model: string): void {
    const h = this.#models.get(model);
    if (h && h.state === 'half_open') h.probes = Math.max(0, h.probes - 1);
  }

  /**
   * The models' health as the decision snapshot carries it (models never called are absent).
   * Latency to 0.01 ms and error rate to 0.0001: finer than any policy compares, and every
   * recorded request carries this snapshot, where 17-digit floats made the log a third larger.
   */
  snapshot(settings: BreakerSettings): Record<string, HealthState> {
    const out: Record<string, HealthState> = {};
    for (const [model, h] of this.#models) {
      out[model] = { circuit: this.circuit(model, settings), latencyEwmaMs: Math.round(h.latencyEwmaMs * 100) / 100, errorRate: Math.round(h.errorRate * 1e4) / 1e4 };
    }
    return out;
  }
}
