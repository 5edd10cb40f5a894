import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Decider, type RequestFeatures } from '../../../../../engine/src/decide.js';
import { compilePolicyFile } from '../../../../../engine/src/policy/compile.js';
import { packagePath } from '../../../../../engine/src/package-root.js';
import { compareDecision, expectationFromData, selectedModel } from '../../../../../server/tools/policy/expect.js';
import { Problems } from '../../../../../server/tools/policy/fields.js';
import { policyNames } from '../../../../../server/tools/policy/names.js';

const built = compilePolicyFile(join(packagePath('test', 'fixtures', 'policy-cli'), 'basic.yaml'));
if (!built.ok) throw new Error('basic.yaml must compile');
const decider = new Decider(built.compiled);
const names = policyNames(built.compiled.policy);
const request = (model: string): RequestFeatures => ({ model, maxTokens: null, stream: false, messages: [{ role: 'user', content: 'hi' }] });

function expectation(data: unknown) {
  const problems = new Problems();
  const result = expectationFromData(data, names, ['expect'], problems);
  return { result, problems: problems.list.map((p) => `${p.path.join('.')} ${p.code}`) };
}

describe('expectationFromData', () => {
  it('reads every field, trail steps split at their last colon', () => {
    const { result, problems } = expectation({
      status: 'ok', route: 'cheap', model: 'nano', candidates: ['nano', 'mini'], excluded: { mini: 'circuit_open', nano: 'eligible' },
      eligible: ['nano'], max_tokens: 1024, strategy: 'cheapest', prompt_tokens: 12, trail: ['long:tokens_out_of_range', 'model:claude:matched'],
    });
    expect(problems).toEqual([]);
    expect(result).toEqual({
      status: 'ok', route: 'cheap', model: 'nano', candidates: ['nano', 'mini'], excluded: { mini: 'circuit_open', nano: 'eligible' },
      eligible: ['nano'], maxTokens: 1024, strategy: 'cheapest', promptTokens: 12,
      trail: [{ route: 'long', outcome: 'tokens_out_of_range' }, { route: 'model:claude', outcome: 'matched' }],
    });
  });

  it('takes null for route, model and max_tokens', () => {
    expect(expectation({ route: null, model: null, max_tokens: null }).result).toEqual({ route: null, model: null, maxTokens: null });
  });

  it('refuses names the policy lacks, unknown values and malformed steps', () => {
    expect(expectation({
      route: 'cheapest', model: 'gpt-4o', candidates: ['nano', 'nope'], excluded: { ghost: 'circuit_open', nano: 'closed' },
      strategy: 'random', status: 'maybe', max_tokens: 0, prompt_tokens: 1.5, trail: ['matched', 'cheap:won'], colour: 'red',
    }).problems).toEqual([
      'expect.colour SY_POLICY_UNKNOWN_FIELD',
      'expect.status SY_POLICY_BAD_VALUE',
      'expect.route SY_POLICY_UNKNOWN_ROUTE',
      'expect.model SY_POLICY_UNKNOWN_MODEL',
      'expect.candidates.1 SY_POLICY_UNKNOWN_MODEL',
      'expect.excluded.ghost SY_POLICY_UNKNOWN_MODEL',
      'expect.excluded.nano SY_POLICY_BAD_VALUE',
      'expect.max_tokens SY_POLICY_OUT_OF_RANGE',
      'expect.strategy SY_POLICY_BAD_VALUE',
      'expect.prompt_tokens SY_POLICY_BAD_TYPE',
      'expect.trail.0 SY_POLICY_BAD_FORMAT',
      'expect.trail.1 SY_POLICY_BAD_VALUE',
    ]);
  });
});

describe('compareDecision', () => {
  it('finds nothing wrong when every given field holds', () => {
    const decision = decider.decide(request('cheap'));
    expect(compareDecision({ status: 'ok', route: 'cheap', model: 'nano', candidates: ['nano', 'mini'], eligible: ['nano', 'mini'], maxTokens: null }, decision)).toEqual([]);
    expect(compareDecision({}, decision)).toEqual([]);
  });

  it('names each differing field with what was expected and what came', () => {
    const decision = decider.decide(request('cheap'), { models: { nano: { circuit: 'open' } } });
    expect(selectedModel(decision)).toBe('mini');
    expect(compareDecision({
      route: 'smart', model: 'nano', candidates: ['nano'], eligible: ['nano', 'mini'],
      excluded: { nano: 'eligible', mini: 'circuit_open', big: 'unavailable' }, maxTokens: 10, promptTokens: 1,
    }, decision)).toEqual([
      { field: 'route', expected: 'smart', got: 'cheap' },
      { field: 'model', expected: 'nano', got: 'mini' },
      { field: 'candidates', expected: ['nano'], got: ['nano', 'mini'] },
      { field: 'eligible', expected: ['nano', 'mini'], got: ['mini'] },
      { field: 'excluded.nano', expected: 'eligible', got: 'circuit_open' },
      { field: 'excluded.mini', expected: 'circuit_open', got: 'eligible' },
      { field: 'excluded.big', expected: 'unavailable', got: 'not a candidate' },
      { field: 'max_tokens', expected: 10, got: null },
      { field: 'prompt_tokens', expected: 1, got: decision.promptTokens },
    ]);
  });

  it('compares a no_route decision: no route, no model, no candidates', () => {
    const decision = decider.decide(request('gpt-5'));
    expect(compareDecision({ status: 'no_route', route: null, model: null, candidates: [] }, decision)).toEqual([]);
    expect(compareDecision({ status: 'ok' }, decision)).toEqual([{ field: 'status', expected: 'ok', got: 'no_route' }]);
  });

  it('compares the trail as route:outcome steps', () => {
    const decision = decider.decide(request('cheap'));
    const got = decision.trail.map((s) => `${s.route}:${s.outcome}`);
    expect(compareDecision({ trail: [{ route: 'cheap', outcome: 'when_false' }] }, decision)).toEqual([
      { field: 'trail', expected: ['cheap:when_false'], got },
    ]);
  });
});
