import { coreCounting } from '../../../../server/recording/recorder.js';
import { countTokens } from '../../../../engine/src/tokenizer.js';
import { describe, expect, it } from 'vitest';
import { compilePolicySource } from '../../../../engine/src/policy/compile.js';
import { Decider, type RequestFeatures } from '../../../../engine/src/decide.js';
import { recordDecision, replayRequest, toRecord } from '../../../../server/recording/record.js';
import type { TrafficRecord } from '../../../../server/recording/types.js';

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
