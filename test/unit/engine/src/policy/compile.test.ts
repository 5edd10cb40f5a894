import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPolicyFile, checkPolicySource, compilePolicySource, MAX_REPORTED } from '../../../../../engine/src/policy/compile.js';
import * as abi from '../../../../../engine/src/abi.js';
import type { CompileResult } from '../../../../../engine/src/policy/compile.js';
import type { Policy } from '../../../../../engine/src/policy/types.js';

const FILE = 'policies/team.yaml';
const SOURCE = `${[
  '# A small policy: cheap traffic to gpt-4o-mini, the rest to Claude.', //  1
  'version: 1', //                                                          2
  'providers:', //                                                          3
  '  openai:', //                                                           4
  '    kind: openai', //                                                    5
  '    base_url: https://api.openai.com/v1', //                             6
  '    base_url_env: OPENAI_BASE_URL', //                                   7
  '    api_key_env: OPENAI_API_KEY', //                                     8
  '  anthropic:', //                                                        9
  '    kind: anthropic', //                                                10
  '    base_url: https://api.anthropic.com', //                            11
  '    api_key_env: ANTHROPIC_API_KEY', //                                 12
  'models:', //                                                            13
  '  gpt-4o-mini:', //                                                     14
  '    provider: openai', //                                               15
  '    price: { input: 0.15, output: 0.60 }', //                           16
  '    context_window: 128000', //                                         17
  '  claude-haiku:', //                                                    18
  '    provider: anthropic', //                                            19
  '    upstream: claude-3-5-haiku-latest', //                              20
  '    price:', //                                                         21
  '      input: 0.8', //                                                   22
  '      output: 4', //                                                    23
  '    context_window: 200000', //                                         24
  'routes:', //                                                            25
  '  - name: free-tier', //                                                26
  '    match:', //                                                         27
  '      model: [cheap, auto]', //                                         28
  '      metadata: { tier: free, level: 007, beta: true }', //             29
  '    candidates: [gpt-4o-mini]', //                                      30
  '  - name: default', //                                                  31
  '    candidates: [claude-haiku, gpt-4o-mini]', //                        32
].join('\n')}\n`;

function errorsOf(result: CompileResult): string[] {
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors.map((e) => e.format());
}

/** What a route the policy does not tune gets. */
const ROUTE_DEFAULTS = {
  when: null, strategy: 'ordered', minQuality: 1, maxCostUsd: Infinity, requiredCapabilities: [], maxLatencyMs: null,
  weights: [], splitBy: 'caller', maxTokensDefault: null, maxTokensMax: null, retries: 1, fallback: null, tier: 'realtime',
  expectedCachedShare: 0,
} as const;

