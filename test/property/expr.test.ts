import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestFeatures, Snapshot } from '../../engine/src/decide.js';
import * as feat from '../../engine/src/features-abi.js';
import { SCRIPT_NAMES, type ComplexityFeatures } from '../../engine/src/features.js';
import { ENUM_MEMBERS, ExprCompiler, envValues } from '../../engine/src/policy/expr/index.js';
import { parseExpr } from '../../engine/src/policy/expr/parse.js';
import { ExprCore } from '../helpers/expr-core.js';
import { referenceEval } from '../helpers/expr-reference.js';

// Random well-typed conditions over random requests, snapshots and features: the bytecode in
// the core must agree with the reference evaluator on every value, short circuits and step
// limits included. Values are drawn from small pools so equality, containment and list
// membership hit as often as they miss; a rare long text drives `contains` into the step limit.

const MODELS = ['m1', 'gpt-4.1'];
const PROVIDERS = ['openai', 'anthropic'];
const SCOPES = ['key', 'user', 'team', 'session', 'global'] as const;

const NUMBERS = [0, 1, 2, 3, 0.5, 10, 100, 4000];
const DURATIONS: ReadonlyArray<[string, number]> = [['0ms', 0], ['100ms', 100], ['250ms', 250], ['1s', 1000], ['1.5s', 1500], ['1m', 60_000], ['1h', 3_600_000]];
const USD: ReadonlyArray<[string, number]> = [['$0', 0], ['$0.05', 0.05], ['$1', 1], ['$100', 100]];
const TEXTS = ['', 'a', 'b', 'ab', 'ba', 'aab', 'xy', 'é', '日本', 'normal', 'high', 'gpt-4o', 'say "hi"'];
const LONG_TEXTS = ['a'.repeat(70_000) + 'b', 'ab'.repeat(20_000), 'x'.repeat(4_000)];

const health = (kind: 'models' | 'providers', name: string, field: string): string => `snapshot.${kind}[${JSON.stringify(name)}].${field}`;
const FIELDS = {
  number: [
    'request.messages', 'request.tokens.prompt', 'request.tokens.max_output', 'request.complexity', 'request.images', 'time.hour',
    ...['turns', 'chars', 'code_density', 'math_density', 'questions', 'reasoning', 'constraints', 'non_latin_share'].map((f) => `request.features.${f}`),
    ...MODELS.map((m) => health('models', m, 'error_rate')), health('providers', 'openai', 'error_rate'),
    ...SCOPES.map((s) => `snapshot.budget.${s}.remaining_tokens`),
  ],
  duration: [...MODELS.map((m) => health('models', m, 'latency_ewma')), ...PROVIDERS.map((p) => health('providers', p, 'latency_ewma'))],
  usd: SCOPES.map((s) => `snapshot.budget.${s}.remaining_usd`),
  string: [
    'request.model', 'request.metadata.tier', 'request.metadata["a key"]', 'request.metadata.x-y.z', 'request.priority', 'request.user',
    'request.session', 'caller.key', 'caller.team', 'caller.user', 'caller.metadata.tier', 'caller.metadata["cost centre"]',
  ],
  bool: ['request.stream', 'request.tools', 'request.json_mode'],
} as const;
const ENUM_FIELDS: ReadonlyArray<[string, readonly string[]]> = [
  ['request.features.script', ENUM_MEMBERS.script], ['time.weekday', ENUM_MEMBERS.weekday],
  [health('models', 'gpt-4.1', 'circuit'), ENUM_MEMBERS.circuit], [health('providers', 'anthropic', 'circuit'), ENUM_MEMBERS.circuit],
];

const quote = (s: string): string => JSON.stringify(s);
const literal = {
  number: fc.constantFrom(...NUMBERS).map(String),
  duration: fc.constantFrom(...DURATIONS.map(([t]) => t)),
  usd: fc.constantFrom(...USD.map(([t]) => t)),
  string: fc.constantFrom(...TEXTS).map((s) => (s.includes('"') ? `'${s}'` : quote(s))),
  bool: fc.constantFrom('true', 'false'),
};
type Ordered = 'number' | 'duration' | 'usd';
const orderedType = fc.constantFrom<Ordered>('number', 'duration', 'usd');
const operand = (type: keyof typeof literal): fc.Arbitrary<string> => fc.oneof(fc.constantFrom(...FIELDS[type]), literal[type]);
const list = <T>(item: fc.Arbitrary<T>): fc.Arbitrary<string> => fc.array(item, { maxLength: 5 }).map((items) => `[${items.join(', ')}]`);

