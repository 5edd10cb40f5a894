/**
 * `switchyard dry-run`: replays recorded traffic, in arrival order, through a policy's own
 * decide() and projects what it would have cost, next to what the traffic did cost.
 */
import { Decider, type Snapshot } from '../../../engine/src/decide.js';
import type { CompiledPolicy } from '../../../engine/src/policy/lower.js';
import { replayRequest } from '../../recording/record.js';
import type { TrafficRecord } from '../../recording/types.js';
import type { Breakdown, DryRunReport } from '../report/types.js';
import { policyBudgetOf, scopeValue, type BudgetSpec } from './budgets.js';
import { LocalBudgetStore } from '../../budgets/local.js';
import type { Reservation } from '../../budgets/types.js';
import { scopesOf, worstCase } from '../../pipeline/spend.js';
import { project, recordedChoice } from './project.js';
import { ExactCache } from './exact-cache.js';
import { emptyReadStats, readTraffic, type ReadStats } from './read.js';
import { TimeSeries } from './time-series.js';

export interface DryRunOptions {
  compiled: CompiledPolicy;
  policyFile: string;
  files: readonly string[];
  /** Budgets on top of the policy's own (`--budget`). */
  budgets?: readonly BudgetSpec[];
  /** Simulate an exact cache with this time to live (ms); off when absent. */
  exactCacheTtlMs?: number;
  onProgress?: (stats: ReadStats) => void;
}

/** Requests and cost per key of one breakdown, recorded and projected. */
class Tally {
  readonly #rows = new Map<string, Breakdown>();

  add(key: string, requests: number, recorded: number, projected: number): void {
    let row = this.#rows.get(key);
    if (!row) {
      row = { key, requests: 0, recorded: 0, projected: 0 };
      this.#rows.set(key, row);
    }
    row.requests += requests;
    row.recorded += recorded;
    row.projected += projected;
  }

