/** Budgets on the request path: the worst case reserved, and the refusals a client hears. */
import { describe, expect, it } from 'vitest';
import type { CandidateDecision, Decision, RequestFeatures } from '../../../../engine/src/decide.js';
import { costUsd } from '../../../../engine/src/cost.js';
import { compilePolicySource } from '../../../../engine/src/policy/compile.js';
import { createBudgetStore, LocalBudgetStore } from '../../../../server/budgets/index.js';
import { GatewayError } from '../../../../server/errors.js';
import { createRuntime, type PolicyRuntime } from '../../../../server/policy-runtime.js';
import { Downgrade, reserve, worstCase } from '../../../../server/pipeline/spend.js';

const POLICY = (budgets: string): string => `version: 1
providers:
  sim: { kind: openai, base_url: "http://127.0.0.1:9/v1", api_key_env: SIM_KEY }
models:
  dear: { provider: sim, upstream: dear, price: { input: 10, output: 30 }, context_window: 100000, max_output_tokens: 64 }
  cheap: { provider: sim, upstream: cheap, price: { input: 1, output: 2 }, context_window: 100000, max_output_tokens: 1000 }
budgets:
${budgets}
routes:
  - { name: chat, match: { model: chat }, candidates: [dear, cheap] }
  - { name: small, match: { model: small }, candidates: [cheap] }
`;

function runtimeOf(budgets: string): PolicyRuntime {
  const built = compilePolicySource(POLICY(budgets), 'p.yaml');
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  return createRuntime(built.compiled, { SIM_KEY: 'k' });
}

function candidate(model: string, promptTokens: number, excluded: CandidateDecision['excluded'] = null): CandidateDecision {
  return { model, provider: 'sim', upstream: model, promptTokens, promptTokensExact: true, outputTokens: 0, estimatedCostUsd: 0, batchCostUsd: 0, excluded, viaRoute: 'chat' };
}

function decision(candidates: CandidateDecision[], retries: number, maxTokens: number | null = null): Decision {
  return {
    status: 'ok', policyHash: 'h', route: 'chat', strategy: 'ordered', retries, candidates, trail: [], maxTokens, tier: 'realtime',
    promptTokens: 10, promptTokensExact: true, complexity: 0, features: {} as Decision['features'],
  };
}

const features = (over: Partial<RequestFeatures> = {}): RequestFeatures => ({ model: 'chat', messages: [], maxTokens: 50, stream: false, ...over });

describe('worstCase', () => {
  const runtime = runtimeOf('  - { name: cap, scope: global, limit_usd: 1, window: day }');
  const dear = runtime.models.get('dear')!;
  const cheap = runtime.models.get('cheap')!;

  it('sums every call the dispatcher may make: each eligible candidate, 1 + retries times', () => {
    const d = decision([candidate('dear', 100), candidate('cheap', 120, 'circuit_open'), candidate('cheap', 110)], 2);
    const one = costUsd(dear, { inputTokens: 100, outputTokens: 50 }) + costUsd(cheap, { inputTokens: 110, outputTokens: 50 });
    const worst = worstCase(runtime.models, d, features());
    expect(worst.usd).toBeCloseTo(3 * one, 12);
    expect(worst.tokens).toBe(3 * (150 + 160));
  });

  it('is one answer on one candidate without retries; output capped by the model and the route', () => {
    // The client asks for 5000 output tokens, but `dear` answers at most 64; a route's max_tokens (20) wins.
    expect(worstCase(runtime.models, decision([candidate('dear', 100)], 0), features({ maxTokens: 5000 }))).toEqual({ usd: costUsd(dear, { inputTokens: 100, outputTokens: 64 }), tokens: 164 });
    expect(worstCase(runtime.models, decision([candidate('dear', 100)], 0, 20), features()).tokens).toBe(120);
    expect(worstCase(runtime.models, decision([candidate('dear', 100)], 1), features({ kind: 'embedding' }))).toEqual({ usd: 2 * costUsd(dear, { inputTokens: 100, outputTokens: 0 }), tokens: 200 });
    // n: 3 choices, each up to the 50 tokens asked; the prompt once.
    expect(worstCase(runtime.models, decision([candidate('dear', 100)], 0), features({ choices: 3 }))).toEqual({ usd: costUsd(dear, { inputTokens: 100, outputTokens: 150 }), tokens: 250 });
  });
});

const log = { warn: (): void => undefined };

describe('reserve', () => {
  it('refuses with the budget as structured fields, the message, and Retry-After', async () => {
    const runtime = runtimeOf('  - { name: tiny, scope: team, limit_tokens: 100, window: day }');
    const budgets = new LocalBudgetStore({ budgets: runtime.compiled.policy.budgets, reservationTtlS: 600 });
    const at = Date.now();
    const f = features({ caller: { team: 'research' } });
    const err = await reserve({ budgets }, runtime, 'r1', f, decision([candidate('dear', 100)], 0), at, log).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    const body = (err as GatewayError).toBody();
    const midnight = new Date(at);
    midnight.setUTCHours(24, 0, 0, 0);
    expect(body.error).toMatchObject({ code: 'budget_exceeded', type: 'rate_limit_error', param: null });
    expect(body.error.budget).toEqual({ name: 'tiny', scope: 'team', unit: 'tokens', limit: 100, remaining: 100, resets_at: midnight.toISOString() });
    expect(body.error.message).toBe(`budget tiny (team) would be exceeded: 100 tokens left of 100 tokens; it resets at ${midnight.toISOString()}`);
    expect((err as GatewayError).retryAfterS).toBeGreaterThan(0);
    expect((err as GatewayError).retryAfterS).toBeLessThanOrEqual(86_400);
  });

  it('answers a downgrade budget with the route and the 429 to give if that route cannot be used', async () => {
    const runtime = runtimeOf('  - { name: soft, scope: global, limit_tokens: 100, window: day, on_exceed: downgrade, downgrade_to: small }');
    const budgets = new LocalBudgetStore({ budgets: runtime.compiled.policy.budgets, reservationTtlS: 600 });
    const out = await reserve({ budgets }, runtime, 'r1', features(), decision([candidate('dear', 100)], 0), Date.now(), log);
    expect(out).toBeInstanceOf(Downgrade);
    expect((out as Downgrade).route).toBe('small');
    expect((out as Downgrade).refused.toBody().error).toMatchObject({ code: 'budget_exceeded', budget: { name: 'soft', scope: 'global', remaining: 100 } });
  });

  it('answers 503 when Redis is unreachable and the policy fails closed, naming the setting once', async () => {
    const runtime = runtimeOf('  - { name: cap, scope: global, limit_usd: 1, window: day }');
    const budgets = createBudgetStore(runtime.compiled.policy, { redisUrl: 'redis://127.0.0.1:1', log: { warn: () => undefined, error: () => undefined } });
    try {
      const err = await reserve({ budgets }, runtime, 'r1', features(), decision([candidate('dear', 100)], 0), Date.now(), log).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      const { message, code } = (err as GatewayError).toBody().error;
      expect(code).toBe('budget_store_unavailable');
      expect(message).toMatch(/^budgets cannot be checked: budget store unreachable \(.+\); requests under a budget are refused while it is \(budget_store\.on_unreachable: closed\)$/);
      expect(message.split('on_unreachable').length).toBe(2);
    } finally {
      await budgets.close();
    }
  });
});
