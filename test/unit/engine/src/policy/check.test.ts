import { describe, expect, it } from 'vitest';
import { checkPolicy, findInlineSecrets, looksLikeSecret, routeMatch } from '../../../../../engine/src/policy/check.js';
import type { CheckResult } from '../../../../../engine/src/policy/check.js';
import { parsePolicy } from '../../../../../engine/src/policy/parse.js';
import { validatePolicySchema } from '../../../../../engine/src/policy/schema.js';

const FILE = 'p.yaml';
const HEAD = [
  'version: 1', //                                  1
  'providers:', //                                  2
  '  openai:', //                                   3
  '    kind: openai', //                            4
  '    base_url: https://api.openai.com/v1', //     5
  '    api_key_env: OPENAI_API_KEY', //             6
  'models:', //                                     7
  '  gpt-4o-mini:', //                              8
  '    provider: openai', //                        9
  '    price: { input: 0.15, output: 0.6 }', //    10
  '    context_window: 128000', //                 11
  '  gpt-4o:', //                                  12
  '    provider: openai', //                       13
  '    price: { input: 2.5, output: 10 }', //      14
  '    context_window: 128000', //                 15
  'routes:', //                                    16
];

/** HEAD followed by `routes` lines (the first is line 17). */
const policy = (...routes: string[]): string => `${[...HEAD, ...routes].join('\n')}\n`;

function check(source: string): CheckResult {
  const { parsed, errors } = parsePolicy(source, FILE);
  expect(errors).toEqual([]);
  const schema = validatePolicySchema(parsed);
  if (!schema.ok) throw new Error(schema.errors.map((e) => e.format()).join('\n'));
  return checkPolicy(schema.value, parsed);
}

const formats = (list: { format(): string }[]): string[] => list.map((e) => e.format());

