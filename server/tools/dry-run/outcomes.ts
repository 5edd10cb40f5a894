/**
 * `switchyard dry-run POLICY --outcomes FILE`: a policy judged on real per-model outcomes. Every
 * line of an outcomes dataset (../shared/data/routing/README.md) holds one prompt and, for each
 * model of its pool, whether that model answered it well and what the call cost. The policy
 * decides each prompt; the outcome of the model it chose is its quality and cost, set beside
 * two baselines per pool and per task: one model for everything, the best or the cheapest.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Decider, type CandidateDecision, type PromptMessage, type RequestFeatures } from '../../../engine/src/decide.js';
import type { CompiledPolicy } from '../../../engine/src/policy/lower.js';
import { table } from '../policy/render.js';

/** Mean quality (0..1) and total cost of a set of answers. */
export interface OutcomeFigures {
  quality: number;
  costUsd: number;
}

/** A baseline: one outcome model answering every query of the group. */
export interface BaselineFigures extends OutcomeFigures {
  /** The dataset's name of the model. */
  model: string;
}

/** One pool, or one task of a pool, as the policy and the baselines fared on it. */
export interface OutcomesGroup {
  pool: string;
  /** null for the whole pool. */
  task: string | null;
  queries: number;
  /** Queries with no outcome for the policy's choice (no route, no eligible candidate, or a model the record lacks): quality 0, cost 0. */
  unmapped: number;
  policy: OutcomeFigures;
  /** The model with the highest mean quality; null when no model has an outcome on every query of the group. */
  alwaysBest: BaselineFigures | null;
  /** The model with the lowest total cost; null as for alwaysBest. */
  cheapest: BaselineFigures | null;
  /** The policy models chosen (first eligible candidate), most often first. */
  chosen: Array<{ model: string; count: number }>;
}

export interface OutcomesReport {
  file: string;
  /** The model alias every query asked for. */
  alias: string;
  /** Per pool in the file's order: the pool's total, then each of its tasks. */
  groups: OutcomesGroup[];
}

export interface OutcomesOptions {
  /** The model alias the queries ask for (default `auto`). */
  alias?: string;
  /** Called as the file is read, with the bytes read so far. */
  onProgress?: (bytes: number) => void;
}

/** One model's outcome on one query. */
interface Outcome {
  quality: number;
  costUsd: number;
}

/** One line of the dataset, the fields this evaluation reads. */
interface OutcomeRecord {
  pool: string;
  task: string;
  messages: PromptMessage[];
  models: Map<string, Outcome>;
}

/** Running sums of one group. */
class Tally {
  queries = 0;
  unmapped = 0;
  quality = 0;
  costUsd = 0;
  readonly chosen = new Map<string, number>();
  /** Per outcome model: quality and cost summed over the queries it answered, and how many. */
  readonly models = new Map<string, { quality: number; costUsd: number; queries: number }>();

  add(record: OutcomeRecord, chosen: CandidateDecision | null, outcome: Outcome | undefined): void {
    this.queries++;
    if (chosen) this.chosen.set(chosen.model, (this.chosen.get(chosen.model) ?? 0) + 1);
    if (outcome) {
      this.quality += outcome.quality;
      this.costUsd += outcome.costUsd;
    } else {
      this.unmapped++;
    }
    for (const [name, o] of record.models) {
      const sums = this.models.get(name) ?? { quality: 0, costUsd: 0, queries: 0 };
      sums.quality += o.quality;
      sums.costUsd += o.costUsd;
      sums.queries++;
      this.models.set(name, sums);
    }
  }

  group(pool: string, task: string | null): OutcomesGroup {
    // A baseline answers every query, so only the models the whole group has outcomes for qualify.
    const complete = [...this.models]
      .filter(([, s]) => s.queries === this.queries)
      .map(([model, s]): BaselineFigures => ({ model, quality: s.quality / this.queries, costUsd: s.costUsd }));
    const best = [...complete].sort((a, b) => b.quality - a.quality || a.costUsd - b.costUsd || byName(a, b))[0] ?? null;
    const cheapest = [...complete].sort((a, b) => a.costUsd - b.costUsd || b.quality - a.quality || byName(a, b))[0] ?? null;
    return {
      pool,
      task,
      queries: this.queries,
      unmapped: this.unmapped,
      policy: { quality: this.queries === 0 ? 0 : this.quality / this.queries, costUsd: this.costUsd },
      alwaysBest: best,
      cheapest,
      chosen: [...this.chosen].map(([model, count]) => ({ model, count })).sort((a, b) => b.count - a.count || byName(a, b)),
    };
  }
}

function byName(a: { model: string }, b: { model: string }): number {
  return a.model < b.model ? -1 : a.model > b.model ? 1 : 0;
}

