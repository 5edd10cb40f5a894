/**
 * What a model can do follows from its provider kind's adapter (policy/defaults.ts
 * KIND_CAPABILITIES); the price card's cache write price and a route's expected cached share
 * reach the checked policy and the program.
 */
import { describe, expect, it } from 'vitest';
import * as abi from '../../../../../engine/src/abi.js';
import { checkPolicySource, compilePolicySource } from '../../../../../engine/src/policy/compile.js';
import { KIND_CAPABILITIES } from '../../../../../engine/src/policy/defaults.js';

const FILE = 'p.yaml';
const HEAD = `version: 1
providers:
  oa: { kind: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY }
  an: { kind: anthropic, base_url: https://api.anthropic.com, api_key_env: ANTHROPIC_API_KEY }
  ge: { kind: gemini, base_url: https://generativelanguage.googleapis.com, api_key_env: GEMINI_API_KEY }
models:
`;

const checked = (models: string, routes = '  - name: r\n    candidates: [claude]\n') => checkPolicySource(`${HEAD}${models}routes:\n${routes}`, FILE);

describe('capabilities by provider kind', () => {
  it('a model that lists none has what its kind\'s adapter can express', () => {
    const result = checked(`  claude: { provider: an, price: { input: 1, output: 5 }, context_window: 200000 }
  gem: { provider: ge, price: { input: 1, output: 5 }, context_window: 200000 }
  gpt: { provider: oa, price: { input: 1, output: 5 }, context_window: 200000 }
  emb: { provider: oa, type: embedding, price: { input: 1, output: 0 }, context_window: 8000 }
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const caps = Object.fromEntries(result.policy.models.map((m) => [m.name, m.capabilities]));
    expect(caps).toEqual({
      claude: ['tools', 'vision'],
      gem: ['tools', 'vision', 'json_mode', 'logprobs', 'multiple_choices'],
      gpt: ['tools', 'vision', 'json_mode', 'logprobs', 'multiple_choices'],
      emb: [],
    });
    expect(KIND_CAPABILITIES.anthropic).not.toContain('json_mode');
  });

  it('refuses a capability the kind cannot express, at the list item, one error each', () => {
    const result = checked(`  claude:
    provider: an
    price: { input: 1, output: 5 }
    context_window: 200000
    capabilities: [tools, json_mode, logprobs]
`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.format())).toEqual([
      `${FILE}:11:27: SY_POLICY_BAD_VALUE: model "claude" lists capability json_mode, but provider "an" is of kind anthropic, whose adapter cannot express it; anthropic models can have tools, vision`,
      `${FILE}:11:38: SY_POLICY_BAD_VALUE: model "claude" lists capability logprobs, but provider "an" is of kind anthropic, whose adapter cannot express it; anthropic models can have tools, vision`,
    ]);
  });

  it('accepts every capability on an OpenAI-compatible model, and a narrower list on any kind', () => {
    const result = checked(`  claude: { provider: an, price: { input: 1, output: 5 }, context_window: 200000, capabilities: [vision] }
  gpt: { provider: oa, price: { input: 1, output: 5 }, context_window: 200000, capabilities: [tools, vision, json_mode, logprobs, multiple_choices] }
`);
    expect(result.ok).toBe(true);
  });
});

describe('cache prices and the expected cached share', () => {
  const source = `${HEAD}  claude: { provider: an, price: { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 }, context_window: 200000 }
  gpt: { provider: oa, price: { input: 2, output: 8 }, context_window: 200000 }
routes:
  - name: cached
    match: { model: cached }
    expected_cached_share: 0.6
    candidates: [claude]
  - name: r
    candidates: [gpt]
`;

  it('keeps the cache write price, the input price when absent, and the route\'s share (0 when absent)', () => {
    const result = checkPolicySource(source, FILE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.models.map((m) => [m.name, m.cacheWritePerMTok, m.cachedInputPerMTok])).toEqual([['claude', 3.75, 0.3], ['gpt', 2, 2]]);
    expect(result.policy.routes.map((r) => [r.name, r.expectedCachedShare])).toEqual([['cached', 0.6], ['r', 0]]);
  });

  it('lowers the share into each route header', () => {
    const built = compilePolicySource(source, FILE);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const view = new DataView(built.compiled.program.buffer);
    const first = abi.PROGRAM_HEADER_SIZE + built.compiled.policy.models.length * abi.PROGRAM_MODEL_SIZE;
    expect(view.getFloat64(first + abi.PR_CACHED_SHARE, true)).toBe(0.6);
  });

  it('refuses a share outside 0..1 and a negative cache write price', () => {
    const bad = checkPolicySource(source.replace('expected_cached_share: 0.6', 'expected_cached_share: 1.5').replace('cache_write: 3.75', 'cache_write: -1'), FILE);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map((e) => `${e.code} ${e.path}`).sort()).toEqual([
      'SY_POLICY_OUT_OF_RANGE models.claude.price.cache_write',
      'SY_POLICY_OUT_OF_RANGE routes[0].expected_cached_share',
    ]);
  });
});
