import { describe, expect, it } from 'vitest';
import { Decider, type RequestFeatures } from '../../../../engine/src/decide.js';
import { lowerPolicy } from '../../../../engine/src/policy/lower.js';
import { compilePolicySource } from '../../../../engine/src/policy/compile.js';
import { ExprCompiler } from '../../../../engine/src/policy/expr/index.js';
import { DEFAULT_RESILIENCE } from '../../../../engine/src/policy/defaults.js';
import type { ModelSpec, Policy, RouteSpec, TokenizerKind } from '../../../../engine/src/policy/types.js';
import { countTokens } from '../../../../engine/src/tokenizer.js';

const loc = { file: 'p.yaml', line: 1, col: 1 };

function model(name: string, provider: string, input: number, output: number, tokenizer: TokenizerKind, contextWindow = 1_000_000): ModelSpec {
  return {
    name, provider, upstream: `${name}-1`, inputPerMTok: input, outputPerMTok: output, cachedInputPerMTok: input / 10, cacheWritePerMTok: input * 1.25,
    batchDiscount: 0.5, contextWindow, maxOutputTokens: contextWindow, capabilities: ['tools', 'vision', 'json_mode'], type: 'chat', quality: 3,
    tokenizer, charsPerToken: 3.5, imageBaseTokens: 85, imageTileTokens: 170, loc,
  };
}