/** Decides every query of an outcomes file with the policy and sums what its choices scored and cost. */
export async function evaluateOutcomes(compiled: CompiledPolicy, file: string, opts: OutcomesOptions = {}): Promise<OutcomesReport> {
  const alias = opts.alias ?? 'auto';
  const decider = new Decider(compiled);
  const pools = new Map<string, { total: Tally; tasks: Map<string, Tally> }>();
  const stream = createReadStream(file);
  const onProgress = opts.onProgress;
  if (onProgress) {
    let bytes = 0;
    stream.on('data', (chunk) => onProgress((bytes += chunk.length)));
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const record = parseRecord(line, `${file}:${lineNo}`);
    const request: RequestFeatures = { model: alias, messages: record.messages, maxTokens: null, stream: false };
    const decision = decider.decide(request);
    const chosen = decision.candidates.find((c) => c.excluded === null) ?? null;
    const outcome = chosen ? outcomeOf(record, chosen) : undefined;
    let pool = pools.get(record.pool);
    if (!pool) pools.set(record.pool, (pool = { total: new Tally(), tasks: new Map() }));
    let task = pool.tasks.get(record.task);
    if (!task) pool.tasks.set(record.task, (task = new Tally()));
    pool.total.add(record, chosen, outcome);
    task.add(record, chosen, outcome);
  }
  const groups: OutcomesGroup[] = [];
  for (const [name, pool] of pools) {
    groups.push(pool.total.group(name, null));
    for (const [task, tally] of pool.tasks) groups.push(tally.group(name, task));
  }
  return { file, alias, groups };
}

/**
 * The record's outcome for a policy model: datasets name models as providers publish them
 * (`gpt-4-1106-preview`, `mistralai/Mixtral-8x7B-Instruct-v0.1`) or with the provider before it
 * (`openai/gpt-4`), so the upstream name is tried alone, then after the provider, then the
 * policy's own name.
 */
function outcomeOf(record: OutcomeRecord, chosen: CandidateDecision): Outcome | undefined {
  return record.models.get(chosen.upstream) ?? record.models.get(`${chosen.provider}/${chosen.upstream}`) ?? record.models.get(chosen.model);
}

/** One dataset line; a line that is not a record stops the evaluation at `where` (file:line). */
function parseRecord(line: string, where: string): OutcomeRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: not JSON: ${(e as Error).message}`);
  }
  const fail = (why: string): never => {
    throw new Error(`${where}: not an outcomes record: ${why}`);
  };
  if (!isObject(raw)) return fail('not an object');
  const { pool, task, prompt, turns, models } = raw;
  if (typeof pool !== 'string') return fail('`pool` is not a string');
  if (typeof task !== 'string') return fail('`task` is not a string');
  if (typeof prompt !== 'string') return fail('`prompt` is not a string');
  if (turns !== undefined && !(Array.isArray(turns) && turns.length > 0 && turns.every((t) => typeof t === 'string'))) {
    return fail('`turns` is not a list of strings');
  }
  if (!isObject(models)) return fail('`models` is not an object');
  const outcomes = new Map<string, Outcome>();
  for (const [name, o] of Object.entries(models)) {
    if (!isObject(o)) return fail(`models["${name}"] is not an object`);
    // MT-Bench grades with a judge's score, the other tasks right or wrong.
    const quality = typeof o.score === 'number' ? o.score : o.correct;
    if (typeof quality !== 'number') return fail(`models["${name}"] has neither a numeric \`score\` nor \`correct\``);
    if (typeof o.cost_usd !== 'number') return fail(`models["${name}"].cost_usd is not a number`);
    outcomes.set(name, { quality, costUsd: o.cost_usd });
  }
  // MT-Bench's second turn followed each model's own first answer, which differs per model, so
  // only the user turns are sent.
  const texts = (turns as string[] | undefined) ?? [prompt];
  return { pool, task, messages: texts.map((content) => ({ role: 'user', content })), models: outcomes };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The report as text: per group, the policy beside always-best and cheapest, and what it chose.
 * A pool with one task shows only the task: its total would repeat the same figures.
 */
export function renderOutcomes(report: OutcomesReport): string[] {
  const out = [`${report.file}: queries asking for \`${report.alias}\``];
  const tasksOf = (pool: string): number => report.groups.filter((g) => g.pool === pool && g.task !== null).length;
  for (const g of report.groups) {
    if (g.task === null && tasksOf(g.pool) === 1) continue;
    const best = g.alwaysBest;
    const relative = (usd: number): string => (best && best.costUsd > 0 ? `${((usd / best.costUsd) * 100).toFixed(1)}%` : '-');
    const row = (label: string, model: string, f: OutcomeFigures): string[] =>
      [label, model, `${(f.quality * 100).toFixed(2)}%`, formatDollars(f.costUsd), relative(f.costUsd)];
    const none = (label: string): string[] => [label, '(no model answered every query)', '-', '-', '-'];
    const rows = [
      row('policy', '', g.policy),
      best ? row('always-best', best.model, best) : none('always-best'),
      g.cheapest ? row('cheapest', g.cheapest.model, g.cheapest) : none('cheapest'),
    ];
    const chosen = g.chosen.map((c) => `${c.model} ${c.count} (${((c.count / g.queries) * 100).toFixed(1)}%)`).join(', ');
    out.push(
      '',
      `${g.pool} / ${g.task ?? 'all tasks'}: ${g.queries} queries, ${g.unmapped} unmapped`,
      ...table(['', 'model', 'quality', 'cost $', 'cost vs always-best'], rows, [2, 3, 4]),
      `chosen: ${chosen === '' ? 'none' : chosen}`,
    );
  }
  return out;
}

/**
 * Dollars as the dataset's README prints them (three decimals from $1, five below), so its
 * reference figures compare by eye; under a tenth of a cent, three significant digits.
 */
export function formatDollars(usd: number): string {
  const abs = Math.abs(usd);
  if (abs >= 1) return usd.toFixed(3);
  if (abs >= 0.001) return usd.toFixed(5);
  return usd === 0 ? '0' : String(Number(usd.toPrecision(3)));
}
