import { describe, expect, it } from 'vitest';
import { formatPath, locate, parsePolicy, scalarSource } from '../../../../../engine/src/policy/parse.js';

const FILE = 'policies/p.yaml';
const lines = (...ls: string[]): string => `${ls.join('\n')}\n`;
const where = (e: { file: string; line: number; col: number }): string => `${e.file}:${e.line}:${e.col}`;

const POLICY = lines(
  'version: 1', //                                  1
  'providers:', //                                  2
  '  openai:', //                                   3
  '    kind: openai', //                            4
  '    base_url: https://api.openai.com/v1', //     5
  '    api_key_env: OPENAI_API_KEY', //             6
  'models:', //                                     7
  '  gpt-4o-mini:', //                              8
  '    provider: openai', //                        9
  '    price: { input: 0.15, output: 0.60 }', //   10
  '    context_window:', //                        11
  'routes:', //                                    12
  '  - name: cheap', //                            13
  '    match: { metadata: { level: 007, on: true } }', // 14
  '    candidates: [gpt-4o-mini, gpt-4o]', //      15
);

describe('parsePolicy', () => {
  it('returns the document as plain data with no errors for valid YAML', () => {
    const { parsed, errors, warnings } = parsePolicy(POLICY, FILE);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(parsed.file).toBe(FILE);
    expect(parsed.source).toBe(POLICY);
    expect(parsed.data).toMatchObject({
      version: 1,
      providers: { openai: { kind: 'openai', api_key_env: 'OPENAI_API_KEY' } },
      models: { 'gpt-4o-mini': { price: { input: 0.15, output: 0.6 }, context_window: null } },
      routes: [{ name: 'cheap', candidates: ['gpt-4o-mini', 'gpt-4o'] }],
    });
  });

  it('points an unclosed flow sequence at its opening bracket', () => {
    const source = lines('routes:', '  - name: a', '    candidates: [gpt-4o, gpt-4o-mini', '  - name: b', '    candidates: [x]');
    const { errors } = parsePolicy(source, FILE);
    expect(errors.map((e) => [e.code, where(e)])).toEqual([['SY_POLICY_YAML_SYNTAX', `${FILE}:3:17`]]);
    expect(errors[0]?.message).toMatch(/never closed with "\]"/);
  });

  it('points an unclosed flow map at its opening brace', () => {
    const { errors } = parsePolicy(lines('models:', '  m:', '    price: { input: 1, output: 2', '    context_window: 3'), FILE);
    expect(errors.map((e) => [e.code, where(e)])).toEqual([['SY_POLICY_YAML_SYNTAX', `${FILE}:3:12`]]);
    expect(errors[0]?.message).toMatch(/never closed with "\}"/);
  });

  it('reports a tab used as indentation where the tab is', () => {
    const { errors } = parsePolicy(lines('providers:', '  openai:', '    kind: openai', '  \tbase_url: https://x'), FILE);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.format()).toBe(`${FILE}:4:3: SY_POLICY_YAML_SYNTAX: Tabs are not allowed as indentation`);
  });

  it('reports only the first syntax error, not the parser recovery noise after it', () => {
    const { errors } = parsePolicy(lines('routes:', '  - name: a', '    candidates: [a, b', '  - name: c', '    candidates: [d]'), FILE);
    expect(errors).toHaveLength(1);
  });

  it('reports every duplicate key at the repeated key, naming it', () => {
    const source = lines('version: 1', 'providers:', '  openai:', '    kind: openai', '    kind: gemini', 'version: 1');
    const { errors } = parsePolicy(source, FILE);
    expect(errors.map((e) => e.format())).toEqual([
      `${FILE}:5:5: SY_POLICY_DUPLICATE_KEY: key "kind" appears twice in the same map`,
      `${FILE}:6:1: SY_POLICY_DUPLICATE_KEY: key "version" appears twice in the same map`,
    ]);
  });

  it('refuses a second YAML document at its separator', () => {
    const { errors } = parsePolicy(lines('version: 1', '---', 'version: 1'), FILE);
    expect(errors.map((e) => [e.code, where(e)])).toEqual([['SY_POLICY_YAML_SYNTAX', `${FILE}:2:1`]]);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const source = lines(
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    );
    const { errors } = parsePolicy(source, FILE);
    expect(errors.map((e) => e.code)).toEqual(['SY_POLICY_YAML_SYNTAX']);
  });

  it('gives null data for an empty file', () => {
    const { parsed, errors } = parsePolicy('', FILE);
    expect(errors).toEqual([]);
    expect(parsed.data).toBeNull();
    expect(locate(parsed, [])).toEqual({ file: FILE, line: 1, col: 1 });
  });
});