const route = (name: string, matchModels: string[], matchMetadata: Array<[string, string]>, candidates: string[], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  name, matchModels, matchMetadata, candidates, matchComplexity: [0, 1], matchPromptTokens: [0, 0xffffffff], expectedOutputTokens: 100, expectedCachedShare: 0, loc,
  when: null, strategy: 'ordered', minQuality: 1, maxCostUsd: Infinity, requiredCapabilities: [], maxLatencyMs: null, weights: [],
  splitBy: 'caller', maxTokensDefault: null, maxTokensMax: null, retries: 1, fallback: null, tier: 'realtime', ...extra,
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
  limits: { maxAttemptsPerRequest: 12, maxCostPerRequestUsd: Infinity },
  defaultRetries: 1,
  conditions: new ExprCompiler({ models: [], providers: [] }).finish(),
  recording: { path: null, redaction: 'counts', maxBytes: 0, keep: 0 },
  resilience: DEFAULT_RESILIENCE,
  budgets: [],
  budgetStore: { onUnreachable: 'closed', reservationTtlS: 600 },
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

  it('prices images by patches for a model with a patch multiplier, by tiles for the others', () => {
    // 'big' bills ceil(patches x 1.62); 'other' keeps the tile formula.
    const patchy = new Decider(lowerPolicy({ ...policy, models: policy.models.map((m) => (m.name === 'big' ? { ...m, imagePatchMultiplier: 162 } : m)) }));
    const text = oneUserMessage('hello');
    const ask = (images: RequestFeatures['images']): RequestFeatures => request({ model: 'best', images });
    const d = patchy.decide(ask({ count: 1, tiles: 4, patches: 1024, sizesKnown: true }));
    const [big, other] = d.candidates;
    expect(big!.promptTokens).toBe(text + 1659); // 1024 x 1.62 = 1658.88
    expect(big!.promptTokensExact).toBe(true);
    expect(big!.estimatedCostUsd).toBeCloseTo(((text + 1659) * 2 + 100 * 8) / 1e6, 12);
    expect(other!.promptTokens).toBe(patchy.decide(request({ model: 'best' })).candidates[1]!.promptTokens + 85 + 4 * 170);
    // Two images: summed patches, one rounding (ceil(2048 x 1.62) = 3318, per image 2 x 1659).
    expect(patchy.decide(ask({ count: 2, tiles: 8, patches: 2048, sizesKnown: true })).candidates[0]!.promptTokens).toBe(text + 3318);
    // No patches written (an older record): no image tokens on the patch model; sizes unknown: an estimate.
    expect(patchy.decide(ask({ count: 1, tiles: 4, sizesKnown: true })).candidates[0]!.promptTokens).toBe(text);
    expect(patchy.decide(ask({ count: 1, tiles: 4, patches: 1024, sizesKnown: false })).candidates[0]!.promptTokensExact).toBe(false);
    // Each formula's own exactness: a low-detail remote image pins the tiles, not the patches.
    const low = patchy.decide(ask({ count: 1, tiles: 0, patches: 1024, sizesKnown: true, patchesKnown: false }));
    expect(low.candidates.map((c) => [c.model, c.promptTokensExact])).toEqual([['big', false], ['other', false]]);
    // The same image on 'big' without a multiplier: its tiles are exact.
    expect(decider.decide(ask({ count: 1, tiles: 0, patches: 1024, sizesKnown: true, patchesKnown: false })).candidates[0]!.promptTokensExact).toBe(true);
    // Without a multiplier the same model prices the request's tiles, whatever its patches.
    expect(decider.decide(ask({ count: 1, tiles: 4, patches: 1024, sizesKnown: true })).candidates[0]!.promptTokens).toBe(text + 85 + 4 * 170);
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

/** Compiles YAML policy source or fails the test with the errors. */
function fromYaml(source: string): Decider {
  const built = compilePolicySource(source, 'p.yaml');
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  return new Decider(built.compiled);
}

const CATALOGUE = `version: 1
providers:
  a: { kind: openai, base_url: http://127.0.0.1:1/v1, api_key_env: A_KEY }
models:
  nano:
    provider: a
    price: { input: 0.05, output: 0.40 }
    context_window: 400000
    quality: 2
  mini:
    provider: a
    price: { input: 0.25, output: 2.00 }
    context_window: 400000
    max_output_tokens: 1000
    quality: 4
  text-only:
    provider: a
    upstream: gpt-4o
    price: { input: 0.01, output: 0.02 }
    context_window: 8000
    capabilities: []
    quality: 1
  large:
    provider: a
    upstream: gpt-4o
    price: { input: 2.00, output: 8.00 }
    context_window: 1000000
    quality: 5
`;

describe('decide: strategies', () => {
  const d = fromYaml(`${CATALOGUE}routes:
  - name: cheapest
    match: { model: cheapest }
    strategy: cheapest
    candidates: [large, mini, text-only, nano]
  - name: good
    match: { model: good }
    strategy: cheapest
    require: { min_quality: 4, max_cost_usd: 0.01 }
    candidates: [nano, mini, large]
  - name: fastest
    match: { model: fastest }
    strategy: fastest
    require: { max_latency_ms: 900 }
    candidates: [nano, mini, large, text-only]
  - name: ab
    match: { model: ab }
    strategy: weighted
    weights: { nano: 1, mini: 3, large: 0 }
    split_by: user
    candidates: [nano, mini, large]
  - name: clamp
    match: { model: clamp }
    max_tokens: { default: 300, max: 2000 }
    candidates: [mini, nano]
  - name: tools-please
    match: { model: tools-please }
    require: { capabilities: [tools] }
    candidates: [text-only, nano]
`);
  const ask = (model: string, over: Partial<RequestFeatures> = {}): RequestFeatures => ({ model, maxTokens: 100, stream: false, messages: [{ role: 'user', content: 'Summarise the attached ticket in one line.' }], ...over });
  const order = (decision: ReturnType<Decider['decide']>): Array<[string, string | null]> => decision.candidates.map((c) => [c.model, c.excluded]);

  it('cheapest: eligible candidates by estimated cost, excluded ones after in written order', () => {
    const decision = d.decide(ask('cheapest'));
    expect(decision.strategy).toBe('cheapest');
    expect(order(decision)).toEqual([['text-only', null], ['nano', null], ['mini', null], ['large', null]]);
    const costs = decision.candidates.map((c) => c.estimatedCostUsd);
    expect([...costs].sort((x, y) => x - y)).toEqual(costs);
    // Tools rule out the text-only model; it goes last with the reason.
    expect(order(d.decide(ask('cheapest', { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] })))).toEqual([
      ['nano', null], ['mini', null], ['large', null], ['text-only', 'no_tools'],
    ]);
    expect(order(d.decide(ask('cheapest', { jsonMode: true })))[3]).toEqual(['text-only', 'no_json_mode']);
    expect(order(d.decide(ask('cheapest', { images: { count: 1, tiles: 1, sizesKnown: true } })))[3]).toEqual(['text-only', 'no_vision']);
    // Output beyond a model's max_output_tokens, and prompt + output beyond its window.
    expect(order(d.decide(ask('cheapest', { maxTokens: 9000 })))).toEqual([
      ['nano', null], ['large', null], ['mini', 'max_output'], ['text-only', 'context_window'],
    ]);
  });

  it('cheapest with requirements: quality floor and a cost cap exclude with their reasons', () => {
    expect(order(d.decide(ask('good')))).toEqual([['mini', null], ['large', null], ['nano', 'quality_below_min']]);
    // Every candidate excluded: written order, each with its own reason.
    expect(order(d.decide(ask('good', { maxTokens: 2000 })))).toEqual([['nano', 'quality_below_min'], ['mini', 'max_output'], ['large', 'over_cost_cap']]);
  });

  it('fastest: by latency EWMA, unmeasured after measured, over the target excluded', () => {
    const snapshot = { models: { nano: { latencyEwmaMs: 700 }, mini: { latencyEwmaMs: 300 }, large: { latencyEwmaMs: 2500 } } };
    expect(order(d.decide(ask('fastest'), snapshot))).toEqual([['mini', null], ['nano', null], ['text-only', null], ['large', 'over_latency_target']]);
    // An open circuit is excluded whatever its latency.
    const open = { models: { ...snapshot.models, mini: { latencyEwmaMs: 300, circuit: 'open' as const } } };
    expect(order(d.decide(ask('fastest'), open))[0]).toEqual(['nano', null]);
  });

  it('weighted: a stable hash of the split key picks the first candidate in proportion to the weights', () => {
    const first = (user: string): string => d.decide(ask('ab', { user })).candidates[0]!.model;
    // Sticky: the same user always lands on the same model.
    expect(new Set(Array.from({ length: 5 }, () => first('user-42'))).size).toBe(1);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) counts[first(`user-${i}`)] = (counts[first(`user-${i}`)] ?? 0) + 1;
    expect(Object.keys(counts).sort()).toEqual(['mini', 'nano']); // weight 0 never leads
    expect(counts.mini! / 4000).toBeGreaterThan(0.7);
    expect(counts.mini! / 4000).toBeLessThan(0.8);
    // The rest follow as failover in written order.
    const decision = d.decide(ask('ab', { user: 'user-1' }));
    expect(decision.candidates.map((c) => c.model).filter((m) => m !== decision.candidates[0]!.model)).toEqual(['nano', 'mini', 'large'].filter((m) => m !== decision.candidates[0]!.model));
    // An excluded pick moves the split to the eligible ones.
    for (let i = 0; i < 50; i++) {
      expect(d.decide(ask('ab', { user: `user-${i}` }), { models: { mini: { circuit: 'open' } } }).candidates[0]!.model).toBe('nano');
    }
  });

  it('rewrites max_tokens: sets the default when absent, clamps when above, leaves it otherwise', () => {
    expect(d.decide(ask('clamp', { maxTokens: null })).maxTokens).toBe(300);
    expect(d.decide(ask('clamp', { maxTokens: null })).candidates[0]!.outputTokens).toBe(256);
    expect(d.decide(ask('clamp', { maxTokens: 5000 })).maxTokens).toBe(2000);
    expect(d.decide(ask('clamp', { maxTokens: 5000 })).candidates[0]!.outputTokens).toBe(2000);
    expect(d.decide(ask('clamp', { maxTokens: 50 })).maxTokens).toBeNull();
  });

  it('required capabilities exclude candidates that lack them', () => {
    expect(order(d.decide(ask('tools-please')))).toEqual([['text-only', 'capability_required'], ['nano', null]]);
  });
});

describe('decide: fallbacks and the trail', () => {
  const d = fromYaml(`${CATALOGUE}routes:
  - name: premium
    match: { model: chat, metadata: { plan: premium } }
    candidates: [large]
  - name: chat
    match: { model: chat }
    when: request.tokens.prompt < 1000 && !request.tools
    strategy: cheapest
    require: { min_quality: 4 }
    fallback: backup
    candidates: [mini]
  - name: backup
    match: { model: backup }
    strategy: cheapest
    fallback: last
    candidates: [mini, nano]
  - name: last
    match: { model: last }
    candidates: [large]
`);
  const ask = (over: Partial<RequestFeatures> = {}): RequestFeatures => ({ model: 'chat', maxTokens: 10, stream: false, messages: [{ role: 'user', content: 'hello' }], ...over });

  it('appends each fallback route\'s candidates once, in its own strategy\'s order, and says which route gave each', () => {
    const decision = d.decide(ask());
    expect(decision.route).toBe('chat');
    expect(decision.candidates.map((c) => [c.model, c.viaRoute])).toEqual([['mini', 'chat'], ['nano', 'backup'], ['large', 'last']]);
    expect(decision.trail).toEqual([
      { route: 'premium', outcome: 'metadata_mismatch' },
      { route: 'chat', outcome: 'matched' },
      { route: 'backup', outcome: 'fallback' },
      { route: 'last', outcome: 'fallback' },
    ]);
  });

  it('records why each earlier route did not match, conditions included', () => {
    const decision = d.decide(ask({ tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }));
    expect(decision.status).toBe('no_route');
    expect(decision.trail.slice(0, 4)).toEqual([
      { route: 'premium', outcome: 'metadata_mismatch' },
      { route: 'chat', outcome: 'when_false' },
      { route: 'backup', outcome: 'model_mismatch' },
      { route: 'last', outcome: 'model_mismatch' },
    ]);
  });

  it('a model a route excluded by its own requirement is offered again by a fallback whose requirements it meets', () => {
    const x = fromYaml(`${CATALOGUE}routes:
  - name: strict
    match: { model: chat }
    require: { min_quality: 5 }
    fallback: lenient
    candidates: [mini, large]
  - name: lenient
    match: { model: lenient }
    candidates: [mini]
`);
    expect(x.decide(ask()).candidates.map((c) => [c.model, c.excluded, c.viaRoute])).toEqual([
      ['mini', 'quality_below_min', 'strict'], ['large', null, 'strict'], ['mini', null, 'lenient'],
    ]);
  });
});

describe('decide: replaying from recorded counts', () => {
  const d = fromYaml(`${CATALOGUE}  legacy:
    provider: a
    upstream: gpt-4
    price: { input: 30, output: 60 }
    context_window: 8192
  claude:
    provider: a
    upstream: claude-like
    tokenizer: estimate
    chars_per_token: 3.5
    price: { input: 3, output: 15 }
    context_window: 200000
routes:
  - name: hard
    match: { model: auto, complexity: { min: 0.5 } }
    candidates: [large]
  - name: later
    match: { model: auto }
    tier: batch
    when: request.tokens.prompt < 5000
    candidates: [legacy, claude, nano]
`);
  const texts = ['Prove step by step that the sum of two even numbers is even, and explain why.', 'hello there', 'Привет! Как дела? 日本語も少し。'];

  it('gives the decision the text gave, from the counts and features alone', () => {
    for (const text of texts) {
      const request: RequestFeatures = { model: 'auto', maxTokens: 50, stream: false, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: text }] };
      const live = d.decide(request);
      const cl100k = live.candidates.find((c) => c.model === 'legacy')?.promptTokens ?? null;
      const claude = live.candidates.find((c) => c.model === 'claude');
      const replay = d.decide({
        ...request,
        messages: request.messages.map((m) => ({ role: m.role, content: '' })),
        counts: { o200k: live.promptTokens, cl100k, chars: claude ? Math.round((claude.promptTokens - 9) * 3.5) : 0, features: live.features },
      });
      if (live.route === 'later') {
        // chars were recovered approximately above, so compare what does not depend on them.
        expect(replay.candidates.map((c) => [c.model, c.promptTokensExact, c.excluded])).toEqual(live.candidates.map((c) => [c.model, c.promptTokensExact, c.excluded]));
        expect(replay.candidates[0]!.promptTokens).toBe(live.candidates[0]!.promptTokens);
      } else {
        expect(replay).toEqual(live);
      }
      expect([replay.route, replay.complexity, replay.features, replay.trail]).toEqual([live.route, live.complexity, live.features, live.trail]);
    }
  });

  it('scales a missing cl100k count from o200k and marks it an estimate', () => {
    const features = d.decide({ model: 'auto', maxTokens: 1, stream: false, messages: [{ role: 'user', content: 'hello there' }] }).features;
    const replay = d.decide({ model: 'auto', maxTokens: 1, stream: false, messages: [{ role: 'user', content: '' }], counts: { o200k: 100, cl100k: null, chars: 400, features: { ...features, tokens: 100, non_latin_share: 0.5 } } });
    const legacy = replay.candidates.find((c) => c.model === 'legacy')!;
    expect([legacy.promptTokens, legacy.promptTokensExact]).toEqual([165, false]);
    expect(replay.candidates.find((c) => c.model === 'claude')).toMatchObject({ promptTokens: Math.ceil(400 / 3.5) + 3 + 3, promptTokensExact: false });
  });

  it('carries the route\'s tier', () => {
    expect(d.decide({ model: 'auto', maxTokens: 1, stream: false, messages: [{ role: 'user', content: 'hello there' }] }).tier).toBe('batch');
  });

  it('calibrates cl100k per o200k within 10% on English prose and on the multilingual corpus lines', async () => {
    const { readFileSync } = await import('node:fs');
    const { packagePath } = await import('../../../../engine/src/package-root.js');
    const { countTokens: count } = await import('../../../../engine/src/tokenizer.js');
    const { computeFeatures } = await import('../../../../engine/src/features.js');
    const { cl100kPerO200k } = await import('../../../../engine/src/decide.js');
    const lines = readFileSync(packagePath('bench', 'corpus', 'multilingual.txt'), 'utf8').split('\n').filter(Boolean);
    const english = readFileSync(packagePath('README.md'), 'utf8');
    for (const text of [english, lines.join('\n')]) {
      const o = count(text, 'o200k_base');
      const share = computeFeatures(text, o, 1).non_latin_share;
      const estimate = o * cl100kPerO200k(share);
      expect(Math.abs(estimate / count(text, 'cl100k_base') - 1)).toBeLessThan(0.1);
    }
  });
});

