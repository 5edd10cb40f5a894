import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicyFile, compilePolicySource } from '../../../../../engine/src/policy/compile.js';
import type { CompiledPolicy } from '../../../../../engine/src/policy/lower.js';
import { packagePath } from '../../../../../engine/src/package-root.js';
import {
  evaluateOutcomes, formatDollars, renderOutcomes, type OutcomesGroup, type OutcomesReport,
} from '../../../../../server/tools/dry-run/outcomes.js';

// Multi-turn prompts and long prompts to `big`, the rest to `small`; `narrow` can never serve
// (its window holds no prompt). Pool p1 names the models by upstream (`big-1`) and by
// provider/upstream (`acme/small-1`), pool p2 by the policy's own name (`big`) and has a model
// the policy lacks (`other/tiny`), which answers only two of p2's three queries.
const POLICY = `version: 1
providers:
  acme: { kind: openai, base_url: https://acme.example/v1, api_key_env: ACME_API_KEY }
models:
  big: { provider: acme, upstream: big-1, price: { input: 10, output: 30 }, context_window: 100000 }
  small: { provider: acme, upstream: small-1, price: { input: 0.1, output: 0.1 }, context_window: 100000 }
  narrow: { provider: acme, price: { input: 0.1, output: 0.1 }, context_window: 1 }
routes:
  - name: multi
    match: { model: auto }
    when: request.messages > 1
    candidates: [big]
  - name: long
    match: { model: auto }
    when: request.features.chars > 40
    candidates: [big]
  - name: short
    match: { model: auto }
    candidates: [small]
  - name: narrow
    match: { model: narrow }
    candidates: [narrow]
`;

const LONG = 'A prompt of well over forty characters, so it counts as long.';
const RECORDS = [
  { pool: 'p1', task: 't1', prompt: 'short one', models: { 'big-1': { correct: 1, cost_usd: 0.4 }, 'acme/small-1': { correct: 0, cost_usd: 0.02 } } },
  { pool: 'p1', task: 't1', prompt: LONG, models: { 'big-1': { correct: 1, cost_usd: 0.6 }, 'acme/small-1': { correct: 1, cost_usd: 0.03 } } },
  // A judge's score outranks `correct`; the turns, not the prompt, are sent.
  {
    pool: 'p1', task: 't2', prompt: 'q1', turns: ['q1', 'q2'],
    models: { 'big-1': { correct: 0, score: 0.8, cost_usd: 1.0 }, 'acme/small-1': { score: 0.5, cost_usd: 0.05 } },
  },
  { pool: 'p1', task: 't2', prompt: 'short two', models: { 'big-1': { correct: 0, cost_usd: 0.5 }, 'acme/small-1': { correct: 1, cost_usd: 0.01 } } },
  // `small` has no outcome here: unmapped.
  { pool: 'p2', task: 't3', prompt: 'short three', models: { big: { correct: 1, cost_usd: 0.2 }, 'other/tiny': { correct: 0, cost_usd: 0.001 } } },
  { pool: 'p2', task: 't3', prompt: LONG, models: { big: { correct: 1, cost_usd: 0.3 }, 'other/tiny': { correct: 1, cost_usd: 0.002 } } },
  { pool: 'p2', task: 't3', prompt: LONG, models: { big: { correct: 0, cost_usd: 0.1 } } },
];

function compile(source: string): CompiledPolicy {
  const built = compilePolicySource(source, 'synthetic.yaml');
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  return built.compiled;
}

