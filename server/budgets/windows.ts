/**
 * Where a moment falls in a budget window. Calendar windows are UTC hours, days and months:
 * a charge counts in the window of its request's arrival, until the window ends. Rolling
 * windows count charges in buckets: a charge leaves the window when its whole bucket has, so it
 * is held at most one bucket longer than the exact span (never less: the store may only err
 * on the side of refusing). A bucket is a sixtieth of the span, at most a minute: a 30-day
 * window has 43,200 buckets to keep instead of one entry per request, and a 1-minute window
 * is held at most a second longer than exact.
 */
import type { BudgetWindowSpec } from '../../engine/src/policy/types.js';

export type Placement =
  | { kind: 'calendar'; start: number; end: number }
  | { kind: 'rolling'; spanMs: number; bucketMs: number; bucket: number };

const MINUTE_MS = 60_000;

/** The UTC calendar period containing `at`: [start, end) in epoch ms. */
export function calendarWindow(unit: 'hour' | 'day' | 'month', at: number): { start: number; end: number } {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (unit === 'month') return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  if (unit === 'day') {
    const start = Date.UTC(y, m, d.getUTCDate());
    return { start, end: Date.UTC(y, m, d.getUTCDate() + 1) };
  }
  const start = Date.UTC(y, m, d.getUTCDate(), d.getUTCHours());
  return { start, end: start + 3_600_000 };
}

/** Bucket width of a rolling window: a sixtieth of the span, at most a minute. */
export function bucketMsFor(spanMs: number): number {
  return Math.min(MINUTE_MS, Math.max(1, Math.floor(spanMs / 60)));
}

/** Where a charge arriving at `at` counts under `window`. */
export function placeIn(window: BudgetWindowSpec, at: number): Placement {
  if (window.kind === 'calendar') return { kind: 'calendar', ...calendarWindow(window.unit, at) };
  const spanMs = window.seconds * 1000;
  const bucketMs = bucketMsFor(spanMs);
  return { kind: 'rolling', spanMs, bucketMs, bucket: at - (at % bucketMs) };
}

/** When a charge in the rolling bucket starting at `bucket` stops counting. */
export function bucketLeavesAt(bucket: number, spanMs: number, bucketMs: number): number {
  return bucket + bucketMs + spanMs;
}

/** Whether a charge placed at `place` still counts at `now`. */
export function stillCounts(place: Placement, now: number): boolean {
  return place.kind === 'calendar' ? now < place.end : now < bucketLeavesAt(place.bucket, place.spanMs, place.bucketMs);
}

/** Names the counter a placement charges: one per calendar window, one per rolling window. */
export function windowTag(place: Placement): string {
  return place.kind === 'calendar' ? `c${place.start}` : `r${place.spanMs}`;
}
