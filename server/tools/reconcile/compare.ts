/**
 * Reconciliation: what the provider billed against what the ledger charged, per UTC day and
 * model. A difference is a discrepancy when it is above the tolerance: more than `share` of
 * the larger amount AND more than `usd` (default 1% and $0.01), so neither rounding on large
 * days nor noise on tiny ones is reported.
 */
import type { DailyModelRow } from '../../ledger/query.js';
import type { ProviderCosts } from './read-export.js';

export interface Tolerance {
  /** Relative, as a share (0.01 = 1%). */
  share: number;
  usd: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { share: 0.01, usd: 0.01 };

export type DiscrepancyKind = 'missing_in_ledger' | 'missing_in_export' | 'amount';

export interface Comparison {
  day: string;
  model: string;
  /** Ledger requests charged to the model that day. */
  requests: number;
  ledgerUsd: number;
  providerUsd: number;
  /** providerUsd - ledgerUsd: positive when the provider billed more than the ledger charged. */
  diffUsd: number;
}

export interface Discrepancy extends Comparison {
  kind: DiscrepancyKind;
}

export interface ReconcileReport {
  /** The UTC days compared, [from, to) as YYYY-MM-DD; null when nothing was compared. */
  from: string | null;
  to: string | null;
  tolerance: Tolerance;
  compared: Comparison[];
  discrepancies: Discrepancy[];
  totals: { requests: number; ledgerUsd: number; providerUsd: number; diffUsd: number; otherUsd: number };
  /** Non-model costs of the export, by label: not gateway traffic, so not compared. */
  other: Array<{ label: string; usd: number }>;
}

/**
 * The name two spellings of one model share: lower case, without a date snapshot suffix
 * (-2024-08-06, -20251001) or -latest. The gateway may charge under the policy's name
 * (claude-haiku-4-5) what the provider bills under the snapshot (claude-haiku-4-5-20251001).
 */
export function canonicalModel(name: string): string {
  return name.toLowerCase().replace(/-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/, '');
}

/** True when `a` and `b` differ by more than the tolerance. */
export function beyond(a: number, b: number, tolerance: Tolerance): boolean {
  const diff = Math.abs(a - b);
  return diff > tolerance.usd && diff > tolerance.share * Math.max(Math.abs(a), Math.abs(b));
}

/** Compares an export with the ledger's rows for the same provider and days. */
export function reconcile(costs: ProviderCosts, ledger: readonly DailyModelRow[], tolerance: Tolerance = DEFAULT_TOLERANCE): ReconcileReport {
  const cells = new Map<string, Comparison & { inLedger: boolean; inExport: boolean }>();
  const cell = (day: string, model: string): Comparison & { inLedger: boolean; inExport: boolean } => {
    const name = canonicalModel(model);
    const key = `${day}\n${name}`;
    let c = cells.get(key);
    if (!c) {
      c = { day, model: name, requests: 0, ledgerUsd: 0, providerUsd: 0, diffUsd: 0, inLedger: false, inExport: false };
      cells.set(key, c);
    }
    return c;
  };
  for (const line of costs.lines) {
    const c = cell(line.day, line.model);
    c.providerUsd += line.usd;
    c.inExport = true;
  }
  for (const row of ledger) {
    const c = cell(row.day, row.model);
    c.ledgerUsd += row.usd;
    c.requests += row.requests;
    c.inLedger = true;
  }

  const compared: Comparison[] = [];
  const discrepancies: Discrepancy[] = [];
  const sorted = [...cells.values()].sort((a, b) => (a.day === b.day ? (a.model < b.model ? -1 : 1) : a.day < b.day ? -1 : 1));
  for (const { inLedger, inExport, ...c } of sorted) {
    c.diffUsd = c.providerUsd - c.ledgerUsd;
    compared.push(c);
    // A model one side never saw is listed whatever its amount: it is traffic that went around
    // the gateway, or a name the two sides spell differently, not a rounding difference.
    const missing = (!inLedger && c.providerUsd !== 0) || (!inExport && c.ledgerUsd !== 0);
    if (!missing && !beyond(c.ledgerUsd, c.providerUsd, tolerance)) continue;
    discrepancies.push({ ...c, kind: !inLedger ? 'missing_in_ledger' : !inExport ? 'missing_in_export' : 'amount' });
  }

  const other = new Map<string, number>();
  for (const o of costs.other) other.set(o.label, (other.get(o.label) ?? 0) + o.usd);
  const ledgerUsd = compared.reduce((sum, c) => sum + c.ledgerUsd, 0);
  const providerUsd = compared.reduce((sum, c) => sum + c.providerUsd, 0);
  const day = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString().slice(0, 10));
  return {
    from: day(costs.from),
    to: day(costs.to),
    tolerance,
    compared,
    discrepancies,
    totals: {
      requests: compared.reduce((sum, c) => sum + c.requests, 0),
      ledgerUsd,
      providerUsd,
      diffUsd: providerUsd - ledgerUsd,
      otherUsd: costs.other.reduce((sum, o) => sum + o.usd, 0),
    },
    other: [...other].map(([label, usd]) => ({ label, usd })).sort((a, b) => b.usd - a.usd),
  };
}
