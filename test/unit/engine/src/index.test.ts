import { describe, expect, it } from 'vitest';
import * as api from '../../../../engine/src/index.js';

describe('the package API', () => {
  it('exports the documented surface', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_COMPLEXITY_WEIGHTS', 'Decider', 'EngineError', 'FEATURE_NAMES', 'PolicyError', 'checkPolicyFile',
      'checkPolicySource', 'compilePolicyFile', 'compilePolicySource', 'computeFeatures', 'cosineSimilarity', 'costUsd',
      'countChatTokens', 'countTokens', 'embed', 'encodingForModel', 'formatUsd',
    ]);
  });

  it("gives README's examples their stated results", () => {
    expect(api.countTokens('hello world', 'o200k_base')).toBe(2);
    expect(api.countChatTokens([{ role: 'user', content: 'hello world' }], 'gpt-4o')).toEqual({ tokens: 9, exact: true, tokenizer: 'o200k_base' });
  });
});