describe('checkPolicy', () => {
  it('finds nothing wrong in a sound policy', () => {
    const result = check(policy(
      '  - name: cheap',
      '    match: { model: cheap }',
      '    candidates: [gpt-4o-mini, gpt-4o]',
      '  - name: default',
      '    candidates: [gpt-4o]',
    ));
    expect(result).toEqual({ errors: [], warnings: [] });
  });

  it('reports a model whose provider is not declared, at the provider value', () => {
    const source = policy('  - name: a', '    candidates: [gpt-4o]').replace('    provider: openai\n    price: { input: 2.5', '    provider: azure\n    price: { input: 2.5');
    expect(formats(check(source).errors)).toEqual([
      `${FILE}:13:15: SY_POLICY_UNKNOWN_PROVIDER: model "gpt-4o" names provider "azure", which is not declared under providers (declared: openai)`,
    ]);
  });

  it('suggests the declared provider a typo meant', () => {
    const source = policy('  - name: a', '    candidates: [gpt-4o]').replace('    provider: openai\n    price: { input: 0.15', '    provider: opnai\n    price: { input: 0.15');
    const [error] = check(source).errors;
    expect(error?.message).toContain('(did you mean "openai"?)');
    expect([error?.line, error?.col, error?.path]).toEqual([9, 15, 'models.gpt-4o-mini.provider']);
  });

  it('reports an undeclared candidate at that candidate', () => {
    const result = check(policy('  - name: smart', '    candidates: [gpt-4o, llama-3, gpt-4o-mni]'));
    expect(formats(result.errors)).toEqual([
      `${FILE}:18:26: SY_POLICY_UNKNOWN_MODEL: route "smart" lists candidate "llama-3", which is not declared under models (declared: gpt-4o-mini, gpt-4o)`,
      `${FILE}:18:35: SY_POLICY_UNKNOWN_MODEL: route "smart" lists candidate "gpt-4o-mni", which is not declared under models (did you mean "gpt-4o-mini"?)`,
    ]);
    expect(result.errors.map((e) => e.path)).toEqual(['routes[0].candidates[1]', 'routes[0].candidates[2]']);
  });

  it('does not take an inherited property name for a declared model', () => {
    const result = check(policy('  - name: a', '    candidates: [constructor]'));
    expect(result.errors.map((e) => e.code)).toEqual(['SY_POLICY_UNKNOWN_MODEL']);
  });

  it('reports a candidate listed twice at its second mention', () => {
    expect(formats(check(policy('  - name: a', '    candidates: [gpt-4o, gpt-4o-mini, gpt-4o]')).errors)).toEqual([
      `${FILE}:18:39: SY_POLICY_DUPLICATE_CANDIDATE: route "a" lists candidate "gpt-4o" twice`,
    ]);
  });

  it('reports a reused route name at the second name, citing the first route', () => {
    const result = check(policy(
      '  - name: cheap',
      '    match: { model: cheap }',
      '    candidates: [gpt-4o-mini]',
      '  - name: cheap',
      '    match: { model: fast }',
      '    candidates: [gpt-4o]',
    ));
    expect(formats(result.errors)).toEqual([
      `${FILE}:20:11: SY_POLICY_DUPLICATE_ROUTE: route name "cheap" is already used by the route at line 17`,
    ]);
    expect(result.errors[0]?.path).toBe('routes[1].name');
  });

  it('refuses a route after a catch-all, which can never match', () => {
    const result = check(policy(
      '  - name: everything',
      '    candidates: [gpt-4o-mini]',
      '  - name: cheap',
      '    match: { model: cheap }',
      '    candidates: [gpt-4o]',
    ));
    expect(result.warnings).toEqual([]);
    expect(formats(result.errors)).toEqual([
      `${FILE}:19:5: SY_POLICY_SHADOWED_ROUTE: route "cheap" can never match: route "everything" (line 17) comes first and matches every request this one matches; move it up or narrow the earlier match`,
    ]);
    expect(result.errors[0]?.severity).toBe('error');
  });

  it('refuses a route when an earlier one matches the same models with fewer metadata conditions', () => {
    const result = check(policy(
      '  - name: auto',
      '    match: { model: [auto, cheap] }',
      '    candidates: [gpt-4o-mini]',
      '  - name: auto-free',
      '    match: { model: auto, metadata: { tier: free } }',
      '    candidates: [gpt-4o]',
    ));
    expect(result.errors.map((w) => [w.code, w.line, w.col, w.path])).toEqual([['SY_POLICY_SHADOWED_ROUTE', 20, 5, 'routes[1]']]);
  });

  it('refuses a route when earlier routes between them cover every alias of it', () => {
    const result = check(policy(
      '  - name: a',
      '    match: { model: a }',
      '    candidates: [gpt-4o-mini]',
      '  - name: b',
      '    match: { model: b, metadata: { tier: free } }',
      '    candidates: [gpt-4o]',
      '  - name: both',
      '    match: { model: [a, b], metadata: { tier: free } }',
      '    candidates: [gpt-4o]',
      '  - name: both-any-tier',
      '    match: { model: [a, b] }',
      '    candidates: [gpt-4o]',
    ));
    expect(formats(result.errors)).toEqual([
      `${FILE}:23:5: SY_POLICY_SHADOWED_ROUTE: route "both" can never match: routes "a" (line 17), "b" (line 20) come first and between them match every request this one matches; move it up or narrow the earlier match`,
    ]);
  });

  it('accepts a route that still matches something new', () => {
    const result = check(policy(
      '  - name: free',
      '    match: { model: auto, metadata: { tier: free } }',
      '    candidates: [gpt-4o-mini]',
      '  - name: auto',
      '    match: { model: [auto, smart] }',
      '    candidates: [gpt-4o]',
      '  - name: paid',
      '    match: { metadata: { tier: paid } }',
      '    candidates: [gpt-4o]',
      '  - name: rest',
      '    candidates: [gpt-4o]',
    ));
    expect(result).toEqual({ errors: [], warnings: [] });
  });

  it('compares metadata as written, so 007 and 7 are different conditions', () => {
    const result = check(policy(
      '  - name: a',
      '    match: { metadata: { level: 007 } }',
      '    candidates: [gpt-4o]',
      '  - name: b',
      '    match: { metadata: { level: 7 } }',
      '    candidates: [gpt-4o]',
      '  - name: c',
      '    match: { metadata: { level: "007" } }',
      '    candidates: [gpt-4o]',
    ));
    expect(result.errors.map((w) => w.path)).toEqual(['routes[2]']);
  });

  it('does not call a route shadowed by an earlier one with a narrower range or a condition', () => {
    const result = check(policy(
      '  - name: hard',
      '    match: { model: auto, complexity: { min: 0.6 } }',
      '    candidates: [gpt-4o]',
      '  - name: long',
      '    match: { model: auto, prompt_tokens: { min: 8000 } }',
      '    candidates: [gpt-4o]',
      '  - name: tools',
      '    match: { model: auto }',
      '    when: request.tools',
      '    candidates: [gpt-4o]',
      '  - name: auto',
      '    match: { model: auto }',
      '    candidates: [gpt-4o-mini]',
    ));
    expect(result).toEqual({ errors: [], warnings: [] });
  });

  it('calls a route shadowed by an earlier one with the same condition and a wider range', () => {
    const result = check(policy(
      '  - name: a',
      '    match: { model: auto, complexity: { min: 0.5 } }',
      '    when: request.tools',
      '    candidates: [gpt-4o]',
      '  - name: b',
      '    match: { model: auto, complexity: { min: 0.7, max: 0.9 } }',
      '    when: "request.tools  "',
      '    candidates: [gpt-4o-mini]',
    ));
    expect(result.errors.map((e) => [e.code, e.path])).toEqual([['SY_POLICY_SHADOWED_ROUTE', 'routes[1]']]);
  });

  it('refuses a fallback to an undeclared route, suggesting the one meant', () => {
    const result = check(policy(
      '  - name: cheap',
      '    match: { model: cheap }',
      '    fallback: smrt',
      '    candidates: [gpt-4o-mini]',
      '  - name: smart',
      '    match: { model: smart }',
      '    candidates: [gpt-4o]',
    ));
    expect(formats(result.errors)).toEqual([
      `${FILE}:19:15: SY_POLICY_UNKNOWN_ROUTE: route "cheap" falls back to "smrt", which is not a route of this policy (did you mean "smart"?)`,
    ]);
  });

  it('refuses fallbacks that lead back to their start, once per cycle, at the cycle\'s first route', () => {
    const result = check(policy(
      '  - name: a',
      '    match: { model: a }',
      '    fallback: b',
      '    candidates: [gpt-4o-mini]',
      '  - name: b',
      '    match: { model: b }',
      '    fallback: c',
      '    candidates: [gpt-4o]',
      '  - name: c',
      '    match: { model: c }',
      '    fallback: a',
      '    candidates: [gpt-4o]',
      '  - name: d',
      '    match: { model: d }',
      '    fallback: a',
      '    candidates: [gpt-4o]',
    ));
    expect(formats(result.errors)).toEqual([
      `${FILE}:19:15: SY_POLICY_FALLBACK_CYCLE: routes fall back in a cycle: "a" (line 17) -> "b" (line 21) -> "c" (line 25) -> "a" (line 17); a request would never run out of candidates to try`,
    ]);
  });

  it('refuses a route that falls back to itself', () => {
    const result = check(policy('  - name: a', '    fallback: a', '    candidates: [gpt-4o]'));
    expect(result.errors.map((e) => [e.code, e.line, e.col])).toEqual([['SY_POLICY_FALLBACK_CYCLE', 18, 15]]);
  });

  it('refuses strategy settings that do not fit the strategy', () => {
    const result = check(policy(
      '  - name: a',
      '    match: { model: a }',
      '    weights: { gpt-4o: 1 }',
      '    candidates: [gpt-4o]',
      '  - name: b',
      '    match: { model: b }',
      '    strategy: weighted',
      '    candidates: [gpt-4o]',
      '  - name: c',
      '    match: { model: c }',
      '    strategy: weighted',
      '    weights: { gpt-4o: 3, gpt-4o-mni: 1 }',
      '    candidates: [gpt-4o, gpt-4o-mini]',
      '  - name: d',
      '    match: { model: d }',
      '    max_tokens: { default: 4096, max: 1024 }',
      '    candidates: [gpt-4o]',
    ));
    expect(result.errors.map((e) => [e.code, e.line, e.col, e.message.slice(0, 30)])).toEqual([
      ['SY_POLICY_STRATEGY', 19, 5, 'route "a" sets weights but its'],
      ['SY_POLICY_STRATEGY', 23, 15, 'route "b" has strategy weighte'],
      ['SY_POLICY_STRATEGY', 28, 27, 'route "c" weighs "gpt-4o-mni",'],
      ['SY_POLICY_STRATEGY', 28, 5, 'route "c" has no weight for "g'],
      ['SY_POLICY_STRATEGY', 32, 28, 'route "d" sets max_tokens.defa'],
    ]);
  });
});

