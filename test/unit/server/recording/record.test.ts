import { coreCounting } from '../../../../server/recording/recorder.js';
import { countTokens } from '../../../../engine/src/tokenizer.js';
import { describe, expect, it } from 'vitest';
import { compilePolicySource } from '../../../../engine/src/policy/compile.js';
import { Decider, type RequestFeatures } from '../../../../engine/src/decide.js';
import { recordDecision, replayRequest, toRecord } from '../../../../server/recording/record.js';
import { RECORD_VERSION, type TrafficRecord } from '../../../../server/recording/types.js';

const POLICY = `version: 1
providers:
  openai: { kind: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY }
models:
  gpt-4o-mini: { provider: openai, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  text-embedding-3-small: { provider: openai, type: embedding, price: { input: 0.02, output: 0 }, context_window: 8191 }
routes:
  - { name: any, match: {}, candidates: [text-embedding-3-small, gpt-4o-mini] }
`;

const counting = coreCounting;

function record(features: RequestFeatures): TrafficRecord {
  const result = compilePolicySource(POLICY, 'p.yaml');
  if (!result.ok) throw new Error('policy');
  const decision = new Decider(result.compiled).decide(features, {});
  const body = { model: features.model, messages: features.messages.map((m) => ({ role: m.role as 'user', content: m.content })) };
  return toRecord({
    id: 'r', at: 1, done: 2, policyHash: 'h', redaction: 'counts', body, features, snapshot: {}, decision,
    outcome: { status: 200, error: null, model: null, provider: null, attempts: 1, usage: null, cost_usd: null, latency_ms: 1, ttft_ms: null, cache: 'none' },
  }, counting);
}

describe('the request kind in traffic records', () => {
  it('records and replays kind, so a replayed embeddings request decides as it did', () => {
    const embedding = record({ kind: 'embedding', model: 'x', messages: [{ role: 'user', content: 'a text' }], maxTokens: null, stream: false });
    expect(embedding.request.kind).toBe('embedding');
    expect(embedding.decision.candidates).toEqual([['text-embedding-3-small', null], ['gpt-4o-mini', 'wrong_type']]);
    expect(replayRequest(embedding).kind).toBe('embedding');
    // Embeddings inputs are counted without chat overhead, in every encoding.
    expect(embedding.request.counts).toMatchObject({ o200k: countTokens('a text', 'o200k_base'), cl100k: countTokens('a text', 'cl100k_base'), chars: 6 });
    const result = compilePolicySource(POLICY, 'p.yaml');
    if (!result.ok) throw new Error('policy');
    expect(recordDecision(new Decider(result.compiled).decide(replayRequest(embedding), {}))).toEqual(embedding.decision);
    expect(record({ model: 'x', messages: [{ role: 'user', content: 'hi' }], maxTokens: null, stream: false }).request.kind).toBe('chat');
  });

  it('reads a record written before kind existed as chat', () => {
    const old = record({ model: 'x', messages: [{ role: 'user', content: 'hi' }], maxTokens: null, stream: false });
    delete old.request.kind;
    expect(replayRequest(old).kind).toBe('chat');
  });
});

const BUDGETED = `version: 1
providers:
  openai: { kind: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY }
models:
  big: { provider: openai, price: { input: 5, output: 15 }, context_window: 128000 }
  small: { provider: openai, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
routes:
  - { name: main, match: { model: auto }, candidates: [big] }
  - { name: cheap, match: { model: cheap }, candidates: [small] }
`;

