/**
 * `switchyard diff OLD NEW`: replays the same recorded traffic through two policies and says
 * which decisions change, by route, with examples, and what the change costs or saves.
 */
import { Decider } from '../../../engine/src/decide.js';
import type { CompiledPolicy } from '../../../engine/src/policy/lower.js';
import { replayRequest } from '../../recording/record.js';
import type { DiffReport } from '../report/types.js';
import { project } from './project.js';
import { emptyReadStats, readTraffic, type ReadStats } from './read.js';
import { TimeSeries } from './time-series.js';

export interface DiffOptions {
  old: { compiled: CompiledPolicy; file: string };
  new: { compiled: CompiledPolicy; file: string };
  files: readonly string[];
  onProgress?: (stats: ReadStats) => void;
}

const EXAMPLES = 20;

export async function runDiff(opts: DiffOptions): Promise<DiffReport> {
  const sides = [opts.old, opts.new].map(({ compiled }) => ({
    decider: new Decider(compiled),
    models: new Map(compiled.policy.models.map((m) => [m.name, m])),
  }));
  const stats = emptyReadStats();
  const oldHash = opts.old.compiled.policy.hash;
  const byRoute = new Map<string, DiffReport['byRoute'][number]>();
  const examples: DiffReport['examples'] = [];
  const series = new TimeSeries(['old', 'new', 'changed']);
  let changed = 0;
  let unroutable = 0;
  let unroutableServed = 0;
  let unroutableOldCost = 0;
  let otherPolicy = 0;
  let total = 0;
  let oldCost = 0;
  let newCost = 0;
  let from: number | null = null;
  let to: number | null = null;

  for await (const record of readTraffic(opts.files, stats)) {
    if (stats.records % 4096 === 0) opts.onProgress?.(stats);
    from = from === null ? record.at : Math.min(from, record.at);
    to = to === null ? record.done : Math.max(to, record.done);
    if (record.policy !== oldHash) otherPolicy++;
    const request = replayRequest(record);
    // A failed request is projected at no cost under both policies, as in dry-run.
    const failed = record.outcome.status >= 400;
    const [a, b] = sides.map(({ decider, models }) => {
      const p = project(decider.decide(request, record.snapshot), record, models, record.outcome.provider);
      return failed ? { ...p, cost: 0 } : p;
    });
    const differs = a!.route !== b!.route || (a!.candidate?.model ?? null) !== (b!.candidate?.model ?? null);
    total++;
    oldCost += a!.cost;
    newCost += b!.cost;
    const route = a!.route ?? '(no route)';
    const row = byRoute.get(route) ?? { route, requests: 0, changed: 0, oldCost: 0, newCost: 0 };
    row.requests++;
    row.oldCost += a!.cost;
    row.newCost += b!.cost;
    if (differs) {
      changed++;
      row.changed++;
      if (a!.candidate !== null && b!.candidate === null) {
        // As in dry-run: what NEW cannot route is a change, and its old cost is not a saving.
        unroutable++;
        if (!failed && record.outcome.model !== null) {
          unroutableServed++;
          unroutableOldCost += a!.cost;
        }
      }
      if (examples.length < EXAMPLES) {
        examples.push({
          id: record.id, at: record.at,
          oldRoute: a!.route, oldModel: a!.candidate?.model ?? null, newRoute: b!.route, newModel: b!.candidate?.model ?? null,
          oldCost: a!.cost, newCost: b!.cost,
        });
      }
    }
    byRoute.set(route, row);
    series.add(record.at, [a!.cost, b!.cost, differs ? 1 : 0]);
  }
  opts.onProgress?.(stats);
  return {
    kind: 'diff',
    old: { file: opts.old.file, hash: opts.old.compiled.policy.hash },
    new: { file: opts.new.file, hash: opts.new.compiled.policy.hash },
    traffic: { files: [...opts.files], records: stats.records, skipped: stats.skipped, otherPolicy, outOfOrder: stats.outOfOrder, from, to },
    changed,
    unroutable,
    total,
    byRoute: [...byRoute.values()].sort((x, y) => y.changed - x.changed || y.requests - x.requests),
    examples,
    cost: { old: oldCost, new: newCost, delta: newCost - (oldCost - unroutableOldCost), unroutable: { requests: unroutableServed, oldCost: unroutableOldCost } },
    overTime: series.cumulative().map(([t, o, n, c]) => ({ t: t!, old: o!, new: n!, changed: c! })),
  };
}