describe('decide: request kinds', () => {
  const d = fromYaml(`${CATALOGUE}  embed:
    provider: a
    upstream: text-embedding-3-small
    type: embedding
    price: { input: 0.02, output: 0 }
    context_window: 8191
routes:
  - name: mixed
    match: { model: mixed }
    candidates: [embed, nano]
`);
  it('gives embeddings requests only embedding models, and chat requests only chat models', () => {
    const ask = (kind: 'chat' | 'embedding'): Array<[string, string | null]> => d.decide({ model: 'mixed', kind, maxTokens: null, stream: false, messages: [{ role: 'user', content: 'hello' }] })
      .candidates.map((c) => [c.model, c.excluded]);
    expect(ask('embedding')).toEqual([['embed', null], ['nano', 'wrong_type']]);
    expect(ask('chat')).toEqual([['embed', 'wrong_type'], ['nano', null]]);
  });
});

describe('decide: embeddings requests', () => {
  const d = fromYaml(`${CATALOGUE}  small-embed:
    provider: a
    upstream: text-embedding-3-small
    type: embedding
    price: { input: 0.02, output: 0 }
    context_window: 100
routes:
  - name: embed
    match: { model: embed }
    candidates: [small-embed]
`);
  const inputs = (...texts: string[]): RequestFeatures => ({ model: 'embed', kind: 'embedding', maxTokens: null, stream: false, messages: texts.map((content) => ({ role: 'user', content })) });

  it('counts only the inputs\' text, expects no output, and checks the longest input against the window', () => {
    const text = 'word '.repeat(60);
    const decision = d.decide(inputs(text, text, text));
    const c = decision.candidates[0]!;
    expect(c.promptTokens).toBe(3 * countTokens(text, 'o200k_base'));
    expect(c.outputTokens).toBe(0);
    expect(decision.maxTokens).toBeNull();
    // 180 tokens in all, 60 each: every input fits a 100-token window.
    expect(c.excluded).toBeNull();
    expect(d.decide(inputs('word '.repeat(120))).candidates[0]!.excluded).toBe('context_window');
  });
});

