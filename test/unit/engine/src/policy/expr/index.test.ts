import { describe, expect, it } from 'vitest';
import type { RequestFeatures, Snapshot } from '../../../../../../engine/src/decide.js';
import * as feat from '../../../../../../engine/src/features-abi.js';
import { EXPR_LOAD_OK } from '../../../../../../engine/src/policy/expr/bytecode.js';
import { ExprCompiler, FEATURE_FIELDS, envValues, exprLocator } from '../../../../../../engine/src/policy/expr/index.js';
import { parsePolicy } from '../../../../../../engine/src/policy/parse.js';
import { ExprCore } from '../../../../../helpers/expr-core.js';

const CTX = { models: ['gpt-4o-mini', 'gpt-4.1'], providers: ['openai', 'anthropic'] };
const noWhere = () => ({ file: 'p.yaml', line: 1, col: 1 });

const REQUEST: RequestFeatures = {
  model: 'gpt-4o',
  metadata: { tier: 'gold', 'cost center': 'r&d' },
  messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }],
  maxTokens: 700,
  stream: true,
  tools: [{ type: 'function' }],
  jsonMode: false,
  images: { count: 2, tiles: 4, sizesKnown: true },
  priority: 'high',
  user: 'u1',
  session: 's1',
  caller: { key: 'k1', team: 't1', user: 'cu1', metadata: { tier: 'gold', 'cost centre': 'r&d' } },
  arrivedAt: Date.UTC(2024, 5, 1, 13, 45), // a Saturday
};
const SNAPSHOT: Snapshot = {
  models: { 'gpt-4.1': { circuit: 'half_open', latencyEwmaMs: 350, errorRate: 0.125 } },
  providers: { openai: { circuit: 'open', latencyEwmaMs: 90, errorRate: 0.5 } },
  budgets: {
    key: { remainingUsd: 1.25, remainingTokens: 5000 }, user: { remainingUsd: 2 }, team: { remainingTokens: 7 },
    session: { remainingUsd: 0, remainingTokens: 0 },
  },
};
const FEATURES = {
  [feat.FEAT_TOKENS]: 1234, [feat.FEAT_TURNS]: 2, [feat.FEAT_CHARS]: 5000, [feat.FEAT_CODE_DENSITY]: 0.25,
  [feat.FEAT_MATH_DENSITY]: 0.125, [feat.FEAT_QUESTIONS]: 3, [feat.FEAT_REASONING]: 1, [feat.FEAT_CONSTRAINTS]: 4,
  [feat.FEAT_SCRIPT]: feat.SCRIPT_CYRILLIC, [feat.FEAT_NON_LATIN_SHARE]: 0.75, [feat.FEAT_COMPLEXITY]: 0.625,
};

/** A budget without a limit: +Infinity, above any amount. */
const NO_LIMIT = 'no limit';