describe('checkPolicySource', () => {
  it('builds the checked Policy from a valid source', () => {
    const result = checkPolicySource(SOURCE, FILE);
    const at = (line: number, col: number) => ({ file: FILE, line, col });
    const expected: Policy = {
      file: FILE,
      hash: createHash('sha256').update(SOURCE).digest('hex'),
      providers: [
        { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', baseUrlEnv: 'OPENAI_BASE_URL', apiKeyEnv: 'OPENAI_API_KEY', batchDiscount: 0, loc: at(4, 3) },
        { name: 'anthropic', kind: 'anthropic', baseUrl: 'https://api.anthropic.com', baseUrlEnv: null, apiKeyEnv: 'ANTHROPIC_API_KEY', batchDiscount: 0, loc: at(9, 3) },
      ],
      models: [
        { name: 'gpt-4o-mini', provider: 'openai', upstream: 'gpt-4o-mini', inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.15, cacheWritePerMTok: 0.15, batchDiscount: 0, contextWindow: 128000, maxOutputTokens: 128000, capabilities: ['tools', 'vision', 'json_mode', 'logprobs', 'multiple_choices'], type: 'chat', quality: 3, tokenizer: 'o200k_base', charsPerToken: 4, imageBaseTokens: 85, imageTileTokens: 170, loc: at(14, 3) },
        { name: 'claude-haiku', provider: 'anthropic', upstream: 'claude-3-5-haiku-latest', inputPerMTok: 0.8, outputPerMTok: 4, cachedInputPerMTok: 0.8, cacheWritePerMTok: 0.8, batchDiscount: 0, contextWindow: 200000, maxOutputTokens: 200000, capabilities: ['tools', 'vision'], type: 'chat', quality: 3, tokenizer: 'estimate', charsPerToken: 3.5, imageBaseTokens: 85, imageTileTokens: 170, loc: at(18, 3) },
      ],
      routes: [
        {
          name: 'free-tier',
          matchModels: ['cheap', 'auto'],
          matchMetadata: [['tier', 'free'], ['level', '007'], ['beta', 'true']],
          matchComplexity: [0, 1],
          matchPromptTokens: [0, 0xffffffff],
          candidates: ['gpt-4o-mini'],
          expectedOutputTokens: 256,
          ...ROUTE_DEFAULTS,
          loc: at(26, 5),
        },
        {
          name: 'default', matchModels: [], matchMetadata: [], matchComplexity: [0, 1], matchPromptTokens: [0, 0xffffffff],
          candidates: ['claude-haiku', 'gpt-4o-mini'], expectedOutputTokens: 256, ...ROUTE_DEFAULTS, loc: at(31, 5),
        },
      ],
      complexityWeights: {},
      limits: { maxAttemptsPerRequest: 12, maxCostPerRequestUsd: Infinity },
      defaultRetries: 1,
    };
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { conditions, recording, resilience, budgets, budgetStore, ...policy } = result.policy;
    expect([budgets, budgetStore]).toEqual([[], { onUnreachable: 'closed', reservationTtlS: 600 }]);
    expect(resilience.retry.budgetRatio).toBe(0.2);
    expect(recording).toEqual({ path: null, redaction: 'counts', maxBytes: 100 * 1024 * 1024, keep: 5 });
    expect(policy).toEqual(expected);
    expect(result.warnings).toEqual([]);
    // No conditions: an empty section that the core loads as zero expressions.
    expect(conditions.layout.strSlots.length + conditions.layout.numSlots.length).toBeGreaterThan(0);
  });

  it('is pure: the same text gives the same policy, and any change gives a new hash', () => {
    const a = checkPolicySource(SOURCE, FILE);
    const b = checkPolicySource(SOURCE, FILE);
    const c = checkPolicySource(SOURCE.replace('# A small', '# A tiny'), FILE);
    expect(a).toEqual(b);
    expect(a.ok && c.ok && a.policy.hash !== c.policy.hash).toBe(true);
  });

  it('keeps the source order of models, even one named like a number', () => {
    const source = SOURCE.replace('  claude-haiku:', '  "4":');
    const result = checkPolicySource(source.replace('[claude-haiku, gpt-4o-mini]', '["4", gpt-4o-mini]'), FILE);
    expect(result.ok && result.policy.models.map((m) => m.name)).toEqual(['gpt-4o-mini', '4']);
  });

  it('stops at a YAML syntax error with its position', () => {
    expect(errorsOf(checkPolicySource(SOURCE.replace('[claude-haiku, gpt-4o-mini]', '[claude-haiku, gpt-4o-mini'), FILE))).toEqual([
      `${FILE}:32:17: SY_POLICY_YAML_SYNTAX: this flow list opened with "[" is never closed with "]"`,
    ]);
  });

  it('stops at a tab indentation error with its position', () => {
    expect(errorsOf(checkPolicySource(SOURCE.replace('    kind: anthropic', '\tkind: anthropic'), FILE))).toEqual([
      `${FILE}:10:1: SY_POLICY_YAML_SYNTAX: Tabs are not allowed as indentation`,
    ]);
  });

  it('reports duplicate keys at the second key', () => {
    expect(errorsOf(checkPolicySource(SOURCE.replace('    context_window: 200000', '    context_window: 200000\n    provider: openai'), FILE))).toEqual([
      `${FILE}:25:5: SY_POLICY_DUPLICATE_KEY: key "provider" appears twice in the same map`,
    ]);
  });

  it('reports an unknown field and a wrong type at their nodes, and skips meaning checks until the shape is right', () => {
    const source = SOURCE.replace('      output: 4', '      output: four\n      cached: 0.1').replace('[gpt-4o-mini]', '[gpt-5]');
    expect(errorsOf(checkPolicySource(source, FILE))).toEqual([
      `${FILE}:23:15: SY_POLICY_BAD_TYPE: models.claude-haiku.price.output must be a number, not "four"`,
      `${FILE}:24:7: SY_POLICY_UNKNOWN_FIELD: unknown field "cached" in models.claude-haiku.price; allowed fields: input, output, cached_input, cache_write, batch_discount`,
    ]);
  });

  it('reports a missing required field at the key of its object', () => {
    expect(errorsOf(checkPolicySource(SOURCE.replace('    context_window: 128000\n', ''), FILE))).toEqual([
      `${FILE}:14:3: SY_POLICY_MISSING_FIELD: models.gpt-4o-mini is missing the required field "context_window"`,
    ]);
  });

  it('reports an unknown provider and an unknown candidate model, sorted by position', () => {
    const source = SOURCE.replace('[claude-haiku, gpt-4o-mini]', '[claude-haiku, mistral-large]').replace('provider: anthropic', 'provider: anthropik');
    expect(errorsOf(checkPolicySource(source, FILE))).toEqual([
      `${FILE}:19:15: SY_POLICY_UNKNOWN_PROVIDER: model "claude-haiku" names provider "anthropik", which is not declared under providers (did you mean "anthropic"?)`,
      `${FILE}:32:32: SY_POLICY_UNKNOWN_MODEL: route "default" lists candidate "mistral-large", which is not declared under models (declared: gpt-4o-mini, claude-haiku)`,
    ]);
  });

  it('reports an inline secret as such, once, without quoting it', () => {
    const result = checkPolicySource(SOURCE.replace('api_key_env: ANTHROPIC_API_KEY', 'api_key_env: sk-ant-api03-Xq7ZpL9wT4'), FILE);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, `${e.file}:${e.line}:${e.col}`, e.path])).toEqual([
      ['SY_POLICY_INLINE_SECRET', `${FILE}:12:18`, 'providers.anthropic.api_key_env'],
    ]);
    expect(result.errors[0]?.message).toMatch(/credentials come from environment variable names only/);
    expect(JSON.stringify(result)).not.toContain('Xq7ZpL9wT4');
  });

  it('reports an inline secret alongside other schema errors, all in source order', () => {
    const source = SOURCE.replace('api_key_env: ANTHROPIC_API_KEY', 'api_key_env: sk-live-123').replace('    kind: openai', '    kind: azure');
    expect(errorsOf(checkPolicySource(source, FILE)).map((line) => line.split(': ').slice(0, 2).join(': '))).toEqual([
      `${FILE}:5:11: SY_POLICY_BAD_VALUE`,
      `${FILE}:12:18: SY_POLICY_INLINE_SECRET`,
    ]);
  });

  it('refuses a route that can never match', () => {
    const result = checkPolicySource(`${SOURCE}  - name: late\n    match: { model: auto }\n    candidates: [gpt-4o-mini]\n`, FILE);
    expect(errorsOf(result)).toEqual([
      `${FILE}:33:5: SY_POLICY_SHADOWED_ROUTE: route "late" can never match: route "default" (line 31) comes first and matches every request this one matches; move it up or narrow the earlier match`,
    ]);
  });

  it('refuses a condition that does not type-check, pointing inside it', () => {
    const source = SOURCE.replace('    candidates: [claude-haiku, gpt-4o-mini]', '    when: request.tokens.prompt > "many"\n    candidates: [claude-haiku, gpt-4o-mini]');
    const [error] = errorsOf(checkPolicySource(source, FILE));
    expect(error).toMatch(new RegExp(`^${FILE}:32:\\d+: SY_POLICY_EXPR_TYPE: `));
    expect(Number(error!.split(':')[2])).toBeGreaterThan(11);
  });

  it(`sorts errors by position and caps them at ${MAX_REPORTED}, saying how many more there are`, () => {
    const extra = Array.from({ length: 30 }, (_, i) => `f${String(29 - i).padStart(2, '0')}: 1`).join('\n');
    const result = checkPolicySource(`${extra}\n${SOURCE}`, FILE);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(MAX_REPORTED);
    expect(result.errors.map((e) => e.line)).toEqual(Array.from({ length: MAX_REPORTED }, (_, i) => i + 1));
    expect(result.errors.slice(0, -1).every((e) => e.code === 'SY_POLICY_UNKNOWN_FIELD')).toBe(true);
    expect(result.errors[0]?.message).toMatch(/^unknown field "f29"/);
    expect(result.errors.at(-1)?.format()).toBe(`${FILE}:20:1: SY_POLICY_TOO_MANY_ERRORS: 11 more not shown; fix the ones above and check again`);
  });
});