  /** Dearest first (by the larger of the two costs), then by name; rows with nothing in them left out. */
  rows(): Breakdown[] {
    return [...this.#rows.values()].filter((r) => r.requests > 0 || r.recorded > 0 || r.projected > 0).sort((a, b) => Math.max(b.recorded, b.projected) - Math.max(a.recorded, a.projected) || (a.key < b.key ? -1 : 1));
  }
}

const NONE = '(none)';

/** The snapshot a replay decides with: the recorded one, with simulated budgets when asked. */
function replaySnapshot(record: TrafficRecord, budgets: Snapshot['budgets'] | undefined): Snapshot {
  return budgets === undefined ? record.snapshot : { ...record.snapshot, budgets: { ...record.snapshot.budgets, ...budgets } };
}

export async function runDryRun(opts: DryRunOptions): Promise<DryRunReport> {
  const { compiled } = opts;
  const decider = new Decider(compiled);
  const models = new Map(compiled.policy.models.map((m) => [m.name, m]));
  // The gateway's own budget store, on the replay's clock: what it would have reserved, refused
  // and settled, request by request in time order.
  const allBudgets = [...compiled.policy.budgets, ...(opts.budgets ?? []).map(policyBudgetOf)];
  let clock = 0;
  const store = allBudgets.length > 0 ? new LocalBudgetStore({ budgets: allBudgets, reservationTtlS: compiled.policy.budgetStore.reservationTtlS, now: () => clock }) : null;
  const spentBy = new Map<string, number>();
  const conditionsSeeBudgets = compiled.policy.conditions.layout.numSlots.some((slot) => slot.kind === 'budget');
  const cache = opts.exactCacheTtlMs === undefined ? null : new ExactCache(opts.exactCacheTtlMs);
  const stats = emptyReadStats();
  const by = { route: new Tally(), model: new Tally(), provider: new Tally(), team: new Tally(), key: new Tally() };
  const series = new TimeSeries(['recorded', 'projected']);
  const report = {
    recorded: 0, projected: 0, changed: 0, unroutable: 0, unchanged: 0, noRoute: 0, rejected: 0, downgraded: 0, alerts: 0,
    batchRequests: 0, batchSaved: 0, cacheHits: 0, cacheSaved: 0, cl100kScaled: 0, outputEstimated: 0, failed: 0,
    unroutableServed: 0, unroutableRecorded: 0, otherPolicy: 0,
  };
  const rejectedBy = new Map<string, number>();
  let from: number | null = null;
  let to: number | null = null;
  let n = 0;

  for await (const record of readTraffic(opts.files, stats)) {
    if (++n % 4096 === 0) opts.onProgress?.(stats);
    from = from === null ? record.at : Math.min(from, record.at);
    to = to === null ? record.done : Math.max(to, record.done);
    clock = Math.max(clock, record.at);
    if (record.policy !== compiled.policy.hash) report.otherPolicy++;
    const recorded = record.outcome.cost_usd ?? 0;
    let request = replayRequest(record);
    const remaining = store && conditionsSeeBudgets ? await store.remaining(scopesOf(request, null), record.at) : undefined;
    const snapshot = replaySnapshot(record, remaining);
    let decision = decider.decide(request, snapshot);
    const decidedUnbudgeted = decision;
    let rejectedByBudget: string | null = null;
    let reservation: Reservation | null = null;
    let answeredFromCache = false;
    if (store && decision.status === 'ok') {
      let reserved = await store.reserve({ requestId: record.id, at: record.at, scopes: scopesOf(request, decision), ...worstCase(models, decision, request) });
      if (!reserved.ok && reserved.action === 'downgrade' && reserved.budget.downgradeTo !== null) {
        request = { ...request, forceRoute: reserved.budget.downgradeTo };
        decision = decider.decide(request, snapshot);
        reserved = await store.reserve({ requestId: record.id, at: record.at, scopes: scopesOf(request, decision), ...worstCase(models, decision, request) });
      }
      if (reserved.ok) {
        reservation = reserved.reservation;
        report.alerts += reserved.alerts.length;
      } else {
        rejectedByBudget = reserved.budget.name;
      }
    }
    let p = project(decision, record, models, record.outcome.provider);
    // A request that failed cost nothing and says nothing about what an answer would have cost;
    // projecting one for it would charge the policy for traffic no policy served.
    if (record.outcome.status >= 400) {
      report.failed++;
      p = { ...p, cost: 0, batchSaved: 0 };
    }
    if (store && !rejectedByBudget) {
      // A decision that differs from the one without budgets (a condition on what is left, or a
      // budget's downgrade route) is a downgrade. Only conditions on budgets need a second
      // decide to know; otherwise the first one was made without them.
      const unbudgeted = conditionsSeeBudgets ? decider.decide(replayRequest(record), { ...record.snapshot, budgets: {} }) : decidedUnbudgeted;
      if (unbudgeted.route !== decision.route || unbudgeted.candidates[0]?.model !== decision.candidates[0]?.model) report.downgraded++;
    }
    if (rejectedByBudget) {
      report.rejected++;
      rejectedBy.set(rejectedByBudget, (rejectedBy.get(rejectedByBudget) ?? 0) + 1);
      p = { ...p, candidate: null, cost: 0, batchSaved: 0 };
    } else if (cache && p.candidate) {
      const key = `${record.request.prompt_sha256}\u0000${p.candidate.model}`;
      if (cache.has(key, record.at)) {
        report.cacheHits++;
        report.cacheSaved += p.cost;
        p = { ...p, cost: 0, batchSaved: 0 };
        answeredFromCache = true;
      } else if (record.outcome.status < 400) {
        // Only an answer is cached: an error would not be, and must not price a later success at $0.
        cache.set(key, record.at);
      }
    }
    if (store && reservation) {
      // As the gateway does: a failed request is not billed, so its reservation is released.
      if (record.outcome.status >= 400 || answeredFromCache || !p.candidate) await store.release(reservation);
      else {
        await store.settle(reservation, { usd: p.cost, tokens: p.candidate.promptTokens + p.outputTokens });
        for (const name of reservation.budgets) spentBy.set(name, (spentBy.get(name) ?? 0) + p.cost);
      }
    }

    // Whether the decision changed is the policy's doing, budgets aside. Compared as diff
    // compares two policies (route and first eligible model), so both count the same changes.
    const chosen = decision.status === 'ok' ? decision.candidates.find((c) => c.excluded === null)?.model ?? null : null;
    const recordedModel = recordedChoice(record);
    if (chosen === recordedModel && decision.route === record.decision.route) {
      if (chosen === null) report.noRoute++;
      else report.unchanged++;
    } else {
      report.changed++;
      if (chosen === null && recordedModel !== null) report.unroutable++;
    }
    // A served request this policy cannot route projects $0: not a saving, a request it drops.
    if (chosen === null && record.outcome.status < 400 && record.outcome.model !== null) {
      report.unroutableServed++;
      report.unroutableRecorded += recorded;
    }
    const newModel = p.candidate?.model ?? null;
    if (p.candidate && decision.tier === 'batch') {
      report.batchRequests++;
      report.batchSaved += p.batchSaved;
    }
    if (p.candidate && record.request.counts.cl100k === null && models.get(p.candidate.model)?.tokenizer === 'cl100k_base') report.cl100kScaled++;
    if (p.candidate && p.outputEstimated && record.outcome.status < 400) report.outputEstimated++;

    report.recorded += recorded;
    report.projected += p.cost;
    // Each side under its own key: the recorded cost where it went, the projected where it would go.
    by.route.add(record.decision.route ?? NONE, 1, recorded, 0);
    by.route.add(decision.route ?? NONE, 0, 0, p.cost);
    by.model.add(record.outcome.model ?? NONE, 1, recorded, 0);
    by.model.add(newModel ?? NONE, 0, 0, p.cost);
    by.provider.add(record.outcome.provider ?? NONE, 1, recorded, 0);
    by.provider.add(p.candidate?.provider ?? NONE, 0, 0, p.cost);
    by.team.add(scopeValue(record, 'team') || NONE, 1, recorded, p.cost);
    by.key.add(scopeValue(record, 'key') || NONE, 1, recorded, p.cost);
    series.add(record.at, [recorded, p.cost]);
  }
  opts.onProgress?.(stats);
  // Compared over the requests both served: the unroutable ones' recorded cost stays out.
  const comparable = report.recorded - report.unroutableRecorded;
  const saved = comparable - report.projected;
  const total = report.changed + report.unchanged + report.noRoute;
  return {
    kind: 'dry-run',
    policy: { file: opts.policyFile, hash: compiled.policy.hash },
    traffic: {
      files: [...opts.files], records: stats.records, skipped: stats.skipped, failed: report.failed,
      otherPolicy: report.otherPolicy, outOfOrder: stats.outOfOrder, from, to,
    },
    cost: {
      recorded: report.recorded, projected: report.projected, saved, savedShare: comparable > 0 ? saved / comparable : 0,
      unroutable: { requests: report.unroutableServed, recorded: report.unroutableRecorded },
    },
    by: { route: by.route.rows(), model: by.model.rows(), provider: by.provider.rows(), team: by.team.rows(), key: by.key.rows() },
    overTime: series.cumulative().map(([t, recorded, projected]) => ({ t: t!, recorded: recorded!, projected: projected! })),
    decisions: { changed: report.changed, unroutable: report.unroutable, unchanged: report.unchanged, noRoute: report.noRoute },
    budgets: {
      rejected: report.rejected,
      downgraded: report.downgraded,
      alerts: report.alerts,
      byBudget: allBudgets.map((b) => ({ budget: b.name, rejected: rejectedBy.get(b.name) ?? 0, spent: spentBy.get(b.name) ?? 0 })),
    },
    batch: { requests: report.batchRequests, share: total > 0 ? report.batchRequests / total : 0, savedUsd: report.batchSaved },
    cache: cache ? { hits: report.cacheHits, savedUsd: report.cacheSaved, peakEntries: cache.peak } : null,
    quality: null,
    estimates: { cl100kScaled: report.cl100kScaled, outputEstimated: report.outputEstimated },
  };
}
