import { describe, expect, it } from 'vitest';
import { analyzePolicy } from '../../../../../engine/src/policy/analyze.js';
import { checkPolicySource } from '../../../../../engine/src/policy/compile.js';
import type { Policy } from '../../../../../engine/src/policy/types.js';

const HEAD = `version: 1
providers:
  openai: { kind: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY }
models:
  small:
    provider: openai
    price: { input: 0.10, output: 0.40 }
    context_window: 100000
    max_output_tokens: 10000
  large:
    provider: openai
    price: { input: 2.00, output: 8.00 }
    context_window: 200000
    max_output_tokens: 20000
`;

function compiled(source: string): Policy {
  const result = checkPolicySource(source, 'p.yaml');
  if (!result.ok) throw new Error(result.errors.map((e) => e.format()).join('\n'));
  return result.policy;
}

describe('analyzePolicy', () => {
  it('counts attempts as candidates x (1 + retries), fallbacks included once, each with its own retries', () => {
    const policy = compiled(`${HEAD}defaults: { retries: 2 }
routes:
  - name: a
    match: { model: a }
    fallback: b
    candidates: [small, large]
  - name: b
    match: { model: b }
    retries: 0
    candidates: [large, small]
`);
    const [a, b] = analyzePolicy(policy);
    // a: small and large with 2 retries each; b adds nothing new.
    expect(a).toMatchObject({ route: 'a', candidates: ['small', 'large'], retries: 2, worstAttempts: 6 });
    expect(b).toMatchObject({ route: 'b', candidates: ['large', 'small'], retries: 0, worstAttempts: 2 });
  });

  it('prices the worst case as a full context window with output up to max_tokens.max', () => {
    const policy = compiled(`${HEAD}routes:
  - name: open
    match: { model: open }
    candidates: [small, large]
  - name: clamped
    match: { model: clamped, prompt_tokens: { max: 50000 } }
    max_tokens: { max: 1000 }
    candidates: [small, large]
  - name: capped
    match: { model: capped }
    require: { max_cost_usd: 0.05 }
    max_tokens: { default: 500 }
    candidates: [large]
`);
    const [open, clamped, capped] = analyzePolicy(policy);
    // large: 180,000 prompt x $2 + 20,000 output x $8, per million.
    expect(open!.worstCostUsd).toBeCloseTo(0.36 + 0.16, 10);
    expect(open!.dearestModel).toBe('large');
    // A budget reserves every attempt, each 1 + retries (the default, 1) times: small's worst is
    // 90,000 prompt x $0.10 + 10,000 output x $0.40 per million.
    expect(open!.worstReservedUsd).toBeCloseTo(2 * (0.36 + 0.16 + 0.009 + 0.004), 10);
    // large: 50,000 prompt (the match's bound) x $2 + 1,000 x $8.
    expect(clamped!.worstCostUsd).toBeCloseTo(0.1 + 0.008, 10);
    // max_tokens is always sent, so the cost cap on the estimate bounds the real cost.
    expect(capped!.worstCostUsd).toBe(0.05);
  });

  it('refuses a policy whose routes exceed its limits, at the route', () => {
    const result = checkPolicySource(`${HEAD}limits: { max_attempts_per_request: 3, max_cost_per_request_usd: 0.2 }
routes:
  - name: fine
    match: { model: fine }
    max_tokens: { max: 1000 }
    require: { max_cost_usd: 0.1 }
    candidates: [large]
  - name: greedy
    match: { model: greedy }
    candidates: [small, large]
`, 'p.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, e.line, e.col, e.path])).toEqual([
      ['SY_POLICY_LIMIT_EXCEEDED', 22, 5, 'routes[1]'],
      ['SY_POLICY_LIMIT_EXCEEDED', 22, 5, 'routes[1]'],
    ]);
    expect(result.errors[0]!.message).toMatch(/can make 4 upstream calls .* above limits\.max_attempts_per_request 3/);
    expect(result.errors[1]!.message).toMatch(/can cost up to \$0\.5200 .* above limits\.max_cost_per_request_usd \$0\.2/);
  });
});