describe('routeMatch', () => {
  it('normalises the match: absent model is any, one alias is a list, values are strings as written', () => {
    const source = policy(
      '  - name: a',
      '    match: { model: auto, metadata: { tier: free, beta: true, level: 1.0 } }',
      '    candidates: [gpt-4o]',
      '  - name: b',
      '    candidates: [gpt-4o]',
    );
    const { parsed } = parsePolicy(source, FILE);
    const schema = validatePolicySchema(parsed);
    if (!schema.ok) throw new Error('fixture is invalid');
    expect(routeMatch(schema.value.routes[0]!, 0, parsed)).toEqual({
      models: ['auto'],
      metadata: [['tier', 'free'], ['beta', 'true'], ['level', '1.0']],
      complexity: [0, 1],
      promptTokens: [0, 0xffffffff],
      when: null,
    });
    expect(routeMatch(schema.value.routes[1]!, 1, parsed)).toMatchObject({ models: [], metadata: [] });
  });
});

describe('looksLikeSecret', () => {
  it.each([
    'sk-proj-abc123',
    'sk-ant-api03-xyz',
    'sk_live_abc',
    'AIzaSyD-abcdefghijklmnop',
    'gsk_abcdef',
    'Bearer abc.def',
    'aB3dE5fG7hJ9kL1mN3pQ5rS7',
    '3f9ac01b4e7d2a8c6b5e9f0a1d2c3b4a',
  ])('takes %s for a credential', (value) => {
    expect(looksLikeSecret(value)).toBe(true);
  });

  it.each([
    'OPENAI_API_KEY',
    'MY_VERY_LONG_PROVIDER_API_KEY_FOR_PRODUCTION_2',
    'openai_api_key',
    'my_long_lowercase_env_variable_name',
    'OpenAiKey',
    'key',
  ])('takes %s for a (maybe misspelt) variable name', (value) => {
    expect(looksLikeSecret(value)).toBe(false);
  });
});