describe('checkPolicyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-compile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and checks a policy file, naming it in every location', () => {
    const path = join(dir, 'policy.yaml');
    writeFileSync(path, SOURCE);
    const result = checkPolicyFile(path);
    expect(result.ok && result.policy.file).toBe(path);
    expect(result.ok && result.policy.routes[1]?.loc).toEqual({ file: path, line: 31, col: 5 });
  });

  it('reports a missing file as SY_POLICY_READ at file:1:1', () => {
    const path = join(dir, 'absent.yaml');
    expect(errorsOf(checkPolicyFile(path))).toEqual([`${path}:1:1: SY_POLICY_READ: cannot read the policy: no such file`]);
  });

  it('reports a directory as SY_POLICY_READ too', () => {
    const result = checkPolicyFile(dir);
    expect(result.ok === false && result.errors.map((e) => [e.code, e.line, e.col])).toEqual([['SY_POLICY_READ', 1, 1]]);
  });
});

describe('image_tokens: the tile form or the patch form', () => {
  /** SOURCE with `image_tokens: <value>` on gpt-4o-mini, at line 18. */
  const withImageTokens = (value: string): string =>
    SOURCE.replace('    context_window: 128000\n', `    context_window: 128000\n    image_tokens: ${value}\n`);
  const modelOf = (result: CompileResult, name: string): Policy['models'][number] => {
    if (!result.ok) throw new Error(result.errors.map((e) => e.format()).join('\n'));
    return result.policy.models.find((m) => m.name === name)!;
  };

  it('compiles the patch form to a multiplier in hundredths, and lowers it into the model record', () => {
    const gpt = modelOf(checkPolicySource(withImageTokens('{ patch_multiplier: 1.62 }'), FILE), 'gpt-4o-mini');
    expect(gpt).toMatchObject({ imagePatchMultiplier: 162, imageBaseTokens: 0, imageTileTokens: 0 });
    const compiled = compilePolicySource(withImageTokens('{ patch_multiplier: 2.46 }'), FILE);
    if (!compiled.ok) throw new Error('policy');
    const view = new DataView(compiled.compiled.program.buffer, compiled.compiled.program.byteOffset);
    expect(view.getUint32(abi.PROGRAM_HEADER_SIZE + abi.PM_IMAGE_PATCH_MULT, true)).toBe(246);
    // The other model keeps the tile formula: multiplier 0 in its record.
    expect(view.getUint32(abi.PROGRAM_HEADER_SIZE + abi.PROGRAM_MODEL_SIZE + abi.PM_IMAGE_PATCH_MULT, true)).toBe(0);
    expect(view.getUint32(abi.PROGRAM_HEADER_SIZE + abi.PROGRAM_MODEL_SIZE + abi.PM_IMAGE_TILE, true)).toBe(170);
  });

  it('keeps the tile form as it was, with no multiplier', () => {
    const gpt = modelOf(checkPolicySource(withImageTokens('{ base: 70, tile: 140 }'), FILE), 'gpt-4o-mini');
    expect(gpt).toMatchObject({ imageBaseTokens: 70, imageTileTokens: 140 });
    expect(gpt.imagePatchMultiplier).toBeUndefined();
  });

  it.each([
    ['{ base: 85, tile: 170, patch_multiplier: 1.62 }', `${FILE}:18:21: SY_POLICY_BAD_VALUE: model "gpt-4o-mini": image_tokens has both the patch form (patch_multiplier) and the tile form (base, tile); write one of them`],
    ['{ patch_multiplier: 0 }', `${FILE}:18:39: SY_POLICY_OUT_OF_RANGE: models.gpt-4o-mini.image_tokens.patch_multiplier must be more than 0, not 0`],
    ['{ patch_multiplier: -1.5 }', `${FILE}:18:39: SY_POLICY_OUT_OF_RANGE: models.gpt-4o-mini.image_tokens.patch_multiplier must be more than 0, not -1.5`],
    ['{ patch_multiplier: 1.625 }', `${FILE}:18:39: SY_POLICY_BAD_VALUE: model "gpt-4o-mini": image_tokens.patch_multiplier 1.625 has more than two decimals; write it in hundredths (like 1.62)`],
    ['{ base: 85 }', `${FILE}:18:5: SY_POLICY_MISSING_FIELD: models.gpt-4o-mini.image_tokens is missing tile`],
    ['{}', `${FILE}:18:5: SY_POLICY_MISSING_FIELD: models.gpt-4o-mini.image_tokens is missing base and tile (the tile form), or patch_multiplier (the patch form)`],
  ])('refuses image_tokens %s at its position', (value, error) => {
    expect(errorsOf(checkPolicySource(withImageTokens(value), FILE))).toEqual([error]);
  });
});