const textOps = [
  fc.tuple(operand('string'), fc.constantFrom('==', '!='), operand('string')).map(([l, op, r]) => `${l} ${op} ${r}`),
  fc.tuple(operand('string'), fc.constantFrom('contains', 'startsWith', 'endsWith'), operand('string')).map(([t, m, a]) => `${t}.${m}(${a})`),
  fc.tuple(fc.constantFrom(...FIELDS.string), list(literal.string)).map(([f, l]) => `${f} in ${l}`),
];
const atom: fc.Arbitrary<string> = fc.oneof(
  orderedType.chain((t) => fc.tuple(operand(t), fc.constantFrom('==', '!=', '<', '<=', '>', '>='), operand(t))).map(([l, op, r]) => `${l} ${op} ${r}`),
  ...textOps,
  fc.constantFrom(...ENUM_FIELDS).chain(([field, members]) => fc.tuple(fc.constantFrom(...members), fc.constantFrom('==', '!='), fc.boolean())
    .map(([member, op, flip]) => (flip ? `${quote(member)} ${op} ${field}` : `${field} ${op} ${quote(member)}`))),
  fc.constantFrom(...ENUM_FIELDS).chain(([field, members]) => list(fc.constantFrom(...members).map(quote)).map((l) => `${field} in ${l}`)),
  orderedType.chain((t) => fc.tuple(fc.constantFrom(...FIELDS[t]), list(literal[t]))).map(([f, l]) => `${f} in ${l}`),
  fc.tuple(operand('bool'), fc.constantFrom('==', '!='), operand('bool')).map(([l, op, r]) => `${l} ${op} ${r}`),
  operand('bool'),
);

/** Conditions over `leaf`: negated, joined, compared as bools, up to four levels deep. */
function conditionOver(leaf: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.letrec<{ condition: string }>((tie) => ({
    condition: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      { weight: 4, arbitrary: leaf },
      tie('condition').map((c) => `!(${c})`),
      fc.tuple(tie('condition'), fc.constantFrom('&&', '||'), tie('condition')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
      fc.tuple(tie('condition'), tie('condition')).map(([l, r]) => `${l} && ${r} || !${FIELDS.bool[0]}`),
      fc.tuple(tie('condition'), fc.constantFrom('==', '!='), tie('condition')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
    ),
  })).condition;
}

// Around 65,500 bytes a one-byte search ends right at the step limit, wherever it starts.
const nearLimit = fc.integer({ min: 65_400, max: 65_650 }).map((n) => 'a'.repeat(n));
const longText = fc.oneof(fc.constantFrom(...LONG_TEXTS), nearLimit);
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

/** Requests whose text values come from `text`. */
const requestWith = (text: fc.Arbitrary<string>): fc.Arbitrary<RequestFeatures> => fc.record({
  model: text,
  metadata: maybe(fc.dictionary(fc.constantFrom('tier', 'a key', 'x-y.z', 'priority', 'session_id'), text)),
  messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.constant('hi') }), { maxLength: 4 }),
  maxTokens: fc.option(fc.constantFrom(...NUMBERS, 16_000), { nil: null }),
  stream: fc.boolean(),
  tools: maybe(fc.constantFrom([], [{ type: 'function' }])),
  jsonMode: maybe(fc.boolean()),
  images: maybe(fc.record({ count: fc.constantFrom(0, 1, 3), tiles: fc.constant(0), sizesKnown: fc.constant(true) })),
  user: maybe(text),
  session: maybe(text),
  priority: maybe(text),
  caller: maybe(fc.record({ key: maybe(text), team: maybe(text), user: maybe(text), metadata: maybe(fc.dictionary(fc.constantFrom('tier', 'cost centre'), text)) })),
  arrivedAt: maybe(fc.integer({ min: 0, max: 4_000_000_000_000 })),
}) as fc.Arbitrary<RequestFeatures>;

const healthState = fc.record({
  circuit: maybe(fc.constantFrom('closed', 'open', 'half_open', 'unavailable') as fc.Arbitrary<'closed'>),
  latencyEwmaMs: maybe(fc.constantFrom(...DURATIONS.map(([, ms]) => ms), 400)),
  errorRate: maybe(fc.constantFrom(0, 0.5, 1, 2)),
}, { requiredKeys: [] });
const snapshot: fc.Arbitrary<Snapshot | undefined> = maybe(fc.record({
  models: maybe(fc.dictionary(fc.constantFrom(...MODELS), healthState)),
  providers: maybe(fc.dictionary(fc.constantFrom(...PROVIDERS), healthState)),
  budgets: maybe(fc.dictionary(fc.constantFrom(...SCOPES), fc.record({
    remainingUsd: maybe(fc.constantFrom(...USD.map(([, usd]) => usd))),
    remainingTokens: maybe(fc.constantFrom(...NUMBERS)),
  }, { requiredKeys: [] }))),
}, { requiredKeys: [] }));