describe('decide: what each provider kind can do', () => {
  // No capabilities written: each model has its provider kind's (policy/defaults.ts KIND_CAPABILITIES).
  const d = fromYaml(`version: 1
providers:
  oa: { kind: openai, base_url: http://127.0.0.1:1/v1, api_key_env: OA_KEY }
  an: { kind: anthropic, base_url: http://127.0.0.1:2, api_key_env: AN_KEY }
  ge: { kind: gemini, base_url: http://127.0.0.1:3, api_key_env: GE_KEY }
models:
  claude: { provider: an, price: { input: 0.1, output: 0.1 }, context_window: 100000 }
  gem: { provider: ge, price: { input: 0.2, output: 0.2 }, context_window: 100000 }
  gpt: { provider: oa, price: { input: 1, output: 1 }, context_window: 100000 }
routes:
  - name: mixed
    candidates: [claude, gem, gpt]
`);
  const ask = (over: Partial<RequestFeatures> = {}): RequestFeatures => ({ model: 'any', maxTokens: 10, stream: false, messages: [{ role: 'user', content: 'hi' }], ...over });
  const reasons = (over: Partial<RequestFeatures>): Array<[string, string | null]> => d.decide(ask(over)).candidates.map((c) => [c.model, c.excluded]);

  it('a plain request may go to any of them, in written order', () => {
    expect(reasons({})).toEqual([['claude', null], ['gem', null], ['gpt', null]]);
  });

  it('JSON mode, log probabilities and several choices exclude the Anthropic model in the decision, with the reason', () => {
    expect(reasons({ jsonMode: true })).toEqual([['claude', 'no_json_mode'], ['gem', null], ['gpt', null]]);
    expect(reasons({ logprobs: true })).toEqual([['claude', 'no_logprobs'], ['gem', null], ['gpt', null]]);
    expect(reasons({ choices: 3 })).toEqual([['claude', 'no_multiple_choices'], ['gem', null], ['gpt', null]]);
    // n: 1 asks for nothing beyond the default.
    expect(reasons({ choices: 1 })).toEqual([['claude', null], ['gem', null], ['gpt', null]]);
    // Tools and images are within what the Anthropic adapter expresses.
    expect(reasons({ tools: [{ type: 'function', function: { name: 'f', parameters: {} } }], images: { count: 1, tiles: 1, sizesKnown: true } }))
      .toEqual([['claude', null], ['gem', null], ['gpt', null]]);
  });

  it('a model whose written capabilities leave out logprobs or several choices is excluded for them', () => {
    const listed = fromYaml(`version: 1
providers:
  oa: { kind: openai, base_url: http://127.0.0.1:1/v1, api_key_env: OA_KEY }
models:
  plain: { provider: oa, price: { input: 1, output: 1 }, context_window: 100000, capabilities: [tools, json_mode] }
  full: { provider: oa, price: { input: 1, output: 1 }, context_window: 100000 }
routes:
  - name: r
    candidates: [plain, full]
`);
    const of = (over: Partial<RequestFeatures>): Array<string | null> => listed.decide(ask(over)).candidates.map((c) => c.excluded);
    expect(of({ logprobs: true })).toEqual(['no_logprobs', null]);
    expect(of({ choices: 2 })).toEqual(['no_multiple_choices', null]);
  });
});

