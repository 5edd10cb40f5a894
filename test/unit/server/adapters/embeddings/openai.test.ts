import { describe, expect, it } from 'vitest';
import { openaiEmbeddings } from '../../../../../server/adapters/embeddings/openai.js';
import { UpstreamError } from '../../../../../server/adapters/openai/error.js';

const target = { baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test', upstreamModel: 'text-embedding-3-small' };

describe('openai embeddings adapter', () => {
  it('builds POST {baseUrl}/embeddings with the upstream model, floats, dimensions and user', () => {
    const req = openaiEmbeddings.toRequest({ model: 'embed', input: ['a', 'b'], dimensions: 64, user: 'u' }, target);
    expect(req.url).toBe('https://api.openai.com/v1/embeddings');
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(JSON.parse(req.body)).toEqual({ model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float', dimensions: 64, user: 'u' });
  });

  it('maps the list back in input order, with the reported model and tokens', () => {
    const body = { object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 5, total_tokens: 5 }, data: [
      { object: 'embedding', index: 1, embedding: [0, 1] },
      { object: 'embedding', index: 0, embedding: [1, 0] },
    ] };
    expect(openaiEmbeddings.fromResponse(body, target, 2)).toEqual({ vectors: [[1, 0], [0, 1]], model: 'text-embedding-3-small', promptTokens: 5 });
  });

  it.each([
    [{}],
    [{ data: [{ index: 0, embedding: [1] }] }],
    [{ data: [{ index: 0, embedding: [1] }, { index: 0, embedding: [2] }] }],
    [{ data: [{ index: 0, embedding: 'AAAA' }, { index: 1, embedding: [2] }] }],
  ])('throws UpstreamError for a body that breaks the format or the count: %j', (body) => {
    expect(() => openaiEmbeddings.fromResponse(body, target, 2)).toThrow(UpstreamError);
  });
});