const featureValue = fc.constantFrom(...NUMBERS);
const features: fc.Arbitrary<ComplexityFeatures> = fc.record({
  tokens: featureValue, turns: featureValue, chars: featureValue, code_density: featureValue, math_density: featureValue,
  questions: featureValue, reasoning: featureValue, constraints: featureValue, script: fc.constantFrom(...SCRIPT_NAMES),
  non_latin_share: featureValue, complexity: featureValue,
});

const FEATURE_OFFSETS: Readonly<Record<keyof ComplexityFeatures, number>> = {
  tokens: feat.FEAT_TOKENS, turns: feat.FEAT_TURNS, chars: feat.FEAT_CHARS, code_density: feat.FEAT_CODE_DENSITY,
  math_density: feat.FEAT_MATH_DENSITY, questions: feat.FEAT_QUESTIONS, reasoning: feat.FEAT_REASONING,
  constraints: feat.FEAT_CONSTRAINTS, script: feat.FEAT_SCRIPT, non_latin_share: feat.FEAT_NON_LATIN_SHARE, complexity: feat.FEAT_COMPLEXITY,
};

function featureRecord(f: ComplexityFeatures): Record<number, number> {
  const record: Record<number, number> = {};
  for (const [name, offset] of Object.entries(FEATURE_OFFSETS)) {
    const value = f[name as keyof ComplexityFeatures];
    record[offset] = typeof value === 'string' ? SCRIPT_NAMES.indexOf(value) : value;
  }
  return record;
}

const OUTCOME: Readonly<Record<number, boolean | 'step_limit'>> = { 1: true, 0: false, [-1]: 'step_limit' };

describe('conditions: compiled bytecode vs the reference evaluator', () => {
  const core = new ExprCore();
  const noWhere = () => ({ file: 'p.yaml', line: 1, col: 1 });

  /** Compiles `conditions` into one section, runs each in the core; the outcomes that hit the step limit. */
  const agree = (conditions: string[], req: RequestFeatures, snap: Snapshot | undefined, feats: ComplexityFeatures): number => {
    const compiler = new ExprCompiler({ models: MODELS, providers: PROVIDERS });
    const indexes = conditions.map((c) => {
      const compiled = compiler.compile(c, noWhere);
      if (!compiled.ok) throw new Error(`${c}: ${compiled.errors.map((e) => e.message).join('; ')}`);
      return compiled.index;
    });
    const { section, layout } = compiler.finish();
    expect(core.load(section)).toBe(0);
    const { nums, strs } = envValues(layout, req, snap);
    let limited = 0;
    conditions.forEach((c, i) => {
      const parsed = parseExpr(c);
      if (!parsed.ok) throw new Error(parsed.error.message);
      const expected = referenceEval(parsed.expr, { request: req, snapshot: snap, features: feats });
      if (expected === 'step_limit') limited++;
      expect([c, OUTCOME[core.eval(indexes[i]!, { features: featureRecord(feats), nums, strs })]]).toEqual([c, expected]);
    });
    return limited;
  };

  it('agree on random well-typed conditions over random environments', () => {
    const text = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...TEXTS) }, { weight: 1, arbitrary: longText });
    fc.assert(
      fc.property(fc.array(conditionOver(atom), { minLength: 1, maxLength: 4 }), requestWith(text), snapshot, features, (conditions, req, snap, feats) => {
        agree(conditions, req, snap, feats);
      }),
      { numRuns: 300 },
    );
  });

  it('agree on text operations over long texts, at and around the step limit', () => {
    let limited = 0;
    let total = 0;
    const text = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...TEXTS) }, { weight: 3, arbitrary: longText });
    const field = fc.constantFrom(...FIELDS.string);
    const scans = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(field, literal.string).map(([f, l]) => `${f}.contains(${l})`) },
      fc.tuple(field, fc.constantFrom('contains', '==', 'in'), field).map(([f, op, g]) => (op === 'contains' ? `${f}.contains(${g})` : op === 'in' ? `${f} in ["a", "b"]` : `${f} == ${g}`)),
      ...textOps,
    );
    fc.assert(
      fc.property(fc.array(conditionOver(scans), { minLength: 1, maxLength: 4 }), requestWith(text), snapshot, features, (conditions, req, snap, feats) => {
        limited += agree(conditions, req, snap, feats);
        total += conditions.length;
      }),
      { numRuns: 150 },
    );
    // Both outcomes must be common, or the limit's edge is not being tested.
    expect(limited).toBeGreaterThan(total / 10);
    expect(limited).toBeLessThan(total * 0.9);
  });
});
