/**
 * What `switchyard dry-run` and `switchyard diff` compute, as the table, JSON and HTML outputs
 * all read it (issue 5 contract). Every amount is USD; shares are fractions in 0..1.
 */

/** Cost of the same traffic as it was recorded and as the policy under test would have spent it. */
export interface Money {
  recorded: number;
  projected: number;
}

/** One row of a cost breakdown (a route, model, provider, team or key). */
export interface Breakdown {
  key: string;
  requests: number;
  recorded: number;
  projected: number;
}

/** The recorded traffic a report replayed. `from`/`to` are epoch ms, null when no record was read. */
export interface TrafficSource {
  files: string[];
  records: number;
  skipped: number;
  /** Records of requests that failed (status 400 or above): projected at no cost. Dry-run only. */
  failed?: number;
  from: number | null;
  to: number | null;
}

/** A policy file and the sha256 of its compiled program. */
export interface PolicyRef {
  file: string;
  hash: string;
}

/** Mean quality (0..1) and total cost (USD) of a set of answers. */
export interface QualityFigures {
  quality: number;
  costUsd: number;
}

/** A baseline: one outcome model answering every query of the group. */
export interface QualityBaseline extends QualityFigures {
  model: string;
}

/**
 * One pool, or one task of a pool (`task` null: the whole pool), as the policy and the
 * baselines fared on it. Same shape as `OutcomesGroup` of server/tools/dry-run/outcomes.ts.
 */
export interface QualityGroup {
  pool: string;
  task: string | null;
  queries: number;
  /** Queries with no outcome for the policy's choice. */
  unmapped: number;
  policy: QualityFigures;
  /** Highest mean quality; null when no model has an outcome on every query of the group. */
  alwaysBest: QualityBaseline | null;
  /** Lowest total cost; null as for alwaysBest. */
  cheapest: QualityBaseline | null;
  /** The policy models chosen, most often first. */
  chosen: Array<{ model: string; count: number }>;
}

/** Outcomes-dataset results (`--outcomes FILE [--model ALIAS]`): per pool its total, then each of its tasks. */
export interface QualityReport {
  file: string;
  alias: string;
  groups: QualityGroup[];
}

/** The result of replaying recorded traffic through one policy. */
export interface DryRunReport {
  kind: 'dry-run';
  policy: PolicyRef;
  traffic: TrafficSource;
  /** saved = recorded - projected; savedShare = saved / recorded. */
  cost: Money & { saved: number; savedShare: number };
  by: { route: Breakdown[]; model: Breakdown[]; provider: Breakdown[]; team: Breakdown[]; key: Breakdown[] };
  /** Cumulative USD per time bucket (at most 200 buckets); `t` is the bucket's start, epoch ms. */
  overTime: Array<{ t: number; recorded: number; projected: number }>;
  /** Against the recorded decision (its first eligible model). */
  decisions: { changed: number; unchanged: number; noRoute: number };
  budgets: {
    rejected: number;
    downgraded: number;
    alerts: number;
    byBudget: Array<{ budget: string; rejected: number; spent: number }>;
  };
  batch: { requests: number; share: number; savedUsd: number };
  /** null when the cache was not simulated. */
  cache: { hits: number; savedUsd: number } | null;
  /** Present for outcomes datasets only. */
  quality: QualityReport | null;
  /** How many records needed an estimate. */
  estimates: { cl100kScaled: number; outputEstimated: number };
}

/** The result of replaying recorded traffic through two policies and comparing their decisions. */
export interface DiffReport {
  kind: 'diff';
  old: PolicyRef;
  new: PolicyRef;
  traffic: DryRunReport['traffic'];
  changed: number;
  total: number;
  byRoute: Array<{ route: string; requests: number; changed: number; oldCost: number; newCost: number }>;
  /** Up to 20 changed decisions. */
  examples: Array<{
    id: string;
    at: number;
    oldRoute: string | null;
    oldModel: string | null;
    newRoute: string | null;
    newModel: string | null;
    oldCost: number;
    newCost: number;
  }>;
  cost: { old: number; new: number; delta: number };
  overTime: Array<{ t: number; old: number; new: number; changed: number }>;
}