describe('decide: the expected cached share of the prompt', () => {
  const source = (share: string): string => `version: 1
providers:
  oa: { kind: openai, base_url: http://127.0.0.1:1/v1, api_key_env: OA_KEY, batch_discount: 0.5 }
models:
  m: { provider: oa, upstream: gpt-4o, price: { input: 2, cached_input: 0.5, output: 8 }, context_window: 100000 }
  m2: { provider: oa, upstream: gpt-4o, price: { input: 2, cached_input: 0.5, output: 8 }, context_window: 100000 }
routes:
  - name: r
    match: { model: cached }
    expected_output_tokens: 40
${share}    fallback: plain
    candidates: [m]
  - name: plain
    match: { model: plain }
    candidates: [m2]
`;
  const ask: RequestFeatures = { model: 'cached', maxTokens: null, stream: false, messages: [{ role: 'user', content: 'Summarise the attached ticket in one line, please.' }] };

  it('prices that share of the prompt at the cached-input price and the rest at the input price; batch takes its discount after', () => {
    const [c, fallback] = fromYaml(source('    expected_cached_share: 0.6\n')).decide(ask).candidates;
    expect(c!.outputTokens).toBe(40);
    expect(c!.estimatedCostUsd).toBeCloseTo((c!.promptTokens * (0.4 * 2 + 0.6 * 0.5) + 40 * 8) / 1e6, 15);
    expect(c!.batchCostUsd).toBeCloseTo(c!.estimatedCostUsd * 0.5, 15);
    // The share describes the request, like the expected output: the fallback's candidate is estimated on the same terms.
    expect(fallback!.viaRoute).toBe('plain');
    expect(fallback!.estimatedCostUsd).toBeCloseTo(c!.estimatedCostUsd, 15);
  });

  it('defaults to none: the whole prompt at the input price', () => {
    const c = fromYaml(source('')).decide(ask).candidates[0]!;
    expect(c.estimatedCostUsd).toBeCloseTo((c.promptTokens * 2 + 40 * 8) / 1e6, 15);
  });

  it('1 prices the whole prompt as cached', () => {
    const c = fromYaml(source('    expected_cached_share: 1\n')).decide(ask).candidates[0]!;
    expect(c.estimatedCostUsd).toBeCloseTo((c.promptTokens * 0.5 + 40 * 8) / 1e6, 15);
  });
});

