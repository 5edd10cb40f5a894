import { describe, expect, it } from 'vitest';
import { Decider, type RequestFeatures } from '../../../../engine/src/decide.js';
import { lowerPolicy } from '../../../../engine/src/policy/lower.js';
import type { ModelSpec, Policy, RouteSpec, TokenizerKind } from '../../../../engine/src/policy/types.js';
import { countTokens } from '../../../../engine/src/tokenizer.js';

const loc = { file: 'p.yaml', line: 1, col: 1 };

function model(name: string, provider: string, input: number, output: number, tokenizer: TokenizerKind, contextWindow = 1_000_000): ModelSpec {
  return {
    name, provider, upstream: `${name}-1`, inputPerMTok: input, outputPerMTok: output, cachedInputPerMTok: input / 10,
    batchDiscount: 0.5, contextWindow, tokenizer, charsPerToken: 3.5, imageBaseTokens: 85, imageTileTokens: 170, loc,
  };
}

const route = (name: string, matchModels: string[], matchMetadata: Array<[string, string]>, candidates: string[], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  name, matchModels, matchMetadata, candidates, matchComplexity: [0, 1], matchPromptTokens: [0, 0xffffffff], expectedOutputTokens: 100, loc, ...extra,
});

const policy: Policy = {
  file: 'p.yaml',
  hash: 'f'.repeat(64),
  providers: [
    { name: 'a', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1', baseUrlEnv: null, apiKeyEnv: 'A_KEY', batchDiscount: 0.5, loc },
    { name: 'b', kind: 'anthropic', baseUrl: 'http://127.0.0.1:2', baseUrlEnv: null, apiKeyEnv: 'B_KEY', batchDiscount: 0.5, loc },
  ],
  models: [
    model('small', 'a', 0.1, 0.4, 'o200k_base'),
    model('big', 'a', 2, 8, 'o200k_base'),
    model('other', 'b', 3, 15, 'estimate'),
    model('legacy', 'a', 30, 60, 'cl100k_base'),
  ],
  routes: [
    route('free-support', ['smart'], [['team', 'support'], ['tier', 'free']], ['small']),
    route('smart', ['smart', 'best'], [], ['big', 'other']),
    route('tagged', [], [['tier', 'gold']], ['other']),
    route('short-only', ['sized'], [], ['small'], { matchPromptTokens: [0, 50] }),
    route('long', ['sized'], [], ['big', 'legacy'], { expectedOutputTokens: 7 }),
    route('hard', ['graded'], [], ['big'], { matchComplexity: [0.5, 1] }),
    route('easy', ['graded'], [], ['small']),
  ],
  complexityWeights: {},
};

const request = (over: Partial<RequestFeatures> & { text?: string }): RequestFeatures => {
  const { text, ...rest } = over;
  return { model: 'smart', maxTokens: null, stream: false, messages: [{ role: 'user', content: text ?? 'hello' }], ...rest };
};
const o200k = (text: string): number => countTokens(text, 'o200k_base');
/** OpenAI's chat overhead for one user message: 3 per message + the role + 3 priming. */
const oneUserMessage = (text: string): number => 3 + o200k('user') + o200k(text) + 3;

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

  it('counts prompt tokens exactly with chat overhead, and prices each candidate by its own tokenizer', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    const d = decider.decide(request({ model: 'sized', text, maxTokens: 500 }));
    expect(d.route).toBe('long');
    expect(d.promptTokens).toBe(oneUserMessage(text));
    expect(d.promptTokensExact).toBe(true);
    const [big, legacy] = d.candidates;
    expect(big!.promptTokens).toBe(oneUserMessage(text));
    const cl100k = 3 + countTokens('user', 'cl100k_base') + countTokens(text, 'cl100k_base') + 3;
    expect(legacy!.promptTokens).toBe(cl100k);
    expect(big!.outputTokens).toBe(500);
    expect(big!.estimatedCostUsd).toBeCloseTo((big!.promptTokens * 2 + 500 * 8) / 1e6, 12);
    expect(big!.batchCostUsd).toBeCloseTo(big!.estimatedCostUsd / 2, 12);
    expect(legacy!.estimatedCostUsd).toBeCloseTo((cl100k * 30 + 500 * 60) / 1e6, 12);
  });

  it('uses the route expectation for output tokens when max_tokens is open', () => {
    const d = decider.decide(request({ model: 'sized', text: 'x'.repeat(400) }));
    expect(d.candidates.map((c) => c.outputTokens)).toEqual([7, 7]);
  });

  it('estimates non-public tokenizers from characters per token and says so', () => {
    const text = 'héllo wörld, ' + '日本語のテキスト'.repeat(10);
    const d = decider.decide(request({ text }));
    const other = d.candidates[1]!;
    expect(other.promptTokensExact).toBe(false);
    expect(other.promptTokens).toBe(Math.ceil(([...text].length + [...'user'].length) / 3.5) + 3 + 3);
    expect(d.candidates[0]!.promptTokensExact).toBe(true);
  });

  it('matches routes on prompt tokens', () => {
    expect(decider.decide(request({ model: 'sized', text: 'short' })).route).toBe('short-only');
    expect(decider.decide(request({ model: 'sized', text: 'word '.repeat(100) })).route).toBe('long');
  });

  it('counts names, several messages and images by the tile formula', () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi', name: 'alice' },
      { role: 'assistant', content: 'Hello!' },
    ];
    const d = decider.decide({ model: 'best', messages, maxTokens: 1, stream: false, images: { count: 2, tiles: 4, sizesKnown: true } });
    const text = 3 * 3 + o200k('system') + o200k('Be brief.') + o200k('user') + o200k('Hi') + o200k('alice') + 1 + o200k('assistant') + o200k('Hello!') + 3;
    expect(d.promptTokens).toBe(text);
    expect(d.candidates[0]!.promptTokens).toBe(text + 2 * 85 + 4 * 170);
    expect(decider.decide({ model: 'best', messages, maxTokens: 1, stream: false, images: { count: 1, tiles: 4, sizesKnown: false } }).promptTokensExact).toBe(false);
  });

  it('excludes a candidate whose context window the prompt and output would overflow', () => {
    const tiny = new Decider(lowerPolicy({ ...policy, models: policy.models.map((m) => (m.name === 'big' ? { ...m, contextWindow: 50 } : m)) }));
    const d = tiny.decide(request({ text: 'hello', maxTokens: 60 }));
    expect(d.candidates.map((c) => c.excluded)).toEqual(['context_window', null]);
  });

  it('carries complexity features computed by the core, and routes on the score', () => {
    const d = decider.decide(request({ model: 'graded', text: 'hi' }));
    expect(d.features.tokens).toBe(d.promptTokens);
    expect(d.complexity).toBeGreaterThanOrEqual(0);
    expect(d.complexity).toBeLessThanOrEqual(1);
    expect(d.route).toBe(d.complexity >= 0.5 ? 'hard' : 'easy');
  });

  it('marks candidates the snapshot rules out, keeping them in the list with the reason', () => {
    const d = decider.decide(request({}), { models: { big: { circuit: 'unavailable' }, other: { circuit: 'open' } } });
    expect(d.candidates.map((c) => c.excluded)).toEqual(['unavailable', 'circuit_open']);
    // The snapshot does not leak into the next decision.
    expect(decider.decide(request({})).candidates.map((c) => c.excluded)).toEqual([null, null]);
  });

  it('grows the text buffer for large prompts and stays correct after memory growth', () => {
    const big = 'lorem ipsum dolor sit amet '.repeat(200_000);
    expect(decider.decide(request({ text: big })).promptTokens).toBe(oneUserMessage(big));
    expect(decider.decide(request({ text: 'abcd' })).promptTokens).toBe(oneUserMessage('abcd'));
  });

  it('is deterministic: the same request and snapshot give byte-identical decisions', () => {
    const r = request({ metadata: { team: 'support', tier: 'free' }, maxTokens: 20, text: 'same' });
    expect(JSON.stringify(decider.decide(r))).toBe(JSON.stringify(new Decider(lowerPolicy(policy)).decide(r)));
  });
});
