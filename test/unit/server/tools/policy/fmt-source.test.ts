import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compilePolicySource } from '../../../../../engine/src/policy/compile.js';
import { packagePath } from '../../../../../engine/src/package-root.js';
import { formatPolicySource } from '../../../../../server/tools/policy/fmt-source.js';

const FIXTURES = packagePath('test', 'fixtures', 'policy-cli');

/** Every policy file under a folder (test files and the schema left out). */
function policiesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !/\.test\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const SHIPPED = policiesUnder(packagePath('policies'));
const VALID_FIXTURES = policiesUnder(FIXTURES).filter((f) => !/(broken|not-yaml)\.yaml$/.test(f));

function fmt(source: string, file = 'p.yaml'): string {
  const result = formatPolicySource(source, file);
  if (!result.ok) throw new Error(result.errors.map((e) => e.format()).join('\n'));
  return result.text;
}

function program(source: string, file: string): Uint8Array {
  const built = compilePolicySource(source, file);
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  return built.compiled.program;
}

describe('formatPolicySource', () => {
  it('puts an out-of-order policy in canonical form, comments kept (golden file)', () => {
    const source = readFileSync(join(FIXTURES, 'unformatted.yaml'), 'utf8');
    expect(fmt(source)).toBe(readFileSync(join(FIXTURES, 'unformatted.formatted.yaml'), 'utf8'));
  });

  it('orders top-level, provider, model, price and route keys; unknown keys follow in their order', () => {
    const text = fmt([
      'routes:',
      '  - expected_output_tokens: 5',
      '    candidates: [m]',
      '    fallback: other',
      '    retries: 2',
      '    max_tokens: { max: 10, default: 5 }',
      '    split_by: user',
      '    weights: { m: 1 }',
      '    require: { min_quality: 2 }',
      '    strategy: weighted',
      '    when: request.stream',
      '    match: { model: x }',
      '    name: r',
      'zeta: 1',
      'models:',
      '  m: { image_tokens: { base: 1, tile: 2 }, quality: 3, capabilities: [tools], chars_per_token: 3, tokenizer: estimate, max_output_tokens: 9, context_window: 10, price: { batch_discount: 0.5, output: 2, cached_input: 0.5, input: 1 }, upstream: u, provider: p }',
      'providers:',
      '  p: { batch_discount: 0.5, api_key_env: K, base_url_env: B, base_url: "https://x", kind: openai }',
      'alpha: 2',
      'complexity: { bias: 1 }',
      'defaults: { retries: 1 }',
      'limits: { max_attempts_per_request: 4 }',
      'version: 1',
      '',
    ].join('\n'));
    expect(text).toBe([
      'version: 1',
      'limits: { max_attempts_per_request: 4 }',
      'defaults: { retries: 1 }',
      'complexity: { bias: 1 }',
      'providers:',
      '  p: { kind: openai, base_url: "https://x", base_url_env: B, api_key_env: K, batch_discount: 0.5 }',
      'models:',
      '  m: { provider: p, upstream: u, price: { input: 1, cached_input: 0.5, output: 2, batch_discount: 0.5 }, context_window: 10, max_output_tokens: 9, tokenizer: estimate, chars_per_token: 3, capabilities: [tools], quality: 3, image_tokens: { base: 1, tile: 2 } }',
      'routes:',
      '  - name: r',
      '    match: { model: x }',
      '    when: request.stream',
      '    strategy: weighted',
      '    require: { min_quality: 2 }',
      '    weights: { m: 1 }',
      '    split_by: user',
      '    max_tokens: { max: 10, default: 5 }',
      '    retries: 2',
            '    candidates: [m]',
'    fallback: other',
      '    expected_output_tokens: 5',
      'zeta: 1',
      'alpha: 2',
      '',
    ].join('\n'));
  });

  it('writes a price as a flow map and lists of scalars as flow sequences', () => {
    const text = fmt('models:\n  m:\n    price:\n      input: 1\n      output: 2\n    capabilities:\n      - tools\n      - vision\n');
    expect(text).toBe('models:\n  m:\n    price: { input: 1, output: 2 }\n    capabilities: [tools, vision]\n');
  });

  it('keeps a list or price block when an entry has its own comment, so the comment stays on its line', () => {
    const source = 'models:\n  m:\n    price:\n      input: 1 # list price\n      output: 2\n    capabilities:\n      - tools # since v2\n      - vision\n';
    expect(fmt(source)).toBe(source);
  });

  it('keeps quoting, number spelling, blank lines and block scalars', () => {
    const source = 'version: 1\n\nmodels:\n  m:\n    upstream: "quoted-1"\n    price: { input: 2.50, output: 10.00 }\nroutes:\n  - name: r\n    when: >\n      request.tokens.prompt > 8000\n';
    expect(fmt(source)).toBe(source);
  });

  it('keeps a header comment on top when the first key moves', () => {
    expect(fmt('# my policy\nroutes: []\nversion: 1\n')).toBe('# my policy\nversion: 1\nroutes: []\n');
  });

  it('refuses a file that does not parse, at file:line:col', () => {
    const result = formatPolicySource(readFileSync(join(FIXTURES, 'not-yaml.yaml'), 'utf8'), 'not-yaml.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]!.format()).toMatch(/^not-yaml\.yaml:2:9: SY_POLICY_YAML_SYNTAX: /);
  });

  it.each([...SHIPPED, ...VALID_FIXTURES].map((f) => [f.slice(packagePath().length + 1), f]))('is idempotent on %s', (_name, file) => {
    const once = fmt(readFileSync(file, 'utf8'), file);
    expect(fmt(once, file)).toBe(once);
  });

  it.each([...SHIPPED, ...VALID_FIXTURES].map((f) => [f.slice(packagePath().length + 1), f]))('keeps the compiled program of %s byte for byte', (_name, file) => {
    const source = readFileSync(file, 'utf8');
    expect(program(fmt(source, file), file)).toEqual(program(source, file));
  });

  it('is idempotent and keeps the program on generated policies in any key order and style', () => {
    const name = fc.constantFrom('a', 'b', 'c-1', 'd.2');
    const shuffled = <T extends Record<string, unknown>>(entries: Array<[string, unknown]>) =>
      fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }).map((e) => Object.fromEntries(e) as T);
    const policy = fc.uniqueArray(name, { minLength: 1, maxLength: 4 }).chain((models) =>
      fc.record({
        models: fc.tuple(...models.map((m) => fc.tuple(
          fc.constant(m),
          fc.record({ input: fc.integer({ min: 0, max: 50 }), output: fc.integer({ min: 0, max: 80 }), cw: fc.integer({ min: 1000, max: 200_000 }) })
            .chain(({ input, output, cw }) => shuffled([['provider', 'p'], ['price', { output, input }], ['context_window', cw]])),
        ))),
        routes: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }).chain((routes) => fc.tuple(...routes.map((r, i) =>
          fc.subarray(models, { minLength: 1 }).chain((candidates) => shuffled([
            ['name', r], ['candidates', candidates], ['match', { model: [`alias-${i}`] }], ['expected_output_tokens', 100 + i],
          ]))))),
        style: fc.constantFrom('block', 'flow', 'any') as fc.Arbitrary<'block' | 'flow' | 'any'>,
        order: fc.shuffledSubarray(['version', 'providers', 'models', 'routes'], { minLength: 4, maxLength: 4 }),
      }),
    );
    fc.assert(fc.property(policy, ({ models, routes, style, order }) => {
      const parts: Record<string, unknown> = {
        version: 1,
        providers: { p: { api_key_env: 'P_KEY', kind: 'openai', base_url: 'https://p.example/v1' } },
        models: Object.fromEntries(models),
        routes,
      };
      const source = stringify(Object.fromEntries(order.map((k) => [k, parts[k]])), { collectionStyle: style });
      const once = fmt(source);
      expect(once.startsWith('version: 1\nproviders:')).toBe(true);
      expect(fmt(once)).toBe(once);
      expect(program(once, 'p.yaml')).toEqual(program(source, 'p.yaml'));
    }), { numRuns: 60 });
  });
});
