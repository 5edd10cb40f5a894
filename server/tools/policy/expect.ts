/**
 * What a test case expects of its decision, and how a decision differs from it. Only the fields
 * a case gives are compared, so a case states exactly what it is about.
 */
import type { Decision, ExclusionReason, Strategy, TrailOutcome, TrailStep } from '../../../engine/src/decide.js';
import type { PathSegment } from '../../../engine/src/policy/parse.js';
import type { PolicyNames } from './names.js';
import type { Problems } from './fields.js';

export interface Expectation {
  status?: Decision['status'];
  route?: string | null;
  /** The first candidate not excluded; null when none may serve. */
  model?: string | null;
  /** Every candidate's name, in order. */
  candidates?: string[];
  /** These candidates with these reasons; `eligible` means not excluded. */
  excluded?: Record<string, ExclusionReason | 'eligible'>;
  /** Exactly the candidates not excluded, in order. */
  eligible?: string[];
  maxTokens?: number | null;
  strategy?: Strategy;
  promptTokens?: number;
  trail?: TrailStep[];
}

/** One field a decision got wrong, named as the test file spells it. */
export interface Mismatch {
  field: string;
  expected: unknown;
  got: unknown;
}

const STATUSES: readonly Decision['status'][] = ['ok', 'no_route'];
const STRATEGIES = Object.keys({ ordered: 0, cheapest: 0, fastest: 0, weighted: 0 } satisfies Record<Strategy, 0>) as Strategy[];
const REASONS = Object.keys({
  unavailable: 0, circuit_open: 0, context_window: 0, max_output: 0, no_tools: 0, no_vision: 0, no_json_mode: 0,
  quality_below_min: 0, over_cost_cap: 0, over_latency_target: 0, capability_required: 0, wrong_type: 0,
  no_logprobs: 0, no_multiple_choices: 0,
} satisfies Record<ExclusionReason, 0>) as ExclusionReason[];
const OUTCOMES = Object.keys({
  matched: 0, model_mismatch: 0, metadata_mismatch: 0, tokens_out_of_range: 0, complexity_out_of_range: 0,
  when_false: 0, step_limit: 0, fallback: 0, forced: 0,
} satisfies Record<TrailOutcome, 0>) as TrailOutcome[];

const FIELDS = ['status', 'route', 'model', 'candidates', 'excluded', 'eligible', 'max_tokens', 'strategy', 'prompt_tokens', 'trail'];

/** The `expect:` map of a case, with every model and route name checked against the policy. */
export function expectationFromData(data: unknown, names: PolicyNames, path: PathSegment[], problems: Problems): Expectation {
  const record = problems.record(data, path, 'expect');
  if (record === undefined) return {};
  problems.onlyKeys(record, FIELDS, path, 'expect');
  const at = (field: string): PathSegment[] => [...path, field];
  const model = (value: unknown, where: PathSegment[]): string | undefined => {
    const name = problems.string(value, where);
    if (name !== undefined && !names.models.has(name)) problems.add(where, 'SY_POLICY_UNKNOWN_MODEL', `the policy declares no model "${name}"`);
    return name;
  };
  const models = (value: unknown, where: PathSegment[]): string[] | undefined => {
    const list = problems.strings(value, where);
    list?.forEach((name, i) => model(name, [...where, i]));
    return list;
  };
  const route = (value: unknown, where: PathSegment[]): string | undefined => {
    const name = problems.string(value, where);
    if (name !== undefined && !names.routes.has(name)) problems.add(where, 'SY_POLICY_UNKNOWN_ROUTE', `the policy has no route "${name}"`);
    return name;
  };

  const expect: Expectation = {};
  if (record.status !== undefined) expect.status = problems.oneOf(record.status, STATUSES, at('status'));
  if (record.route !== undefined) expect.route = record.route === null ? null : route(record.route, at('route'));
  if (record.model !== undefined) expect.model = record.model === null ? null : model(record.model, at('model'));
  if (record.candidates !== undefined) expect.candidates = models(record.candidates, at('candidates'));
  if (record.eligible !== undefined) expect.eligible = models(record.eligible, at('eligible'));
  if (record.excluded !== undefined) {
    const excluded: Record<string, ExclusionReason | 'eligible'> = {};
    for (const [name, reason] of Object.entries(problems.record(record.excluded, at('excluded'), 'expect.excluded') ?? {})) {
      const where = [...path, 'excluded', name];
      if (!names.models.has(name)) problems.add(where, 'SY_POLICY_UNKNOWN_MODEL', `the policy declares no model "${name}"`, 'key');
      const value = problems.oneOf(reason, [...REASONS, 'eligible'] as const, where);
      if (value !== undefined) excluded[name] = value;
    }
    expect.excluded = excluded;
  }
  if (record.max_tokens !== undefined) expect.maxTokens = record.max_tokens === null ? null : problems.number(record.max_tokens, at('max_tokens'), 1, Infinity, true);
  if (record.strategy !== undefined) expect.strategy = problems.oneOf(record.strategy, STRATEGIES, at('strategy'));
  if (record.prompt_tokens !== undefined) expect.promptTokens = problems.number(record.prompt_tokens, at('prompt_tokens'), 0, Infinity, true);
  if (record.trail !== undefined) {
    const steps = problems.strings(record.trail, at('trail'));
    expect.trail = steps?.map((text, i): TrailStep => {
      const where = [...path, 'trail', i];
      // The last colon splits: implicit routes are named `model:<name>`.
      const cut = text.lastIndexOf(':');
      const outcome = problems.oneOf(text.slice(cut + 1), OUTCOMES, where);
      if (cut <= 0) problems.add(where, 'SY_POLICY_BAD_FORMAT', `a trail step is route:outcome, like cheap:matched; got "${text}"`);
      else route(text.slice(0, cut), where);
      return { route: text.slice(0, cut), outcome: outcome ?? 'matched' };
    });
  }
  return expect;
}

/** The model a decision serves with first: its first candidate not excluded. */
export function selectedModel(decision: Decision): string | null {
  return decision.candidates.find((c) => c.excluded === null)?.model ?? null;
}

/** Every field of `expect` the decision does not meet, in the order the test file lists them. */
export function compareDecision(expect: Expectation, decision: Decision): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const check = (field: string, expected: unknown, got: unknown): void => {
    if (expected !== undefined && !sameValue(expected, got)) mismatches.push({ field, expected, got });
  };
  check('status', expect.status, decision.status);
  check('route', expect.route, decision.route);
  check('strategy', expect.strategy, decision.strategy);
  check('model', expect.model, selectedModel(decision));
  check('candidates', expect.candidates, decision.candidates.map((c) => c.model));
  check('eligible', expect.eligible, decision.candidates.filter((c) => c.excluded === null).map((c) => c.model));
  for (const [model, reason] of Object.entries(expect.excluded ?? {})) {
    const candidate = decision.candidates.find((c) => c.model === model);
    check(`excluded.${model}`, reason, candidate === undefined ? 'not a candidate' : (candidate.excluded ?? 'eligible'));
  }
  check('max_tokens', expect.maxTokens, decision.maxTokens);
  check('prompt_tokens', expect.promptTokens, decision.promptTokens);
  check('trail', expect.trail?.map(showStep), decision.trail.map(showStep));
  return mismatches;
}

function showStep(step: TrailStep): string {
  return `${step.route}:${step.outcome}`;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}