describe('findInlineSecrets', () => {
  const secretsIn = (source: string) => findInlineSecrets(parsePolicy(source, FILE).parsed);

  it('reports a key pasted into api_key_env at the value, without repeating it', () => {
    const errors = secretsIn(policy().replace('api_key_env: OPENAI_API_KEY', 'api_key_env: sk-proj-Abc123Def456'));
    expect(errors.map((e) => [e.code, `${e.line}:${e.col}`, e.path])).toEqual([['SY_POLICY_INLINE_SECRET', '6:18', 'providers.openai.api_key_env']]);
    expect(errors[0]?.message).toContain('credentials come from environment variable names only');
    expect(errors[0]?.message).toContain('OPENAI_API_KEY');
    expect(errors[0]?.message).not.toContain('Abc123');
  });

  it('reports credentials embedded in base_url', () => {
    const withUser = secretsIn(policy().replace('https://api.openai.com/v1', 'https://me:hunter2@api.openai.com/v1'));
    const withQuery = secretsIn(policy().replace('https://api.openai.com/v1', 'https://generativelanguage.example/v1?key=AIzaXYZ'));
    expect(withUser.map((e) => [e.code, `${e.line}:${e.col}`])).toEqual([['SY_POLICY_INLINE_SECRET', '5:15']]);
    expect(withQuery.map((e) => e.code)).toEqual(['SY_POLICY_INLINE_SECRET']);
    expect(withUser[0]?.message).not.toContain('hunter2');
  });

  it('finds nothing in a policy that names variables, and survives a malformed document', () => {
    expect(secretsIn(policy())).toEqual([]);
    expect(secretsIn('providers: [1, 2]\n')).toEqual([]);
    expect(secretsIn('providers:\n  x: 3\n')).toEqual([]);
  });
});

