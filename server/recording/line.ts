/**
 * A traffic record as one line of the log, and back. The snapshot's health states are written as
 * tuples, [circuit, latency EWMA ms, error rate] (null where unknown): as objects they were half
 * of every line once the live snapshot held twenty models, and reading a log is mostly parsing
 * it (dry-run's records/s fell by half). Version 1 lines, objects throughout, read as they are.
 */
import type { CircuitState, HealthState, Snapshot } from '../../engine/src/decide.js';
import type { TrafficRecord } from './types.js';

/** One model's or provider's health as a line keeps it. */
export type HealthTuple = [circuit: CircuitState | null, latencyEwmaMs: number | null, errorRate: number | null];

type HealthMap = Readonly<Record<string, HealthState>>;

function toTuples(states: HealthMap): Record<string, HealthTuple> {
  const out: Record<string, HealthTuple> = {};
  for (const name in states) {
    const h = states[name]!;
    out[name] = [h.circuit ?? null, h.latencyEwmaMs ?? null, h.errorRate ?? null];
  }
  return out;
}

function fromTuples(states: Readonly<Record<string, HealthTuple | HealthState>>): Record<string, HealthState> {
  const out: Record<string, HealthState> = {};
  for (const name in states) {
    const h = states[name]!;
    if (!Array.isArray(h)) {
      out[name] = h;
      continue;
    }
    // Absent, not undefined, where the tuple says null: what decide read had no such field.
    const state: HealthState = {};
    if (h[0] !== null) state.circuit = h[0];
    if (h[1] !== null) state.latencyEwmaMs = h[1];
    if (h[2] !== null) state.errorRate = h[2];
    out[name] = state;
  }
  return out;
}

/** The line for a record (without its newline); `v`, `id`, `at` and `done` come first. */
export function recordLine(record: TrafficRecord): string {
  const s = record.snapshot;
  if (!s.models && !s.providers) return JSON.stringify(record);
  const snapshot = { ...s, ...(s.models ? { models: toTuples(s.models) } : {}), ...(s.providers ? { providers: toTuples(s.providers) } : {}) };
  return JSON.stringify({ ...record, snapshot });
}

/** A parsed line's record with its snapshot as decide reads it; changes `record` in place. */
export function expandRecord(record: TrafficRecord): TrafficRecord {
  const s = record.snapshot as Snapshot | undefined;
  if (s?.models) (s as { models: HealthMap }).models = fromTuples(s.models);
  if (s?.providers) (s as { providers: HealthMap }).providers = fromTuples(s.providers);
  return record;
}

/** A line of a traffic log as its record (no validation: see server/tools/dry-run/read.ts). */
export function parseRecordLine(line: string): TrafficRecord {
  return expandRecord(JSON.parse(line) as TrafficRecord);
}