describe('locate', () => {
  const { parsed } = parsePolicy(POLICY, FILE);

  it('points at a value, or at its key when asked', () => {
    expect(locate(parsed, ['providers', 'openai', 'kind'])).toEqual({ file: FILE, line: 4, col: 11 });
    expect(locate(parsed, ['providers', 'openai', 'kind'], 'key')).toEqual({ file: FILE, line: 4, col: 5 });
    expect(locate(parsed, ['models', 'gpt-4o-mini', 'price', 'output'])).toEqual({ file: FILE, line: 10, col: 35 });
  });

  it('points at list items by index, and a list item\'s "key" is the item itself', () => {
    expect(locate(parsed, ['routes', 0, 'candidates', 1])).toEqual({ file: FILE, line: 15, col: 31 });
    expect(locate(parsed, ['routes', 0])).toEqual({ file: FILE, line: 13, col: 5 });
    expect(locate(parsed, ['routes', 0], 'key')).toEqual({ file: FILE, line: 13, col: 5 });
  });

  it('points an empty value at its key', () => {
    expect(locate(parsed, ['models', 'gpt-4o-mini', 'context_window'])).toEqual({ file: FILE, line: 11, col: 5 });
  });

  it('lands on the deepest node that exists for a path into nothing', () => {
    expect(locate(parsed, ['providers', 'openai', 'nope', 'deeper'])).toEqual({ file: FILE, line: 4, col: 5 });
    expect(locate(parsed, ['routes', 7])).toEqual({ file: FILE, line: 13, col: 3 });
  });

  it('points through an alias at where the alias is used', () => {
    const source = lines('a: &x', '  k: 1', 'b: *x');
    const aliased = parsePolicy(source, FILE).parsed;
    expect(locate(aliased, ['a', 'k'])).toEqual({ file: FILE, line: 2, col: 6 });
    expect(locate(aliased, ['b', 'k'])).toEqual({ file: FILE, line: 3, col: 4 });
  });
});

describe('scalarSource', () => {
  const { parsed } = parsePolicy(POLICY, FILE);

  it('returns a scalar as written, not as YAML resolved it', () => {
    expect(scalarSource(parsed, ['routes', 0, 'match', 'metadata', 'level'])).toBe('007');
    expect(scalarSource(parsed, ['routes', 0, 'match', 'metadata', 'on'])).toBe('true');
  });

  it('returns undefined for a missing path or a collection', () => {
    expect(scalarSource(parsed, ['routes', 0, 'match', 'metadata', 'absent'])).toBeUndefined();
    expect(scalarSource(parsed, ['routes', 0, 'match'])).toBeUndefined();
  });
});

describe('formatPath', () => {
  it('writes indices in brackets, plain keys dotted and odd keys quoted', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['routes', 2, 'candidates', 0])).toBe('routes[2].candidates[0]');
    expect(formatPath(['models', 'gpt-4o-mini', 'price'])).toBe('models.gpt-4o-mini.price');
    expect(formatPath(['models', 'gpt-4.1', 'price'])).toBe('models["gpt-4.1"].price');
  });
});
