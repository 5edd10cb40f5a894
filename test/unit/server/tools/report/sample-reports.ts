/** Realistic dry-run and diff reports (a day of traffic, hourly buckets) for the report tests. */
import type { DiffReport, DryRunReport } from '../../../../../server/tools/report/types.js';

const START_MS = Date.UTC(2025, 10, 28, 0, 0);
const HOUR_MS = 3_600_000;
/** Hourly buckets over one day. */
export const BUCKETS = 24;

/** A dry-run of `policies/default.yaml` over a day of recorded support and coding traffic. */
export function sampleDryRun(): DryRunReport {
  const overTime = Array.from({ length: BUCKETS }, (_, i) => ({
    t: START_MS + i * HOUR_MS,
    recorded: 0.0183 * (i + 1),
    projected: 0.0061 * (i + 1),
  }));
  return {
    kind: 'dry-run',
    policy: { file: 'policies/default.yaml', hash: '9f2c4b1e0a7d6c5b4a3928170f6e5d4c3b2a19081726354453627180a9b8c7d6' },
    traffic: { files: ['traffic/2025-11-28.jsonl', 'traffic/2025-11-28.1.jsonl'], records: 4213, skipped: 7, otherPolicy: 4213, outOfOrder: 2, from: START_MS + 12_000, to: START_MS + 23 * HOUR_MS + 3_540_000 },
    cost: { recorded: 0.4392, projected: 0.1464, saved: 0.2928, savedShare: 0.6667, unroutable: { requests: 9, recorded: 0.0012 } },
    by: {
      route: [
        { key: 'auto', requests: 2900, recorded: 0.2101, projected: 0.0412 },
        { key: 'code', requests: 811, recorded: 0.1904, projected: 0.0921 },
        { key: 'support', requests: 502, recorded: 0.0387, projected: 0.0131 },
      ],
      model: [
        { key: 'gpt-5-nano', requests: 2610, recorded: 0.0412, projected: 0.0531 },
        { key: 'gpt-4.1-nano', requests: 300, recorded: 0.0101, projected: 0.0000238 },
        { key: 'claude-haiku-4-5', requests: 811, recorded: 0.2704, projected: 0.0822 },
        { key: 'gemini-2.5-flash', requests: 492, recorded: 0.1175, projected: 0.0110762 },
      ],
      provider: [
        { key: 'openai', requests: 2910, recorded: 0.0513, projected: 0.0531238 },
        { key: 'anthropic', requests: 811, recorded: 0.2704, projected: 0.0822 },
        { key: 'gemini', requests: 492, recorded: 0.1175, projected: 0.0110762 },
      ],
      team: [
        { key: 'support', requests: 3100, recorded: 0.2488, projected: 0.0543 },
        { key: 'platform', requests: 1113, recorded: 0.1904, projected: 0.0921 },
      ],
      key: [
        { key: 'sk-sy-support', requests: 3100, recorded: 0.2488, projected: 0.0543 },
        { key: 'sk-sy-platform', requests: 1113, recorded: 0.1904, projected: 0.0921 },
      ],
    },
    overTime,
    decisions: { changed: 1321, unroutable: 9, unchanged: 2880, noRoute: 12 },
    budgets: { rejected: 3, downgraded: 41, alerts: 2, byBudget: [{ budget: 'team-support-daily', rejected: 3, spent: 0.0543 }] },
    batch: { requests: 210, share: 0.0498, savedUsd: 0.0042 },
    cache: { hits: 77, savedUsd: 0.0031, peakEntries: 412 },
    quality: {
      file: '../shared/data/routing/outcomes.jsonl',
      alias: 'auto',
      groups: [
        { pool: 'frugalgpt-12', task: null, queries: 1556, unmapped: 0, policy: { quality: 0.871, costUsd: 0.412 },
          alwaysBest: { model: 'openai/gpt-4', quality: 0.902, costUsd: 3.94 }, cheapest: { model: 'textsynth/gptj_6B', quality: 0.51, costUsd: 0.0958 },
          chosen: [{ model: 'gpt-3.5-turbo', count: 1200 }, { model: 'gpt-4', count: 356 }] },
        { pool: 'frugalgpt-12', task: 'overruling', queries: 1556, unmapped: 0, policy: { quality: 0.871, costUsd: 0.412 },
          alwaysBest: { model: 'openai/gpt-4', quality: 0.902, costUsd: 3.94 }, cheapest: { model: 'textsynth/gptj_6B', quality: 0.51, costUsd: 0.0958 },
          chosen: [{ model: 'gpt-3.5-turbo', count: 1200 }, { model: 'gpt-4', count: 356 }] },
        { pool: 'routellm-2', task: null, queries: 10820, unmapped: 14, policy: { quality: 0.752, costUsd: 5.1 },
          alwaysBest: { model: 'openai/gpt-4-1106-preview', quality: 0.81, costUsd: 14.2 },
          cheapest: { model: 'mistralai/Mixtral-8x7B-Instruct-v0.1', quality: 0.68, costUsd: 0.93 },
          chosen: [{ model: 'mixtral', count: 7000 }, { model: 'gpt-4-turbo', count: 3806 }] },
        { pool: 'routellm-2', task: 'mt-bench', queries: 53, unmapped: 0, policy: { quality: 0.83, costUsd: 0.21 },
          alwaysBest: null, cheapest: null, chosen: [{ model: 'gpt-4-turbo', count: 53 }] },
      ],
    },
    estimates: { cl100kScaled: 18, outputEstimated: 5 },
  };
}

/** A diff of `policies/default.yaml` against a cheaper candidate over the same day. */
export function sampleDiff(): DiffReport {
  return {
    kind: 'diff',
    old: { file: 'policies/default.yaml', hash: '9f2c4b1e0a7d6c5b4a3928170f6e5d4c3b2a19081726354453627180a9b8c7d6' },
    new: { file: 'policies/cheaper.yaml', hash: '0b1c2d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccddeeff0' },
    traffic: sampleDryRun().traffic,
    changed: 1321,
    unroutable: 9,
    total: 4213,
    byRoute: [
      { route: 'auto', requests: 2900, changed: 1100, oldCost: 0.2101, newCost: 0.0412 },
      { route: 'code', requests: 811, changed: 200, oldCost: 0.1904, newCost: 0.0921 },
      { route: 'support', requests: 502, changed: 21, oldCost: 0.0387, newCost: 0.0131 },
    ],
    examples: [
      { id: 'req_01', at: START_MS + 60_000, oldRoute: 'auto', oldModel: 'claude-haiku-4-5', newRoute: 'auto', newModel: 'gpt-5-nano', oldCost: 0.000412, newCost: 0.000103 },
      { id: 'req_02', at: START_MS + 7 * HOUR_MS, oldRoute: 'code', oldModel: 'gemini-2.5-flash', newRoute: null, newModel: null, oldCost: 0.00122, newCost: 0 },
    ],
    cost: { old: 0.4392, new: 0.1464, delta: -0.2916, unroutable: { requests: 9, oldCost: 0.0012 } },
    overTime: Array.from({ length: BUCKETS }, (_, i) => ({ t: START_MS + i * HOUR_MS, old: 0.0183 * (i + 1), new: 0.0061 * (i + 1), changed: 55 * (i + 1) })),
  };
}
