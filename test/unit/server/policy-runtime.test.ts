import { describe, expect, it } from 'vitest';
import { compilePolicySource } from '../../../engine/src/policy/compile.js';
import { createRuntime, providersWithoutCredentials, resolveProviders } from '../../../server/policy-runtime.js';

const SOURCE = `version: 1
providers:
  a: { kind: openai, base_url: "https://a.example/v1", base_url_env: A_URL, api_key_env: A_KEY }
  b: { kind: anthropic, base_url: "https://b.example", api_key_env: B_KEY }
models:
  ma: { provider: a, price: { input: 1, output: 1 }, context_window: 100000 }
  mb: { provider: b, price: { input: 1, output: 1 }, context_window: 100000 }
routes:
  - name: both
    match: { model: [x, y] }
    candidates: [ma, mb]
`;

function compiled() {
  const r = compilePolicySource(SOURCE, 'p.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.format()).join('\n'));
  return r.compiled;
}

describe('resolveProviders', () => {
  it('takes base URL overrides and keys from the environment, trimming trailing slashes', () => {
    const p = resolveProviders(compiled().policy.providers, { A_URL: 'http://127.0.0.1:9/v1/', A_KEY: 'ka' });
    expect(p.get('a')).toMatchObject({ baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'ka' });
    expect(p.get('b')).toMatchObject({ baseUrl: 'https://b.example', apiKey: null });
  });

  it('treats empty variables as unset', () => {
    const p = resolveProviders(compiled().policy.providers, { A_URL: '', A_KEY: '' });
    expect(p.get('a')).toMatchObject({ baseUrl: 'https://a.example/v1', apiKey: null });
  });
});

describe('createRuntime', () => {
  it('marks the models of uncredentialed providers unavailable in the base snapshot', () => {
    const rt = createRuntime(compiled(), { A_KEY: 'ka' });
    expect(rt.snapshot).toEqual({ models: { mb: { circuit: 'unavailable' } } });
    expect(providersWithoutCredentials(rt)).toEqual([{ provider: 'b', env: 'B_KEY' }]);
    const d = rt.decider.decide({ model: 'x', messages: [{ role: 'user', content: 'q' }], maxTokens: null, stream: false }, rt.snapshot);
    expect(d.candidates.map((c) => [c.model, c.excluded])).toEqual([['ma', null], ['mb', 'unavailable']]);
  });

  it('offers the written aliases and every model by name', () => {
    expect(createRuntime(compiled(), {}).aliases).toEqual(['x', 'y', 'ma', 'mb']);
  });
});