describe('a budget downgrade in traffic records', () => {
  const compiled = (() => {
    const result = compilePolicySource(BUDGETED, 'p.yaml');
    if (!result.ok) throw new Error('policy');
    return result.compiled;
  })();
  const decider = new Decider(compiled);
  const base: RequestFeatures = { model: 'auto', messages: [{ role: 'user', content: 'hi' }], maxTokens: null, stream: false };
  const served = (features: RequestFeatures): TrafficRecord => toRecord({
    id: 'r', at: 1, done: 2, policyHash: 'h', redaction: 'counts', body: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] },
    features, snapshot: {}, decision: decider.decide(features, {}),
    outcome: { status: 200, error: null, model: null, provider: null, attempts: 1, usage: null, cost_usd: null, latency_ms: 1, ttft_ms: null, cache: 'none' },
  }, counting);

  it('records the forced route, and a replay asked to restores it: the downgraded decision again', () => {
    const downgraded = served({ ...base, forceRoute: 'cheap' });
    expect(downgraded.request.forced_route).toBe('cheap');
    expect(downgraded.decision.route).toBe('cheap');
    expect(replayRequest(downgraded, { forcedRoute: true }).forceRoute).toBe('cheap');
    expect(recordDecision(decider.decide(replayRequest(downgraded, { forcedRoute: true }), downgraded.snapshot))).toEqual(downgraded.decision);
    // Survives the line it is written as.
    const line = JSON.parse(JSON.stringify(downgraded)) as TrafficRecord;
    expect(recordDecision(decider.decide(replayRequest(line, { forcedRoute: true }), line.snapshot)).route).toBe('cheap');
  });

  it('leaves the forced route out by default, for replays that decide budgets themselves (dry-run)', () => {
    const downgraded = served({ ...base, forceRoute: 'cheap' });
    expect(replayRequest(downgraded).forceRoute).toBeUndefined();
    expect(decider.decide(replayRequest(downgraded), downgraded.snapshot).route).toBe('main');
  });

  it('records null when no budget forced a route, and reads records written before the field existed', () => {
    const plain = served(base);
    expect(plain.request.forced_route).toBeNull();
    expect(replayRequest(plain, { forcedRoute: true }).forceRoute).toBeUndefined();
    delete plain.request.forced_route;
    expect(plain.v).toBe(RECORD_VERSION);
    expect(recordDecision(decider.decide(replayRequest(plain, { forcedRoute: true }), plain.snapshot))).toEqual(plain.decision);
  });
});

const BY_CALLER = `version: 1
providers:
  openai: { kind: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY }
models:
  big: { provider: openai, price: { input: 5, output: 15 }, context_window: 128000 }
  small: { provider: openai, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
routes:
  - { name: gold, match: { model: auto }, when: 'caller.metadata.tier == "gold"', candidates: [big] }
  - { name: rest, match: { model: auto }, candidates: [small] }
`;

describe('decision inputs besides the prompt in traffic records', () => {
  const result = compilePolicySource(BY_CALLER, 'p.yaml');
  if (!result.ok) throw new Error(result.errors.map((e) => e.format()).join('\n'));
  const decider = new Decider(result.compiled);
  const served = (features: RequestFeatures): TrafficRecord => JSON.parse(JSON.stringify(toRecord({
    id: 'r', at: 1, done: 2, policyHash: 'h', redaction: 'counts', body: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] },
    features, snapshot: {}, decision: decider.decide(features, {}),
    outcome: { status: 200, error: null, model: null, provider: null, attempts: 1, usage: null, cost_usd: null, latency_ms: 1, ttft_ms: null, cache: 'none' },
  }, counting))) as TrafficRecord;
  const base: RequestFeatures = { model: 'auto', messages: [{ role: 'user', content: 'hi' }], maxTokens: null, stream: false };

  it('keeps the key\'s metadata, so a condition on caller.metadata replays as it decided', () => {
    const gold = served({ ...base, caller: { key: 'k1', team: 't', user: 'u', metadata: { tier: 'gold' } } });
    expect(gold.request.caller).toEqual({ key: 'k1', team: 't', user: 'u', metadata: { tier: 'gold' } });
    expect(gold.decision.route).toBe('gold');
    expect(recordDecision(decider.decide(replayRequest(gold), gold.snapshot))).toEqual(gold.decision);
    // A key without metadata records none.
    expect(served({ ...base, caller: { key: 'k2', team: '', user: '' } }).request.caller).toEqual({ key: 'k2', team: '', user: '' });
  });

  it('keeps logprobs and n, and reads records written before them as neither', () => {
    const asked = served({ ...base, logprobs: true, choices: 3 });
    expect(asked.request).toMatchObject({ logprobs: true, choices: 3 });
    expect(replayRequest(asked)).toMatchObject({ logprobs: true, choices: 3 });
    delete asked.request.logprobs;
    delete asked.request.choices;
    expect(replayRequest(asked)).toMatchObject({ logprobs: false, choices: 1 });
  });
});