describe('decide: the condition step limit', () => {
  const d = fromYaml(`${CATALOGUE}routes:
  - name: noted
    match: { model: chat }
    when: request.metadata.note.contains("needle")
    candidates: [mini]
  - name: plain
    match: { model: chat }
    candidates: [nano]
`);
  const ask = (note: string): RequestFeatures => ({ model: 'chat', maxTokens: 10, stream: false, messages: [{ role: 'user', content: 'hi' }], metadata: { note } });

  it('counts a condition that runs out of steps as false, says so in the trail, and goes on to the next route', () => {
    // The condition holds on a short note.
    expect(d.decide(ask('a needle in a haystack')).route).toBe('noted');
    // 100,000 bytes searched one start at a time: past 4096 steps of 16 bytes, so the run stops,
    // even though the needle is there at the end.
    const decision = d.decide(ask(`${'a'.repeat(100_000)}needle`));
    expect(decision.status).toBe('ok');
    expect(decision.route).toBe('plain');
    expect(decision.trail).toEqual([{ route: 'noted', outcome: 'step_limit' }, { route: 'plain', outcome: 'matched' }]);
    expect(decision.candidates.map((c) => c.model)).toEqual(['nano']);
    // A long note without the needle is the same: step_limit, not when_false.
    expect(d.decide(ask('a'.repeat(100_000))).trail[0]).toEqual({ route: 'noted', outcome: 'step_limit' });
  });
});

