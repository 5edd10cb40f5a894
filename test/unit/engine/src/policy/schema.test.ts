import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PolicyError } from '../../../../../engine/src/errors.js';
import { parsePolicy } from '../../../../../engine/src/policy/parse.js';
import { closestName, validatePolicySchema } from '../../../../../engine/src/policy/schema.js';

const FILE = 'p.yaml';
const VALID = [
  'version: 1', //                                  1
  'providers:', //                                  2
  '  openai:', //                                   3
  '    kind: openai', //                            4
  '    base_url: https://api.openai.com/v1', //     5
  '    api_key_env: OPENAI_API_KEY', //             6
  'models:', //                                     7
  '  gpt-4o-mini:', //                              8
  '    provider: openai', //                        9
  '    price:', //                                 10
  '      input: 0.15', //                          11
  '      output: 0.6', //                          12
  '    context_window: 128000', //                 13
  'routes:', //                                    14
  '  - name: cheap', //                            15
  '    match:', //                                 16
  '      model: cheap', //                         17
  '    candidates: [gpt-4o-mini]', //              18
];

/** VALID with line `n` (1-based) replaced by `text`; `null` deletes it. */
function replace(n: number, text: string | null): string {
  const out = [...VALID];
  out.splice(n - 1, 1, ...(text === null ? [] : [text]));
  return `${out.join('\n')}\n`;
}

/** VALID with `text` inserted after line `n`. */
function insertAfter(n: number, text: string): string {
  const out = [...VALID];
  out.splice(n, 0, text);
  return `${out.join('\n')}\n`;
}

function schemaErrors(source: string): PolicyError[] {
  const result = validatePolicySchema(parsePolicy(source, FILE).parsed);
  return result.ok ? [] : result.errors;
}