/** Each catalogue field as a condition writes it, with the value it has in the environment above. */
const FIELD_VALUES: Readonly<Record<string, ReadonlyArray<[field: string, value: string]>>> = {
  'request.model': [['request.model', '"gpt-4o"']],
  'request.metadata.<key>': [['request.metadata.tier', '"gold"'], ['request.metadata["cost center"]', '"r&d"'], ['request.metadata.absent', '""']],
  'request.messages': [['request.messages', '3']],
  'request.tokens.prompt': [['request.tokens.prompt', '1234']],
  'request.tokens.max_output': [['request.tokens.max_output', '700']],
  'request.complexity': [['request.complexity', '0.625']],
  'request.features.turns': [['request.features.turns', '2']],
  'request.features.chars': [['request.features.chars', '5000']],
  'request.features.code_density': [['request.features.code_density', '0.25']],
  'request.features.math_density': [['request.features.math_density', '0.125']],
  'request.features.questions': [['request.features.questions', '3']],
  'request.features.reasoning': [['request.features.reasoning', '1']],
  'request.features.constraints': [['request.features.constraints', '4']],
  'request.features.non_latin_share': [['request.features.non_latin_share', '0.75']],
  'request.features.script': [['request.features.script', '"cyrillic"']],
  'request.stream': [['request.stream', 'true']],
  'request.tools': [['request.tools', 'true']],
  'request.json_mode': [['request.json_mode', 'false']],
  'request.images': [['request.images', '2']],
  'request.priority': [['request.priority', '"high"']],
  'request.user': [['request.user', '"u1"']],
  'request.session': [['request.session', '"s1"']],
  'caller.key': [['caller.key', '"k1"']],
  'caller.team': [['caller.team', '"t1"']],
  'caller.user': [['caller.user', '"cu1"']],
  'caller.metadata.<key>': [['caller.metadata.tier', '"gold"'], ['caller.metadata["cost centre"]', '"r&d"'], ['caller.metadata.absent', '""']],
  'snapshot.budget.key.remaining_usd': [['snapshot.budget.key.remaining_usd', '$1.25']],
  'snapshot.budget.key.remaining_tokens': [['snapshot.budget.key.remaining_tokens', '5000']],
  'snapshot.budget.user.remaining_usd': [['snapshot.budget.user.remaining_usd', '$2']],
  'snapshot.budget.user.remaining_tokens': [['snapshot.budget.user.remaining_tokens', NO_LIMIT]],
  'snapshot.budget.team.remaining_usd': [['snapshot.budget.team.remaining_usd', NO_LIMIT]],
  'snapshot.budget.team.remaining_tokens': [['snapshot.budget.team.remaining_tokens', '7']],
  'snapshot.budget.session.remaining_usd': [['snapshot.budget.session.remaining_usd', '$0']],
  'snapshot.budget.session.remaining_tokens': [['snapshot.budget.session.remaining_tokens', '0']],
  'snapshot.budget.global.remaining_usd': [['snapshot.budget.global.remaining_usd', NO_LIMIT]],
  'snapshot.budget.global.remaining_tokens': [['snapshot.budget.global.remaining_tokens', NO_LIMIT]],
  'time.hour': [['time.hour', '13']],
  'time.weekday': [['time.weekday', '"sat"']],
  'snapshot.models["<model>"].circuit': [['snapshot.models["gpt-4.1"].circuit', '"half_open"'], ['snapshot.models["gpt-4o-mini"].circuit', '"closed"']],
  'snapshot.models["<model>"].latency_ewma': [['snapshot.models["gpt-4.1"].latency_ewma', '350ms'], ['snapshot.models["gpt-4o-mini"].latency_ewma', '0s']],
  'snapshot.models["<model>"].error_rate': [['snapshot.models["gpt-4.1"].error_rate', '0.125']],
  'snapshot.providers["<provider>"].circuit': [['snapshot.providers["openai"].circuit', '"open"']],
  'snapshot.providers["<provider>"].latency_ewma': [['snapshot.providers["openai"].latency_ewma', '90ms']],
  'snapshot.providers["<provider>"].error_rate': [['snapshot.providers["openai"].error_rate', '0.5'], ['snapshot.providers["anthropic"].error_rate', '0']],
};

describe('ExprCompiler end to end', () => {
  it('compiles every field and reads it from envValues and the FEATURES record in the core', () => {
    expect(Object.keys(FIELD_VALUES).sort()).toEqual(FEATURE_FIELDS.map((f) => f.name).sort());
    const compiler = new ExprCompiler(CTX);
    const cases: Array<[condition: string, index: number, expected: number]> = [];
    const add = (condition: string, expected: number): void => {
      const r = compiler.compile(condition, noWhere);
      if (!r.ok) throw new Error(`${condition}: ${r.errors[0]!.message}`);
      cases.push([condition, r.index, expected]);
    };
    for (const pairs of Object.values(FIELD_VALUES)) {
      for (const [field, value] of pairs) {
        if (value === NO_LIMIT) {
          const huge = field.endsWith('_usd') ? '$1000000000000000' : '1000000000000000';
          add(`${field} > ${huge}`, 1);
          add(`${field} <= ${huge}`, 0);
        } else {
          add(`${field} == ${value}`, 1);
          add(`${field} != ${value}`, 0);
        }
      }
    }
    const { section, layout } = compiler.finish();
    const core = new ExprCore();
    expect(core.load(section)).toBe(EXPR_LOAD_OK);
    const env = envValues(layout, REQUEST, SNAPSHOT);
    const outcomes = cases.map(([condition, index]) => [condition, core.eval(index, { features: FEATURES, ...env })]);
    expect(outcomes).toEqual(cases.map(([condition, , expected]) => [condition, expected]));
  });

  it('numbers conditions in order, shares slots between them and lists dynamic slots after the fixed ones', () => {
    const compiler = new ExprCompiler(CTX);
    expect(compiler.compile('request.metadata.b == "x"', noWhere)).toEqual({ ok: true, index: 0, cost: 4 });
    expect(compiler.compile('request.metadata.nope(', noWhere).ok).toBe(false);
    expect(compiler.compile('request.metadata.a == request.metadata.b || snapshot.models["gpt-4.1"].error_rate > 0.5', noWhere)).toEqual({ ok: true, index: 1, cost: 8 });
    expect(compiler.compile('request.stream', noWhere)).toEqual({ ok: true, index: 2, cost: 2 });
    const { layout } = compiler.finish();
    expect(layout.strSlots.slice(7)).toEqual([{ kind: 'metadata', key: 'b' }, { kind: 'metadata', key: 'a' }]);
    expect(layout.numSlots.slice(8)).toEqual([{ kind: 'model', name: 'gpt-4.1', field: 'error_rate' }]);
  });

  it('enforces the cost bound of 256 instructions at the start of the condition', () => {
    const leaves = (n: number): string => Array.from({ length: n }, () => 'request.stream').join(' && ');
    expect(new ExprCompiler(CTX).compile(leaves(128), noWhere)).toMatchObject({ ok: true, cost: 256 });
    const over = new ExprCompiler(CTX).compile(`  ${leaves(129)}`, (offset) => ({ file: 'p.yaml', line: 1, col: offset + 1 }));
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.errors.map((e) => e.format())).toEqual(['p.yaml:1:3: SY_POLICY_EXPR_COST: the condition compiles to more than 256 instructions (one per value, operator and method call); simplify it']);
  });
});

