import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPLEXITY_WEIGHT_NAMES, DEFAULT_COMPLEXITY_WEIGHTS } from '../../../../../engine/src/features.js';
import { packagePath } from '../../../../../engine/src/package-root.js';
import { compilePolicySource } from '../../../../../engine/src/policy/compile.js';
import { Decider } from '../../../../../engine/src/decide.js';

const policy = (complexity: string): string => `version: 1
providers:
  p: { kind: openai, base_url: "https://p.example/v1", api_key_env: P_KEY }
models:
  gpt-4o-mini: { provider: p, price: { input: 1, output: 1 }, context_window: 100000 }
routes:
  - name: all
    candidates: [gpt-4o-mini]
${complexity}`;

describe('complexity weights in a policy', () => {
  it('the schema names exactly the weights the core has', () => {
    const schema = JSON.parse(readFileSync(packagePath('policies', 'schema.json'), 'utf8'));
    expect(Object.keys(schema.properties.complexity.properties.weights.properties).sort()).toEqual([...COMPLEXITY_WEIGHT_NAMES].sort());
  });

  it('an unknown weight is an error at its key', () => {
    const r = compilePolicySource(policy('complexity:\n  weights: { reasoning: 2, vibes: 1 }\n'), 'w.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.format()).toMatch(/^w\.yaml:10:28: SY_POLICY_UNKNOWN_FIELD: unknown field "vibes"/);
  });

  it('overridden weights change the score the core computes', () => {
    const decide = (source: string) => {
      const r = compilePolicySource(source, 'w.yaml');
      if (!r.ok) throw new Error(r.errors.map((e) => e.format()).join('\n'));
      return new Decider(r.compiled).decide({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Prove step by step that the sum must be at most 10.' }], maxTokens: 1, stream: false });
    };
    const base = decide(policy(''));
    const boosted = decide(policy(`complexity:\n  weights: { reasoning: ${DEFAULT_COMPLEXITY_WEIGHTS.reasoning + 5} }\n`));
    expect(boosted.complexity).toBeGreaterThan(base.complexity);
    expect(boosted.features.complexity).toBe(boosted.complexity);
    const floored = decide(policy('complexity:\n  bias: -50\n'));
    expect(floored.complexity).toBeLessThan(0.001);
  });
});
