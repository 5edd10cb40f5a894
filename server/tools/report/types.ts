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
  /**
   * Records served by a policy whose hash is not this report's policy (dry-run) or OLD (diff):
   * what-if runs expect it, but dry-run compares with the decisions those records hold, so a
   * stale log explains a "0 changed" or a count that differs from diff's.
   */
  otherPolicy?: number;
  /**
   * Records replayed after one that arrived later: logs are written in completion order and put
   * back into arrival order within a 15-minute window and a buffer of 8192 records; these did
   * not fit. Budgets and the cache saw them slightly out of order.
   */
  outOfOrder?: number;
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
  /**
   * Compared over the requests both the recording and the policy served: saved = recorded -
   * unroutable.recorded - projected; savedShare = saved / (recorded - unroutable.recorded).
   * `unroutable`: served requests (status below 400, with a model) this policy cannot route;
   * their recorded cost is in `recorded` and nowhere in `projected`, so it is never a saving.
   */
  cost: Money & { saved: number; savedShare: number; unroutable: { requests: number; recorded: number } };
  by: { route: Breakdown[]; model: Breakdown[]; provider: Breakdown[]; team: Breakdown[]; key: Breakdown[] };
  /** Cumulative USD per time bucket (at most 200 buckets); `t` is the bucket's start, epoch ms. */
  overTime: Array<{ t: number; recorded: number; projected: number }>;
  /**
   * Against the recorded decision (its route and first eligible model), as diff compares two
   * policies: changed + unchanged + noRoute = records. `unroutable` is the part of `changed`
   * the recording routed and this policy cannot (no route or no eligible candidate); `noRoute`
   * had no route or candidate in the recording either.
   */
  decisions: { changed: number; unroutable: number; unchanged: number; noRoute: number };
  budgets: {
    rejected: number;
    downgraded: number;
    alerts: number;
    byBudget: Array<{ budget: string; rejected: number; spent: number }>;
  };
  batch: { requests: number; share: number; savedUsd: number };
  /**
   * null when the cache was not simulated. Only successful answers are cached; expired ones are
   * evicted, so peakEntries (the most answers held at once) is the size the cache would need.
   */
  cache: { hits: number; savedUsd: number; peakEntries?: number } | null;
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
  /** Of `changed`: decisions OLD routed and NEW cannot (no route or no eligible candidate). */
  unroutable: number;
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
  /**
   * delta = new - (old - unroutable.oldCost): compared over the requests both policies route.
   * `unroutable`: requests that succeeded in the recording, that OLD routes and NEW cannot;
   * their old cost is not counted as a saving.
   */
  cost: { old: number; new: number; delta: number; unroutable: { requests: number; oldCost: number } };
  overTime: Array<{ t: number; old: number; new: number; changed: number }>;
}