describe('checkPolicy: budgets', () => {
  it('refuses a budget with two limits or none, a reused name, and a downgrade to nowhere', () => {
    const result = check(`${policy('  - name: cheap', '    match: { model: cheap }', '    candidates: [gpt-4o-mini]')}budgets:
  - { name: a, scope: team, window: day, limit_usd: 1, limit_tokens: 5 }
  - { name: a, scope: team, window: day }
  - { name: c, scope: key, window: month, limit_usd: 5, on_exceed: downgrade, downgrade_to: chep }
  - { name: d, scope: global, match: x, window: 24h, limit_usd: 5 }
`);
    expect(result.errors.map((e) => [e.code, e.line, e.message.slice(0, 20)])).toEqual([
      ['SY_POLICY_BUDGET', 21, 'budget \"a\" needs exa'],
      ['SY_POLICY_BUDGET', 22, 'budget \"a\" needs exa'],
      ['SY_POLICY_BUDGET', 22, 'budget name \"a\" is u'],
      ['SY_POLICY_UNKNOWN_ROUTE', 23, 'budget \"c\" downgrade'],
      ['SY_POLICY_BUDGET', 24, 'budget \"d\" has scope'],
    ]);
  });
});

describe('checkPolicy: model types', () => {
  it('refuses an embedding model on an Anthropic-kind provider, at its type', () => {
    const source = policy('  - name: a', '    candidates: [gpt-4o]')
      .replace('  openai:\n    kind: openai', '  openai:\n    kind: anthropic')
      .replace('  gpt-4o-mini:\n    provider: openai', '  gpt-4o-mini:\n    provider: openai\n    type: embedding');
    expect(check(source).errors.map((e) => [e.code, e.line, e.col])).toEqual([['SY_POLICY_BAD_VALUE', 10, 11]]);
  });
});

describe('checkPolicy: warnings', () => {
  it('warns, at the candidate, of one its own route always excludes: a missing required capability or a quality below the floor', () => {
    const source = policy(
      '  - name: a', //                                           17
      '    require: { capabilities: [tools], min_quality: 4 }', // 18
      '    candidates: [gpt-4o, gpt-4o-mini]', //                 19
    ).replace('    context_window: 128000\n  gpt-4o:', '    context_window: 128000\n    capabilities: [json_mode]\n    quality: 4\n  gpt-4o:');
    const result = check(source);
    expect(result.errors).toEqual([]);
    expect(result.warnings.every((w) => w.severity === 'warning')).toBe(true);
    // gpt-4o keeps the default quality 3 (below 4); gpt-4o-mini has quality 4 but no tools.
    expect(formats(result.warnings)).toEqual([
      `${FILE}:21:18: warning: SY_POLICY_NEVER_ELIGIBLE: route "a" can never use candidate "gpt-4o": the route requires min_quality 4 and the model's quality is 3 (the default)`,
      `${FILE}:21:26: warning: SY_POLICY_NEVER_ELIGIBLE: route "a" can never use candidate "gpt-4o-mini": the route requires tools, which the model does not list in its capabilities; add the capability to the model if it has it, or drop the candidate`,
    ]);
  });

  it('warns of a provider no model uses, at its name; a model in no route is not unused (model:<name> reaches it)', () => {
    const source = policy('  - name: a', '    candidates: [gpt-4o]')
      .replace('models:\n', 'models:\n  spare-model:\n    provider: spare\n    price: { input: 1, output: 1 }\n    context_window: 1000\n')
      .replace('    api_key_env: OPENAI_API_KEY\n', '    api_key_env: OPENAI_API_KEY\n  spare:\n    kind: openai\n    base_url: https://example.com/v1\n    api_key_env: SPARE_KEY\n  unused:\n    kind: openai\n    base_url: https://example.com/v1\n    api_key_env: UNUSED_KEY\n');
    const result = check(source);
    expect(result.errors).toEqual([]);
    expect(formats(result.warnings)).toEqual([
      `${FILE}:11:3: warning: SY_POLICY_UNUSED_PROVIDER: provider "unused" is declared but no model uses it; remove it or name it in a model's provider`,
    ]);
  });
});
