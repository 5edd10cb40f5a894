/** What the spend report and reconciliation ask of a ledger, the same for SQLite and PostgreSQL. */
import type { Charge, Ledger } from '../budgets/types.js';

/** The dimensions spend can be grouped by: a scope of the charge, or the model that served. */
export const SPEND_BY = ['team', 'key', 'user', 'model', 'route'] as const;
export type SpendBy = (typeof SPEND_BY)[number];

/** Spend grouped by one dimension over [since, until) of the charges' `at` (epoch ms). */
export interface SpendQuery {
  by: SpendBy;
  since?: number;
  until?: number;
}

/** One group of a spend report; `key` is '' for charges without a value (no team, no key...). */
export interface SpendRow {
  key: string;
  requests: number;
  usd: number;
  tokens: number;
}

/** One provider's charges for one model on one UTC day: what reconciliation compares. */
export interface DailyModelRow {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  model: string;
  requests: number;
  usd: number;
}

export interface DailyModelQuery {
  provider: string;
  since?: number;
  until?: number;
}

/** A ledger that can also answer spend and reconciliation queries. */
export interface SpendLedger extends Ledger {
  spend(query: SpendQuery): Promise<SpendRow[]>;
  dailyByModel(query: DailyModelQuery): Promise<DailyModelRow[]>;
  /** Every charge with `at >= since`, in order of `at`: what budgets resume from at start. */
  charges(since?: number): Iterable<Charge> | AsyncIterable<Charge>;
}

/** A spend report: the rows, their total, and the range asked for (ISO, null when open). */
export interface SpendReport {
  by: string;
  since: string | null;
  until: string | null;
  rows: SpendRow[];
  total: { requests: number; usd: number; tokens: number };
}

/**
 * Spend rows largest first, then by key. In JavaScript rather than SQL, so that both ledgers
 * order alike: their float sums may differ in the last bits, and their collations differ.
 */
export function sortSpend(rows: SpendRow[]): SpendRow[] {
  const nanoUsd = (usd: number): number => Math.round(usd * 1e9);
  return rows.sort((a, b) => nanoUsd(b.usd) - nanoUsd(a.usd) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The report of `rows` (a SpendLedger.spend answer). */
export function spendReport(by: string, rows: SpendRow[], since: number | undefined, until: number | undefined): SpendReport {
  return {
    by,
    since: since === undefined ? null : new Date(since).toISOString(),
    until: until === undefined ? null : new Date(until).toISOString(),
    rows,
    total: {
      requests: rows.reduce((sum, r) => sum + r.requests, 0),
      usd: rows.reduce((sum, r) => sum + r.usd, 0),
      tokens: rows.reduce((sum, r) => sum + r.tokens, 0),
    },
  };
}

export const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) of a day number (epoch ms / DAY_MS, floored). */
export function dayOf(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

export function isSpendBy(value: string): value is SpendBy {
  return (SPEND_BY as readonly string[]).includes(value);
}

/**
 * A point in time from the command line or a query string: an ISO 8601 date or date-time
 * (`2025-11-01`, `2025-11-01T12:00:00Z`; without a zone it is UTC, as the ledger's days are),
 * or a span back from `now`: `90m`, `12h`, `7d`, `2w`. Null when the text is neither.
 */
export function parseTime(text: string, now: number): number | null {
  const span = /^(\d+)(m|h|d|w)$/.exec(text);
  if (span) {
    const unit = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS }[span[2] as 'm'];
    return now - Number(span[1]) * unit;
  }
  // Date.parse alone would also take "March 7" or "1": only ISO forms are meant here.
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (!iso) return null;
  const at = Date.parse(`${iso[1]}T${iso[2] ?? '00:00'}${iso[3] ?? 'Z'}`);
  return Number.isNaN(at) ? null : at;
}
