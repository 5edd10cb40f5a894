import { describe, expect, it } from 'vitest';
import { ADAPTER_KINDS } from '../../../../../server/adapters/registry.js';
import { getEmbeddingsAdapter } from '../../../../../server/adapters/embeddings/registry.js';

describe('embeddings adapter registry', () => {
  it('serves OpenAI and Gemini; Anthropic has no embeddings API', () => {
    expect(ADAPTER_KINDS.map((kind) => [kind, getEmbeddingsAdapter(kind)?.kind ?? null])).toEqual([
      ['openai', 'openai'], ['anthropic', null], ['gemini', 'gemini'],
    ]);
    expect(getEmbeddingsAdapter('toString')).toBeUndefined();
  });
});
