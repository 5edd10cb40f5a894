/**
 * Fits the complexity score's default weights on real outcomes and reports how well the score
 * predicts that a cheap model gets a prompt wrong.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/complexity-fit.js [path/to/outcomes.jsonl]
 *
 * Data: the routellm-2 pool of ../shared/data/routing/outcomes.jsonl (its README describes it):
 * MMLU, GSM8K and MT-Bench prompts answered by Mixtral 8x7B (cheap) and GPT-4 Turbo. "Cheap
 * wrong" is Mixtral's `correct` = 0; on MT-Bench, which has 0..1 judge scores instead, it is a
 * Mixtral score below 0.7 (a judge mean under 7/10).
 *
 * Procedure: the features come from the core through engine/src/features.ts; the normalized
 * inputs of the score are read back out of the core too (scoring each feature alone with a
 * one-hot weight vector and a zero bias gives sigmoid(x), so x = logit(score)), so the fit can
 * never disagree with the core's normalization. The model is a logistic regression for "Mixtral
 * wrong and GPT-4 right" against "Mixtral right" (prompts both got wrong are left out of the
 * fit: no routing helps them). Weights are kept >= 0, because each input is meant to say "harder",
 * and carry a Gaussian prior (sd 1, in log-odds per unit input) centred on the hand-set PRIOR,
 * so an input the data says nothing about (reasoning cues and constraints are rare in these
 * benchmarks) keeps a sensible weight instead of an arbitrary one. Quality is reported as AUC on
 * a held-out fifth of the prompts (split by a hash of the id) for a fit on the other four
 * fifths, then the weights are refit on everything. Paste the printed line into
 * engine/assembly/features.ts (DEFAULT_WEIGHTS) and rebuild the core.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { packagePath } from '../engine/src/package-root.js';
import {
  COMPLEXITY_WEIGHT_NAMES, DEFAULT_COMPLEXITY_WEIGHTS, computeFeatures, scoreComplexity,
  type ComplexityFeatures, type ComplexityWeightName,
} from '../engine/src/features.js';

const CHEAP = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
const STRONG = 'openai/gpt-4-1106-preview';
/** MT-Bench: a Mixtral judge mean under 7/10 counts as wrong. */
const MT_BENCH_WRONG_BELOW = 0.7;

/**
 * Hand-set weights. Inputs in FIXED keep them: these benchmarks cannot speak for them (one
 * turn everywhere but MT-Bench, English only, and no prompt asks for reasoning steps or an
 * answer format: the cue words occur in MMLU's humanities question stems, which Mixtral
 * answers well, so a free fit makes them say "easier"). The others are fitted, pulled towards
 * these values with a Gaussian prior.
 */
const PRIOR: Readonly<Record<(typeof COMPLEXITY_WEIGHT_NAMES)[number], number>> = {
  tokens: 1, turns: 1, code_density: 1, math_density: 2, questions: 0.5, reasoning: 1, constraints: 0.5, non_latin_share: 0.5,
};
const FIXED: ReadonlySet<string> = new Set(['turns', 'reasoning', 'constraints', 'non_latin_share']);
const PRIOR_SD = 1;

interface Outcome { correct?: number; score?: number }
interface RoutingRecord {
  id: string;
  pool: string;
  task: string;
  prompt: string;
  turns?: string[];
  prompt_tokens_est: number;
  models: Record<string, Outcome | undefined>;
}

interface Sample {
  id: string;
  task: string;
  features: ComplexityFeatures;
  /** Normalized inputs, in COMPLEXITY_WEIGHT_NAMES order. */
  x: number[];
  cheapWrong: boolean;
  strongRight: boolean;
}

function cheapWrong(r: RoutingRecord, o: Outcome): boolean {
  return r.task === 'mt-bench' ? (o.score ?? 1) < MT_BENCH_WRONG_BELOW : o.correct === 0;
}

function loadSamples(path: string): Sample[] {
  const samples: Sample[] = [];
  const oneHot = (name: ComplexityWeightName): Record<ComplexityWeightName, number> => {
    const w = { bias: 0 } as Record<ComplexityWeightName, number>;
    for (const n of COMPLEXITY_WEIGHT_NAMES) w[n] = n === name ? 1 : 0;
    return w;
  };
  const probes = COMPLEXITY_WEIGHT_NAMES.map(oneHot);
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as RoutingRecord;
    if (r.pool !== 'routellm-2') continue;
    const cheap = r.models[CHEAP];
    const strong = r.models[STRONG];
    if (!cheap || !strong) continue;
    // MT-Bench: the gateway sees both user turns by the second call; score them together.
    const text = r.turns ? r.turns.join('\n') : r.prompt;
    const features = computeFeatures(text, r.prompt_tokens_est, r.turns?.length ?? 1);
    const x = probes.map((w) => {
      const s = scoreComplexity(features, w);
      return Math.log(s / (1 - s));
    });
    samples.push({ id: r.id, task: r.task, features, x, cheapWrong: cheapWrong(r, cheap), strongRight: !cheapWrong(r, strong) });
  }
  return samples;
}

