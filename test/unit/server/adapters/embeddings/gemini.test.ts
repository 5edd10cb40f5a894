import { describe, expect, it } from 'vitest';
import { geminiEmbeddings } from '../../../../../server/adapters/embeddings/gemini.js';
import { UpstreamError } from '../../../../../server/adapters/openai/error.js';

const target = { baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'g-key', upstreamModel: 'gemini-embedding-001' };

describe('gemini embeddings adapter', () => {
  it('builds one batchEmbedContents call with a request per input, dimensions as outputDimensionality', () => {
    const req = geminiEmbeddings.toRequest({ model: 'embed', input: ['a', 'b'], dimensions: 768, user: 'u' }, target);
    expect(req.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(req.headers['x-goog-api-key']).toBe('g-key');
    expect(JSON.parse(req.body)).toEqual({ requests: [
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] }, outputDimensionality: 768 },
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'b' }] }, outputDimensionality: 768 },
    ] });
  });

  it('maps the embeddings back; Gemini reports no tokens', () => {
    expect(geminiEmbeddings.fromResponse({ embeddings: [{ values: [1, 2] }, { values: [3, 4] }] }, target, 2))
      .toEqual({ vectors: [[1, 2], [3, 4]], model: 'gemini-embedding-001', promptTokens: null });
  });

  it.each([[{}], [{ embeddings: [{ values: [1] }] }], [{ embeddings: [{ values: [1] }, {}] }]])('throws UpstreamError for %j', (body) => {
    expect(() => geminiEmbeddings.fromResponse(body, target, 2)).toThrow(UpstreamError);
  });
});
