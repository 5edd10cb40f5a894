import { describe, expect, it } from 'vitest';
import { Decider, type RequestFeatures } from '../../../../engine/src/decide.js';
import { lowerPolicy } from '../../../../engine/src/policy/lower.js';
import type { Policy } from '../../../../engine/src/policy/types.js';

const loc = { file: 'p.yaml', line: 1, col: 1 };

const policy: Policy = {
  file: 'p.yaml',
  hash: 'f'.repeat(64),
  providers: [
    { name: 'a', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1', baseUrlEnv: null, apiKeyEnv: 'A_KEY', loc },
    { name: 'b', kind: 'anthropic', baseUrl: 'http://127.0.0.1:2', baseUrlEnv: null, apiKeyEnv: 'B_KEY', loc },
  ],
  models: [
    { name: 'small', provider: 'a', upstream: 'small-1', inputPerMTok: 0.1, outputPerMTok: 0.4, contextWindow: 1000, loc },
    { name: 'big', provider: 'a', upstream: 'big-1', inputPerMTok: 2, outputPerMTok: 8, contextWindow: 1000, loc },
    { name: 'other', provider: 'b', upstream: 'other-1', inputPerMTok: 3, outputPerMTok: 15, contextWindow: 1000, loc },
  ],
  routes: [
    { name: 'free-support', matchModels: ['smart'], matchMetadata: [['team', 'support'], ['tier', 'free']], candidates: ['small'], loc },
    { name: 'smart', matchModels: ['smart', 'best'], matchMetadata: [], candidates: ['big', 'other'], loc },
    { name: 'tagged', matchModels: [], matchMetadata: [['tier', 'gold']], candidates: ['other'], loc },
  ],
};

const request = (over: Partial<RequestFeatures>): RequestFeatures => ({
  model: 'smart', messageCount: 1, maxTokens: null, stream: false, text: 'hello', ...over,
});

describe('decide', () => {
  const decider = new Decider(lowerPolicy(policy));

  it('matches the first route whose model alias and metadata all hold', () => {
    expect(decider.decide(request({})).route).toBe('smart');
    expect(decider.decide(request({ model: 'best' })).route).toBe('smart');
    expect(decider.decide(request({ metadata: { team: 'support', tier: 'free' } })).route).toBe('free-support');
    // One metadata pair short: the more specific route does not match.
    expect(decider.decide(request({ metadata: { team: 'support' } })).route).toBe('smart');
    expect(decider.decide(request({ metadata: { team: 'support', tier: 'paid' } })).route).toBe('smart');
  });

  it('a route without a model clause matches any alias, by metadata alone', () => {
    expect(decider.decide(request({ model: 'anything', metadata: { tier: 'gold' } })).route).toBe('tagged');
  });

  it('returns no_route for an alias no route answers, and for unknown metadata values', () => {
    const d = decider.decide(request({ model: 'nope' }));
    expect(d.status).toBe('no_route');
    expect(d.route).toBeNull();
    expect(d.candidates).toEqual([]);
    expect(decider.decide(request({ model: 'x', metadata: { tier: 'platinum' } })).status).toBe('no_route');
  });

  it('lists candidates in failover order with their providers and upstream names', () => {
    const d = decider.decide(request({}));
    expect(d.candidates.map((c) => [c.model, c.provider, c.upstream, c.excluded])).toEqual([
      ['big', 'a', 'big-1', null],
      ['other', 'b', 'other-1', null],
    ]);
    expect(d.policyHash).toBe(policy.hash);
  });

  it('estimates each candidate cost from the price card, prompt estimate and max_tokens', () => {
    const text = 'x'.repeat(4000); // 1000 estimated tokens at 4 bytes per token
    const d = decider.decide(request({ text, maxTokens: 500 }));
    expect(d.promptTokens).toBe(1000);
    expect(d.promptTokensExact).toBe(false);
    expect(d.candidates[0]!.estimatedCostUsd).toBeCloseTo((1000 * 2 + 500 * 8) / 1e6, 12);
    expect(d.candidates[1]!.estimatedCostUsd).toBeCloseTo((1000 * 3 + 500 * 15) / 1e6, 12);
  });

  it('counts UTF-8 bytes, not UTF-16 units, for the prompt estimate', () => {
    expect(decider.decide(request({ text: 'é'.repeat(8) })).promptTokens).toBe(4); // 16 bytes
    expect(decider.decide(request({ text: '😀'.repeat(3) })).promptTokens).toBe(3); // 12 bytes
  });

  it('marks candidates the snapshot rules out, keeping them in the list with the reason', () => {
    const d = decider.decide(request({}), { models: { big: { circuit: 'unavailable' }, other: { circuit: 'open' } } });
    expect(d.candidates.map((c) => c.excluded)).toEqual(['unavailable', 'circuit_open']);
    // The snapshot does not leak into the next decision.
    expect(decider.decide(request({})).candidates.map((c) => c.excluded)).toEqual([null, null]);
  });

  it('grows the text buffer for large prompts and stays correct after memory growth', () => {
    const big = 'y'.repeat(5_000_000);
    expect(decider.decide(request({ text: big })).promptTokens).toBe(1_250_000);
    expect(decider.decide(request({ text: 'abcd' })).promptTokens).toBe(1);
  });

  it('is deterministic: the same request and snapshot give byte-identical decisions', () => {
    const r = request({ metadata: { team: 'support', tier: 'free' }, maxTokens: 20, text: 'same' });
    expect(JSON.stringify(decider.decide(r))).toBe(JSON.stringify(new Decider(lowerPolicy(policy)).decide(r)));
  });
});