describe('validatePolicySchema', () => {
  it('accepts a valid policy and hands back its data', () => {
    const result = validatePolicySchema(parsePolicy(`${VALID.join('\n')}\n`, FILE).parsed);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.models['gpt-4o-mini']?.context_window).toBe(128000);
  });

  // One unknown field per object level, each reported at the KEY, naming the allowed ones.
  it.each([
    ['root', 1, 'colour: blue', '2:1', 'colour', 'at the top level', 'version, limits, defaults, recording, resilience, budgets, budget_store, providers, models, routes, complexity'],
    ['provider', 4, '    region: us', '5:5', 'providers.openai.region', 'in providers.openai', 'kind, base_url, base_url_env, api_key_env, batch_discount'],
    ['model', 9, '    tier: 2', '10:5', 'models.gpt-4o-mini.tier', 'in models.gpt-4o-mini', 'provider, upstream, type, price, context_window, max_output_tokens, tokenizer, chars_per_token, image_tokens, capabilities, quality'],
    ['price', 11, '      cached: 0.1', '12:7', 'models.gpt-4o-mini.price.cached', 'in models.gpt-4o-mini.price', 'input, output, cached_input, cache_write, batch_discount'],
    ['route', 15, '    colour: red', '16:5', 'routes[0].colour', 'in routes[0]', 'name, match, when, strategy, require, weights, split_by, max_tokens, retries, fallback, tier, candidates, expected_output_tokens, expected_cached_share'],
    ['match', 17, '      team: search', '18:7', 'routes[0].match.team', 'in routes[0].match', 'model, metadata, complexity, prompt_tokens'],
  ])('reports an unknown field in the %s at its key', (_level, after, line, at, path, owner, allowed) => {
    const errors = schemaErrors(insertAfter(after, line));
    const key = line.trim().split(':')[0] ?? '';
    expect(errors).toHaveLength(1);
    expect(errors[0]?.format()).toBe(`${FILE}:${at}: SY_POLICY_UNKNOWN_FIELD: unknown field "${key}" ${owner}; allowed fields: ${allowed}`);
    expect(errors[0]?.path).toBe(path);
  });

  it('suggests the field a typo meant, and does not also report that field as missing', () => {
    const errors = schemaErrors(replace(6, '    api_key_envv: OPENAI_API_KEY'));
    expect(errors.map((e) => e.format())).toEqual([
      `${FILE}:6:5: SY_POLICY_UNKNOWN_FIELD: unknown field "api_key_envv" in providers.openai (did you mean "api_key_env"?); allowed fields: kind, base_url, base_url_env, api_key_env, batch_discount`,
    ]);
  });

  it('hints at api_key_env when a key is pasted under api_key', () => {
    const errors = schemaErrors(insertAfter(6, '    api_key: abc'));
    expect(errors[0]?.message).toMatch(/credentials come from environment variable names only/);
    expect(errors[0]?.message).not.toContain('abc');
  });

  it('reports a string where a number belongs at the value', () => {
    expect(schemaErrors(replace(13, '    context_window: 128k')).map((e) => e.format())).toEqual([
      `${FILE}:13:21: SY_POLICY_BAD_TYPE: models.gpt-4o-mini.context_window must be a whole number, not "128k"`,
    ]);
    expect(schemaErrors(replace(11, '      input: "0.15"')).map((e) => e.format())).toEqual([
      `${FILE}:11:14: SY_POLICY_BAD_TYPE: models.gpt-4o-mini.price.input must be a number, not "0.15"`,
    ]);
  });

  it('reports a missing required field at the key of the object that lacks it', () => {
    const errors = schemaErrors(replace(9, null));
    expect(errors.map((e) => e.format())).toEqual([
      `${FILE}:8:3: SY_POLICY_MISSING_FIELD: models.gpt-4o-mini is missing the required field "provider"`,
    ]);
    expect(errors[0]?.path).toBe('models.gpt-4o-mini');
  });

  it('names every missing field of one object in one message', () => {
    const errors = schemaErrors(replace(5, null).replace('    api_key_env: OPENAI_API_KEY\n', ''));
    expect(errors.map((e) => e.format())).toEqual([
      `${FILE}:3:3: SY_POLICY_MISSING_FIELD: providers.openai is missing the required fields "base_url" and "api_key_env"`,
    ]);
  });

  it('reports a route without a name at the list item', () => {
    expect(schemaErrors(replace(15, '  - candidates: [gpt-4o-mini]').replace('    candidates: [gpt-4o-mini]\n', '')).map((e) => e.format()))
      .toEqual([`${FILE}:15:5: SY_POLICY_MISSING_FIELD: routes[0] is missing the required field "name"`]);
  });

  it('reports a missing top-level section at the start of the document', () => {
    const source = `${VALID.slice(0, 13).join('\n')}\n`;
    expect(schemaErrors(source).map((e) => e.format())).toEqual([
      `${FILE}:1:1: SY_POLICY_MISSING_FIELD: the policy is missing the required field "routes"`,
    ]);
  });

  it('reports values outside their enum, const, pattern or range at the value', () => {
    expect(schemaErrors(replace(4, '    kind: openia')).map((e) => e.format())).toEqual([
      `${FILE}:4:11: SY_POLICY_BAD_VALUE: providers.openai.kind must be one of openai, anthropic, gemini, not "openia"`,
    ]);
    expect(schemaErrors(replace(1, 'version: 2')).map((e) => e.format())).toEqual([
      `${FILE}:1:10: SY_POLICY_BAD_VALUE: version must be 1, not 2`,
    ]);
    expect(schemaErrors(replace(5, '    base_url: api.openai.com/v1')).map((e) => e.format())).toEqual([
      `${FILE}:5:15: SY_POLICY_BAD_FORMAT: providers.openai.base_url must be an http:// or https:// URL, not "api.openai.com/v1"`,
    ]);
    expect(schemaErrors(replace(15, '  - name: Cheap')).map((e) => [e.code, `${e.line}:${e.col}`])).toEqual([
      ['SY_POLICY_BAD_FORMAT', '15:11'],
    ]);
    expect(schemaErrors(replace(12, '      output: -1')).map((e) => e.format())).toEqual([
      `${FILE}:12:15: SY_POLICY_OUT_OF_RANGE: models.gpt-4o-mini.price.output must be at least 0, not -1`,
    ]);
    expect(schemaErrors(replace(13, '    context_window: 0')).map((e) => [e.code, `${e.line}:${e.col}`])).toEqual([
      ['SY_POLICY_OUT_OF_RANGE', '13:21'],
    ]);
  });

  it('reports an empty candidate list as empty', () => {
    expect(schemaErrors(replace(18, '    candidates: []')).map((e) => e.format())).toEqual([
      `${FILE}:18:17: SY_POLICY_EMPTY: routes[0].candidates must not be empty`,
    ]);
  });

  it('does not quote the value of a credential-like field back', () => {
    const errors = schemaErrors(replace(6, '    api_key_env: openai_key'));
    expect(errors.map((e) => [e.code, `${e.line}:${e.col}`])).toEqual([['SY_POLICY_BAD_FORMAT', '6:18']]);
    expect(errors[0]?.message).not.toContain('openai_key');
  });

  it('collapses a failed anyOf into one message when no alternative has the right type', () => {
    expect(schemaErrors(replace(17, '      model: 3')).map((e) => e.format())).toEqual([
      `${FILE}:17:14: SY_POLICY_BAD_TYPE: routes[0].match.model must be a string or a list of strings, not 3`,
    ]);
  });

  it('reports the inner error of the alternative whose type fits, once per bad item', () => {
    const source = insertAfter(18, '  - name: other\n    match: { model: [a, 3] }\n    candidates: [gpt-4o-mini]')
      .replace('      model: cheap', '      model: [cheap, true]');
    expect(schemaErrors(source).map((e) => e.format())).toEqual([
      `${FILE}:17:22: SY_POLICY_BAD_TYPE: routes[0].match.model[1] must be a string, not true`,
      `${FILE}:20:25: SY_POLICY_BAD_TYPE: routes[1].match.model[1] must be a string, not 3`,
    ]);
  });

  it('allows metadata values that are strings, numbers or booleans, and nothing else', () => {
    expect(schemaErrors(insertAfter(17, '      metadata: { tier: free, level: 3, beta: true }'))).toEqual([]);
    expect(schemaErrors(insertAfter(17, '      metadata: { tier: [a] }')).map((e) => e.format())).toEqual([
      `${FILE}:18:25: SY_POLICY_BAD_TYPE: routes[0].match.metadata.tier must be a string, a number or true/false, not a list`,
    ]);
  });

  it('reports every problem in one run', () => {
    const source = insertAfter(1, 'colour: blue').replace('kind: openai', 'kind: x').replace('context_window: 128000', 'context_window: -5');
    expect(schemaErrors(source).map((e) => e.code).sort()).toEqual(['SY_POLICY_BAD_VALUE', 'SY_POLICY_OUT_OF_RANGE', 'SY_POLICY_UNKNOWN_FIELD']);
  });

  it('explains an empty file', () => {
    expect(schemaErrors('').map((e) => e.format())).toEqual([
      `${FILE}:1:1: SY_POLICY_BAD_TYPE: the policy is empty: it must be a map with version, providers, models and routes`,
    ]);
  });
});