/** Area under the ROC curve of `scores` for `labels` (Mann-Whitney, ties counted half). */
function auc(scores: number[], labels: boolean[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (labels[order[k]![1]]) { rankSumPos += midRank; pos++; }
    i = j;
  }
  const neg = order.length - pos;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * Weights (then bias) of a logistic regression for "cheap wrong and strong right" against
 * "cheap right". `constrained`: FIXED inputs keep their PRIOR, the others are kept >= 0 and
 * regularized towards PRIOR; otherwise a plain, unconstrained fit (for comparison).
 */
function fit(samples: Sample[], constrained: boolean): number[] {
  const train = samples.filter((s) => !s.cheapWrong || s.strongRight);
  const k = COMPLEXITY_WEIGHT_NAMES.length;
  const prior = COMPLEXITY_WEIGHT_NAMES.map((n) => PRIOR[n]);
  const frozen = COMPLEXITY_WEIGHT_NAMES.map((n) => constrained && FIXED.has(n));
  const rate = train.reduce((n, s) => n + (s.cheapWrong ? 1 : 0), 0) / train.length;
  const w = [...(constrained ? prior : prior.map(() => 0)), Math.log(rate / (1 - rate))];
  // Adam on the mean negative log-posterior; projected onto w >= 0 after each step.
  const m = new Array<number>(k + 1).fill(0);
  const v = new Array<number>(k + 1).fill(0);
  const lr = 0.05;
  for (let step = 1; step <= 3000; step++) {
    const g = new Array<number>(k + 1).fill(0);
    for (const s of train) {
      let z = w[k]!;
      for (let i = 0; i < k; i++) z += w[i]! * s.x[i]!;
      const err = sigmoid(z) - (s.cheapWrong ? 1 : 0);
      for (let i = 0; i < k; i++) g[i]! += err * s.x[i]!;
      g[k]! += err;
    }
    for (let i = 0; i <= k; i++) {
      if (i < k && frozen[i]) continue;
      g[i] = g[i]! / train.length + (constrained && i < k ? (w[i]! - prior[i]!) / (PRIOR_SD * PRIOR_SD * train.length) : 0);
      m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
      v[i] = 0.999 * v[i]! + 0.001 * g[i]! * g[i]!;
      const mHat = m[i]! / (1 - 0.9 ** step);
      const vHat = v[i]! / (1 - 0.999 ** step);
      w[i] = w[i]! - (lr * mHat) / (Math.sqrt(vHat) + 1e-9);
      if (constrained && i < k && w[i]! < 0) w[i] = 0;
    }
  }
  return w;
}

function score(s: Sample, w: number[]): number {
  let z = w[w.length - 1]!;
  for (let i = 0; i < s.x.length; i++) z += w[i]! * s.x[i]!;
  return sigmoid(z);
}

function heldOut(id: string): boolean {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % 5 === 0;
}

function report(label: string, samples: Sample[], scoreOf: (s: Sample) => number): void {
  const rows: [string, Sample[]][] = [
    ['all', samples],
    ['mmlu', samples.filter((s) => s.task === 'mmlu')],
    ['gsm8k', samples.filter((s) => s.task === 'gsm8k')],
    ['mt-bench', samples.filter((s) => s.task === 'mt-bench')],
  ];
  console.log(`\n${label}`);
  console.log('| prompts | n | cheap wrong | AUC: cheap wrong | AUC: cheap wrong & strong right vs cheap right |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, set] of rows) {
    const wrong = set.filter((s) => s.cheapWrong).length;
    const all = auc(set.map(scoreOf), set.map((s) => s.cheapWrong));
    const routable = set.filter((s) => !s.cheapWrong || s.strongRight);
    const target = auc(routable.map(scoreOf), routable.map((s) => s.cheapWrong));
    const fmt = (a: number): string => (Number.isFinite(a) ? a.toFixed(3) : 'n/a');
    console.log(`| ${name} | ${set.length} | ${wrong} | ${fmt(all)} | ${fmt(target)} |`);
  }
}

function main(): void {
  const path = process.argv[2] ?? packagePath('..', 'shared', 'data', 'routing', 'outcomes.jsonl');
  const started = Date.now();
  const samples = loadSamples(path);
  console.log(`${samples.length} routellm-2 prompts from ${path}, features in ${Date.now() - started} ms`);

  const train = samples.filter((s) => !heldOut(s.id));
  const test = samples.filter((s) => heldOut(s.id));
  const crossWeights = fit(train, true);
  report(`Held-out fifth (${test.length} prompts), weights fitted on the other ${train.length}:`, test, (s) => score(s, crossWeights));
  const crossFree = fit(train, false);
  report('Same split, plain unconstrained logistic regression (for comparison):', test, (s) => score(s, crossFree));

  const weights = fit(samples, true);
  const free = fit(samples, false);
  report('All prompts, the core\'s current default weights:', samples, (s) => s.features.complexity);

  console.log('\n| weight | prior | fitted (all prompts) | unconstrained fit | current default |');
  console.log('|---|---:|---:|---:|---:|');
  const names = [...COMPLEXITY_WEIGHT_NAMES, 'bias'] as const;
  names.forEach((n, i) => {
    const prior = n === 'bias' ? '' : `${PRIOR[n].toFixed(3)}${FIXED.has(n) ? ' (fixed)' : ''}`;
    console.log(`| ${n} | ${prior} | ${weights[i]!.toFixed(3)} | ${free[i]!.toFixed(3)} | ${DEFAULT_COMPLEXITY_WEIGHTS[n].toFixed(3)} |`);
  });
  console.log(`\nDEFAULT_WEIGHTS for engine/assembly/features.ts:\n  ${weights.map((w) => w.toFixed(3)).join(', ')},`);
}

main();
