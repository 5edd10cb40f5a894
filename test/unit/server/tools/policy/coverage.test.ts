import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Decider, type RequestFeatures } from '../../../../../engine/src/decide.js';
import { compilePolicyFile } from '../../../../../engine/src/policy/compile.js';
import { packagePath } from '../../../../../engine/src/package-root.js';
import { coverage } from '../../../../../server/tools/policy/coverage.js';

const built = compilePolicyFile(join(packagePath('test', 'fixtures', 'policy-cli'), 'basic.yaml'));
if (!built.ok) throw new Error('basic.yaml must compile');
const { policy } = built.compiled;
const decider = new Decider(built.compiled);
const decide = (model: string, open: string[] = []) => decider.decide(
  { model, maxTokens: null, stream: false, messages: [{ role: 'user', content: 'hi' }] } satisfies RequestFeatures,
  { models: Object.fromEntries(open.map((m) => [m, { circuit: 'open' as const }])) },
);

describe('coverage', () => {
  it('lists every written route and candidate when no case ran', () => {
    expect(coverage(policy, [])).toEqual({
      unreachedRoutes: ['long', 'cheap', 'smart', 'archive'],
      unselected: [
        { route: 'long', model: 'big' }, { route: 'cheap', model: 'nano' }, { route: 'cheap', model: 'mini' },
        { route: 'smart', model: 'big' }, { route: 'smart', model: 'claude' }, { route: 'archive', model: 'claude' },
      ],
    });
  });

  it('counts a route as reached when it decided, and a candidate when it was served first', () => {
    const result = coverage(policy, [decide('cheap'), decide('cheap', ['nano']), decide('smart', ['big', 'claude']), decide('gpt-5'), decide('claude')]);
    // smart decided with every candidate excluded: reached, but none selected. model:claude is implicit.
    expect(result).toEqual({
      unreachedRoutes: ['long', 'archive'],
      unselected: [{ route: 'long', model: 'big' }, { route: 'smart', model: 'big' }, { route: 'smart', model: 'claude' }, { route: 'archive', model: 'claude' }],
    });
  });
});

describe('coverage through a fallback', () => {
  it('credits a candidate served from a fallback route to that route', () => {
    const withFallback = compilePolicyFile(join(packagePath('test', 'fixtures', 'policy-cli'), 'conditions.yaml'));
    if (!withFallback.ok) throw new Error('conditions.yaml must compile');
    const vip = new Decider(withFallback.compiled).decide(
      { model: 'auto', maxTokens: null, stream: false, messages: [{ role: 'user', content: 'hi' }], caller: { team: 'vip' } },
      { models: { big: { circuit: 'open' } } },
    );
    expect(vip.route).toBe('vip');
    const result = coverage(withFallback.compiled.policy, [vip]);
    expect(result.unreachedRoutes).toEqual(['budget', 'quality']);
    // nano came from budget (vip's fallback): budget -> nano is covered, vip -> big is not.
    expect(result.unselected).toEqual([
      { route: 'vip', model: 'big' }, { route: 'budget', model: 'mini' },
      { route: 'quality', model: 'nano' }, { route: 'quality', model: 'mini' }, { route: 'quality', model: 'big' },
    ]);
  });
});