describe('closestName', () => {
  it('finds a near miss and ignores far ones', () => {
    expect(closestName('gpt-4o-mni', ['gpt-4o', 'gpt-4o-mini'])).toBe('gpt-4o-mini');
    expect(closestName('claude', ['gpt-4o', 'gpt-4o-mini'])).toBeUndefined();
  });
});

describe('policies/schema.json', () => {
  const schema = JSON.parse(readFileSync(new URL('../../../../../policies/schema.json', import.meta.url), 'utf8')) as Schema;
  interface Schema {
    type?: string | string[];
    title?: string;
    description?: string;
    properties?: Record<string, Schema>;
    additionalProperties?: boolean | Schema;
    items?: Schema;
    anyOf?: Schema[];
  }
  const walk = (node: Schema, path: string, visit: (node: Schema, path: string) => void): void => {
    visit(node, path);
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${key}`, visit);
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}.*`, visit);
    if (node.items !== undefined) walk(node.items, `${path}[]`, visit);
    node.anyOf?.forEach((branch, i) => walk(branch, `${path}|${i}`, visit));
  };

  it('closes every fixed-shape object; only the four name-keyed maps take open keys', () => {
    const open: string[] = [];
    walk(schema, '$', (node, path) => {
      if (node.type !== 'object') return;
      expect(node.additionalProperties, path).toBeDefined();
      if (node.additionalProperties !== false) open.push(path);
    });
    expect(open).toEqual(['$.providers', '$.models', '$.routes[].match.metadata', '$.routes[].weights']);
  });

  it('gives every property a title and a description for editors', () => {
    walk(schema, '$', (node, path) => {
      if (path.includes('|')) return;
      expect(node.title, path).toBeTruthy();
      expect(node.description, path).toBeTruthy();
    });
  });
});