describe('decide: strategy options', () => {
  const d = fromYaml(`${CATALOGUE}routes:
  - name: fast
    match: { model: fast }
    strategy: fastest
    candidates: [nano, large]
  - name: fast-capped
    match: { model: fast-capped }
    strategy: fastest
    require: { max_cost_usd: 0.0005 }
    candidates: [nano, large]
  - name: by-caller
    match: { model: by-caller }
    strategy: weighted
    weights: { nano: 1, mini: 1 }
    candidates: [nano, mini]
  - name: by-session
    match: { model: by-session }
    strategy: weighted
    weights: { nano: 1, mini: 1 }
    split_by: session
    candidates: [nano, mini]
`);
  const ask = (model: string, over: Partial<RequestFeatures> = {}): RequestFeatures => ({ model, maxTokens: 100, stream: false, messages: [{ role: 'user', content: 'Summarise the attached ticket in one line.' }], ...over });
  const order = (decision: ReturnType<Decider['decide']>): Array<[string, string | null]> => decision.candidates.map((c) => [c.model, c.excluded]);

  it('fastest under a cost cap: the faster but dearer candidate is excluded as over_cost_cap', () => {
    const snapshot = { models: { nano: { latencyEwmaMs: 800 }, large: { latencyEwmaMs: 100 } } };
    // Without a cap the faster model leads; about $0.0008 for large and $0.00004 for nano here.
    expect(order(d.decide(ask('fast'), snapshot))).toEqual([['large', null], ['nano', null]]);
    const capped = d.decide(ask('fast-capped'), snapshot);
    expect(capped.candidates.find((c) => c.model === 'large')!.estimatedCostUsd).toBeGreaterThan(0.0005);
    expect(order(capped)).toEqual([['nano', null], ['large', 'over_cost_cap']]);
  });

  /** The arm `request` lands on: the first candidate of a weighted route. */
  const arm = (model: string, over: Partial<RequestFeatures>): string => d.decide(ask(model, over)).candidates[0]!.model;

  it('weighted, split by caller (the default): one caller always lands on one arm, whatever its user and session; callers spread over both', () => {
    for (const key of ['key_a', 'key_b', 'key_c']) {
      const arms = new Set(Array.from({ length: 20 }, (_, i) => arm('by-caller', { caller: { key }, user: `u${i}`, session: `s${i}` })));
      expect(arms.size).toBe(1);
    }
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const a = arm('by-caller', { caller: { key: `key_${i}` }, user: 'same', session: 'same' });
      counts[a] = (counts[a] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['mini', 'nano']);
    expect(counts.nano!).toBeGreaterThan(120); // 1:1 weights; 400 callers leave room for the hash's noise
    expect(counts.mini!).toBeGreaterThan(120);
  });

  it('weighted, split by session: one session always lands on one arm, whatever its caller and user; sessions spread over both', () => {
    for (const session of ['s-a', 's-b', 's-c']) {
      const arms = new Set(Array.from({ length: 20 }, (_, i) => arm('by-session', { session, caller: { key: `key_${i}` }, user: `u${i}` })));
      expect(arms.size).toBe(1);
    }
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const a = arm('by-session', { session: `session-${i}`, caller: { key: 'same' }, user: 'same' });
      counts[a] = (counts[a] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['mini', 'nano']);
    expect(counts.nano!).toBeGreaterThan(120);
    expect(counts.mini!).toBeGreaterThan(120);
  });
});