describe('images in traffic records', () => {
  const IMAGES = `version: 1
providers:
  openai: { kind: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY }
models:
  gpt-4.1-mini: { provider: openai, price: { input: 0.4, output: 1.6 }, context_window: 1047576, image_tokens: { patch_multiplier: 1.62 } }
  gpt-4o: { provider: openai, price: { input: 2.5, output: 10 }, context_window: 128000 }
routes:
  - { name: any, match: {}, candidates: [gpt-4.1-mini, gpt-4o] }
`;
  const compiled = compilePolicySource(IMAGES, 'p.yaml');
  if (!compiled.ok) throw new Error('policy');
  const decider = new Decider(compiled.compiled);
  const features: RequestFeatures = {
    model: 'x', messages: [{ role: 'user', content: 'what is this?' }], maxTokens: null, stream: false,
    images: { count: 2, tiles: 8, patches: 2048, sizesKnown: true, patchesKnown: false },
  };
  const served = (): TrafficRecord => {
    const decision = decider.decide(features, {});
    return toRecord({
      id: 'r', at: 1, done: 2, policyHash: 'h', redaction: 'counts', body: { model: 'x', messages: [{ role: 'user', content: 'what is this?' }] }, features, snapshot: {}, decision,
      outcome: { status: 200, error: null, model: null, provider: null, attempts: 1, usage: null, cost_usd: null, latency_ms: 1, ttft_ms: null, cache: 'none' },
    }, counting);
  };

  it('keeps patches with count, tiles and sizes_known, so a replay prices a patch model as it decided', () => {
    const rec = served();
    expect(rec.request.images).toEqual({ count: 2, tiles: 8, patches: 2048, sizes_known: true, patches_known: false });
    const back = JSON.parse(JSON.stringify(rec)) as TrafficRecord;
    expect(replayRequest(back).images).toEqual({ count: 2, tiles: 8, patches: 2048, sizesKnown: true, patchesKnown: false });
    const replayed = decider.decide(replayRequest(back), {});
    expect(recordDecision(replayed)).toEqual(rec.decision);
    // ceil(2048 x 1.62) image tokens on gpt-4.1-mini, in the recorded estimate too.
    const text = decider.decide({ ...features, images: undefined }, {}).candidates[0]!.promptTokens;
    expect(replayed.candidates[0]!.promptTokens).toBe(text + 3318);
    expect(replayed.candidates.map((c) => c.promptTokensExact)).toEqual([false, true]);
  });

  it('reads a record written before patches were kept as 0 patches: a patch model undercounts on replay', () => {
    const rec = served();
    delete rec.request.images!.patches;
    delete rec.request.images!.patches_known;
    expect(replayRequest(rec).images).toEqual({ count: 2, tiles: 8, patches: 0, sizesKnown: true, patchesKnown: true });
    const replayed = decider.decide(replayRequest(rec), {});
    const text = decider.decide({ ...features, images: undefined }, {}).candidates[0]!.promptTokens;
    expect(replayed.candidates[0]!.promptTokens).toBe(text);
    // The tile model is unaffected.
    expect(replayed.candidates[1]!.promptTokens).toBe(decider.decide(features, {}).candidates[1]!.promptTokens);
  });
});