function writeDataset(lines: readonly string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sy-outcomes-')), 'outcomes.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** A group with its sums rounded away from float noise, for exact comparison. */
function rounded(g: OutcomesGroup): OutcomesGroup {
  const r = (x: number): number => Number(x.toFixed(12));
  const baseline = (b: OutcomesGroup['alwaysBest']): OutcomesGroup['alwaysBest'] => b && { model: b.model, quality: r(b.quality), costUsd: r(b.costUsd) };
  return { ...g, policy: { quality: r(g.policy.quality), costUsd: r(g.policy.costUsd) }, alwaysBest: baseline(g.alwaysBest), cheapest: baseline(g.cheapest) };
}

describe('evaluateOutcomes', () => {
  const synthetic = writeDataset(RECORDS.map((r) => JSON.stringify(r)));

  it('sums the chosen models’ outcomes per pool and task beside always-best and cheapest', async () => {
    const report = await evaluateOutcomes(compile(POLICY), synthetic);
    expect(report.file).toBe(synthetic);
    expect(report.alias).toBe('auto');
    expect(report.groups.map(rounded)).toEqual([
      {
        pool: 'p1', task: null, queries: 4, unmapped: 0,
        policy: { quality: 0.7, costUsd: 1.63 }, // small 0 + big 1 + big 0.8 + small 1; 0.02 + 0.6 + 1.0 + 0.01
        alwaysBest: { model: 'big-1', quality: 0.7, costUsd: 2.5 },
        cheapest: { model: 'acme/small-1', quality: 0.625, costUsd: 0.11 },
        chosen: [{ model: 'big', count: 2 }, { model: 'small', count: 2 }],
      },
      {
        pool: 'p1', task: 't1', queries: 2, unmapped: 0,
        policy: { quality: 0.5, costUsd: 0.62 },
        alwaysBest: { model: 'big-1', quality: 1, costUsd: 1 },
        cheapest: { model: 'acme/small-1', quality: 0.5, costUsd: 0.05 },
        chosen: [{ model: 'big', count: 1 }, { model: 'small', count: 1 }],
      },
      {
        pool: 'p1', task: 't2', queries: 2, unmapped: 0,
        policy: { quality: 0.9, costUsd: 1.01 },
        // Per task the best model can be the cheap one.
        alwaysBest: { model: 'acme/small-1', quality: 0.75, costUsd: 0.06 },
        cheapest: { model: 'acme/small-1', quality: 0.75, costUsd: 0.06 },
        chosen: [{ model: 'big', count: 1 }, { model: 'small', count: 1 }],
      },
      {
        // other/tiny answered two of the three queries, so it is no baseline.
        pool: 'p2', task: null, queries: 3, unmapped: 1,
        policy: { quality: 0.333333333333, costUsd: 0.4 },
        alwaysBest: { model: 'big', quality: 0.666666666667, costUsd: 0.6 },
        cheapest: { model: 'big', quality: 0.666666666667, costUsd: 0.6 },
        chosen: [{ model: 'big', count: 2 }, { model: 'small', count: 1 }],
      },
      {
        pool: 'p2', task: 't3', queries: 3, unmapped: 1,
        policy: { quality: 0.333333333333, costUsd: 0.4 },
        alwaysBest: { model: 'big', quality: 0.666666666667, costUsd: 0.6 },
        cheapest: { model: 'big', quality: 0.666666666667, costUsd: 0.6 },
        chosen: [{ model: 'big', count: 2 }, { model: 'small', count: 1 }],
      },
    ]);
  });

  it('counts queries with no route as unmapped, at quality 0 and cost 0', async () => {
    const report = await evaluateOutcomes(compile(POLICY), synthetic, { alias: 'nobody' });
    expect(report.alias).toBe('nobody');
    const p1 = report.groups[0]!;
    expect([p1.queries, p1.unmapped, p1.policy, p1.chosen]).toEqual([4, 4, { quality: 0, costUsd: 0 }, []]);
    expect(p1.alwaysBest?.model).toBe('big-1');
  });

  it('counts queries whose every candidate is excluded as unmapped, with nothing chosen', async () => {
    const report = await evaluateOutcomes(compile(POLICY), synthetic, { alias: 'narrow' });
    expect(report.groups.map((g) => [g.queries, g.unmapped, g.chosen.length])).toEqual([[4, 4, 0], [2, 2, 0], [2, 2, 0], [3, 3, 0], [3, 3, 0]]);
  });

  it('reports the bytes read up to the whole file and skips blank lines', async () => {
    const file = writeDataset([JSON.stringify(RECORDS[0]), '', JSON.stringify(RECORDS[1])]);
    const seen: number[] = [];
    const report = await evaluateOutcomes(compile(POLICY), file, { onProgress: (bytes) => seen.push(bytes) });
    expect(report.groups[0]!.queries).toBe(2);
    expect(seen.at(-1)).toBe(statSync(file).size);
  });

  it('refuses a line that is not a record, naming its file and line', async () => {
    const bad = writeDataset([JSON.stringify(RECORDS[0]), JSON.stringify({ ...RECORDS[1], models: { 'big-1': { correct: 1 } } })]);
    await expect(evaluateOutcomes(compile(POLICY), bad)).rejects.toThrow(`${bad}:2: not an outcomes record: models["big-1"].cost_usd is not a number`);
    const notJson = writeDataset(['{"pool":']);
    await expect(evaluateOutcomes(compile(POLICY), notJson)).rejects.toThrow(`${notJson}:1: not JSON`);
  });
});

describe('renderOutcomes', () => {
  it('shows each group as policy, always-best and cheapest, a single-task pool once', async () => {
    const report = await evaluateOutcomes(compile(POLICY), writeDataset(RECORDS.map((r) => JSON.stringify(r))));
    const text = renderOutcomes(report).join('\n');
    expect(text).toContain([
      'p1 / all tasks: 4 queries, 0 unmapped',
      '             model         quality   cost $  cost vs always-best',
      'policy                      70.00%    1.630                65.2%',
      'always-best  big-1          70.00%    2.500               100.0%',
      'cheapest     acme/small-1   62.50%  0.11000                 4.4%',
      'chosen: big 2 (50.0%), small 2 (50.0%)',
    ].join('\n'));
    expect(text).toContain('p1 / t2: 2 queries, 0 unmapped');
    expect(text).not.toContain('p2 / all tasks');
    expect(text).toContain('p2 / t3: 3 queries, 1 unmapped\n');
  });

  it('says so when no model answered every query of a group', () => {
    const report: OutcomesReport = {
      file: 'x.jsonl', alias: 'auto',
      groups: [{ pool: 'p', task: 't', queries: 1, unmapped: 1, policy: { quality: 0, costUsd: 0 }, alwaysBest: null, cheapest: null, chosen: [] }],
    };
    expect(renderOutcomes(report)).toEqual([
      'x.jsonl: queries asking for `auto`',
      '',
      'p / t: 1 queries, 1 unmapped',
      '             model                            quality  cost $  cost vs always-best',
      'policy                                          0.00%       0                    -',
      'always-best  (no model answered every query)        -       -                    -',
      'cheapest     (no model answered every query)        -       -                    -',
      'chosen: none',
    ]);
  });
});

describe('formatDollars', () => {
  it('prints dollars as the dataset README does', () => {
    expect([15.93, 1.381, 0.25018, 0.035748, 0.0124861, 0.000123456, 0].map(formatDollars))
      .toEqual(['15.930', '1.381', '0.25018', '0.03575', '0.01249', '0.000123', '0']);
  });
});

// The dataset stays outside the package (../shared/data/routing); without it this part is skipped.
const DATASET = packagePath('..', 'shared', 'data', 'routing', 'outcomes.jsonl');
const hasDataset = existsSync(DATASET);
if (!hasDataset) console.warn(`outcomes.test.ts: real-data cases skipped, ${DATASET} not found (the dataset is kept outside the package)`);

describe.skipIf(!hasDataset)('on the routing outcomes dataset', () => {
  const shown = (f: { quality: number; costUsd: number } | null): string => (f ? `${(f.quality * 100).toFixed(2)}% $${formatDollars(f.costUsd)}` : 'none');
  const evaluate = async (name: string): Promise<Map<string, OutcomesGroup>> => {
    const built = compilePolicyFile(packagePath('policies', 'examples', `${name}.yaml`));
    if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
    const report = await evaluateOutcomes(built.compiled, DATASET);
    return new Map(report.groups.map((g) => [`${g.pool}/${g.task ?? 'all'}`, g]));
  };

  it('finds the README’s reference baselines and the example policies’ figures', async () => {
    const routellm = await evaluate('routellm-by-complexity');
    const baselines = [...routellm].map(([key, g]) => [key, g.queries, g.alwaysBest?.model, shown(g.alwaysBest), g.cheapest?.model, shown(g.cheapest)]);
    const gpt4Turbo = 'openai/gpt-4-1106-preview';
    const mixtral = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
    expect(baselines).toEqual([
      ['frugalgpt-12/all', 1556, 'openai/gpt-4', '94.99% $13.927', 'textsynth/gptj_6B', '52.19% $0.10657'],
      ['frugalgpt-12/overruling', 1556, 'openai/gpt-4', '94.99% $13.927', 'textsynth/gptj_6B', '52.19% $0.10657'],
      ['routellm-2/all', 10820, gpt4Turbo, '81.16% $15.930', mixtral, '67.78% $0.29841'],
      ['routellm-2/mmlu', 9835, gpt4Turbo, '80.60% $10.621', mixtral, '68.02% $0.25018'],
      ['routellm-2/gsm8k', 932, gpt4Turbo, '86.37% $3.927', mixtral, '64.16% $0.03575'],
      ['routellm-2/mt-bench', 53, gpt4Turbo, '93.25% $1.381', mixtral, '85.99% $0.01249'],
    ]);
    // The figures the policies' comments and the README quote.
    const pool = routellm.get('routellm-2/all')!;
    expect([shown(pool.policy), pool.unmapped]).toEqual(['75.48% $11.012', 0]);
    // Models of the other pool have no outcome here: every query is unmapped, none hidden.
    expect(routellm.get('frugalgpt-12/all')!.unmapped).toBe(1556);
    const frugal = (await evaluate('frugalgpt-cheapest-good')).get('frugalgpt-12/overruling')!;
    expect([shown(frugal.policy), frugal.unmapped, frugal.chosen]).toEqual([
      '90.55% $1.163', 0, [{ model: 'gpt-3.5-turbo', count: 1506 }, { model: 'text-davinci-002', count: 50 }],
    ]);
  });
});