describe('decide: caller.metadata', () => {
  const source = `${CATALOGUE}routes:
  - name: gold
    match: { model: chat }
    when: caller.metadata.tier == "gold" && caller.metadata["cost centre"] != "r&d"
    candidates: [large]
  - name: chat
    match: { model: chat }
    candidates: [nano]
`;
  const d = fromYaml(source);
  const ask = (caller?: RequestFeatures['caller']): RequestFeatures => ({ model: 'chat', maxTokens: 10, stream: false, messages: [{ role: 'user', content: 'hi' }], caller });

  it('reads the virtual key\'s metadata: a gold key matches, another tier, no metadata or no caller do not', () => {
    expect(d.decide(ask({ key: 'k', metadata: { tier: 'gold' } })).route).toBe('gold');
    expect(d.decide(ask({ key: 'k', metadata: { tier: 'gold', 'cost centre': 'r&d' } })).route).toBe('chat');
    expect(d.decide(ask({ key: 'k', metadata: { tier: 'silver' } })).trail[0]).toEqual({ route: 'gold', outcome: 'when_false' });
    expect(d.decide(ask({ key: 'k' })).route).toBe('chat');
    expect(d.decide(ask()).route).toBe('chat');
    // Request metadata of the same name is not the key's.
    expect(d.decide({ ...ask(), metadata: { tier: 'gold' } }).route).toBe('chat');
  });

  it('is type-checked and located like any field', () => {
    const bad = compilePolicySource(source.replace('caller.metadata.tier == "gold"', 'caller.metadata.tier > 5').replace('caller.metadata["cost centre"]', 'caller.metdata.centre'), 'p.yaml');
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    const line = source.split('\n').findIndex((l) => l.includes('when: caller.metadata.tier')) + 1;
    expect(bad.errors.map((e) => e.format())).toEqual([
      `p.yaml:${line}:34: SY_POLICY_EXPR_TYPE: ">" compares caller.metadata.tier, text, with 5, a number; both sides need the same type`,
      `p.yaml:${line}:39: SY_POLICY_EXPR_UNKNOWN_FIELD: unknown field caller.metdata.centre (did you mean caller.metadata.centre?)`,
    ]);
  });
});