describe('condition errors located in the policy file', () => {
  const POLICY = [
    'routes:', //                                                                 1
    '  - when: request.tokens.prompt > 8000 && !request.tols', //                  2
    '  - when: "request.model == \\"gpt-4o\\" && time.weekday == \\"thur\\""', //  3
    '  - when: |', //                                                              4
    '      request.stream', //                                                     5
    '        && snapshot.models["gpt-4.2"].circuit == "open"', //                  6
    '  - when: >-', //                                                             7
    '      request.model ==', //                                                   8
    '      5', //                                                                  9
    "  - when: 'request.model < ''b'''", //                                       10
    '  - when: request.messages > 1 &&', //                                       11
    '      (request.user = "x")', //                                              12
    `  - when: request.model in [${Array.from({ length: 65 }, (_, i) => i).join(',')}]`, // 13
    '  - when: |-', //                                                            14
    '      request.stream &&', //                                                 15
    '      request.user.startswith("a")', //                                      16
    '  - when: request.messages >', //                                            17
  ];
  const { parsed } = parsePolicy(`${POLICY.join('\n')}\n`, 'policies/p.yaml');
  const errorsOf = (route: number): string[] => {
    const condition = (parsed.data as { routes: Array<{ when: string }> }).routes[route]!.when;
    const result = new ExprCompiler(CTX).compile(condition, exprLocator(parsed, ['routes', route, 'when']));
    return result.ok ? [] : result.errors.map((e) => e.format());
  };

  it('points at the offending token, line and column, in every kind of scalar', () => {
    expect(errorsOf(0)).toEqual(['policies/p.yaml:2:44: SY_POLICY_EXPR_UNKNOWN_FIELD: unknown field request.tols (did you mean request.tools?)']);
    expect(errorsOf(1)).toEqual(['policies/p.yaml:3:59: SY_POLICY_EXPR_UNKNOWN_NAME: "thur" is not a weekday name (did you mean "thu"?)']);
    expect(errorsOf(2)).toEqual(['policies/p.yaml:6:28: SY_POLICY_EXPR_UNKNOWN_NAME: model "gpt-4.2" is not declared (did you mean "gpt-4.1"?)']);
    expect(errorsOf(3)).toEqual(['policies/p.yaml:9:7: SY_POLICY_EXPR_TYPE: "==" compares request.model, text, with 5, a number; both sides need the same type']);
    expect(errorsOf(4)).toEqual(['policies/p.yaml:10:26: SY_POLICY_EXPR_OPERATOR: "<" orders numbers, durations and USD amounts, not text; use == or !=']);
    expect(errorsOf(5)).toEqual(['policies/p.yaml:12:21: SY_POLICY_EXPR_OPERATOR: "=" is not an operator; to compare, write "=="']);
    expect(errorsOf(6)).toEqual(['policies/p.yaml:13:11: SY_POLICY_EXPR_COST: a list after "in" has 65 items; at most 64']);
    expect(errorsOf(7)).toEqual(['policies/p.yaml:16:20: SY_POLICY_EXPR_OPERATOR: unknown method .startswith() (did you mean .startsWith()?)']);
    expect(errorsOf(8)).toEqual(['policies/p.yaml:17:29: SY_POLICY_EXPR_SYNTAX: the condition ends where a value belongs']);
  });
});
