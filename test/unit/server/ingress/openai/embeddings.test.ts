import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../../server/errors.js';
import { base64Vector, embeddingsResponse, parseEmbeddingsBody } from '../../../../../server/ingress/openai/embeddings.js';

function refusal(body: unknown): GatewayError {
  try {
    parseEmbeddingsBody(body);
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError');
}

describe('parseEmbeddingsBody', () => {
  it('takes a string or a list of strings, the encoding, dimensions, user and routing metadata', () => {
    expect(parseEmbeddingsBody({ model: 'embed', input: 'one' })).toEqual({ request: { model: 'embed', input: ['one'] }, encoding: 'float', metadata: undefined });
    expect(parseEmbeddingsBody({ model: 'embed', input: ['a', 'b'], encoding_format: 'base64', dimensions: 256, user: 'u', metadata: { team: 'x', n: 2 } })).toEqual({
      request: { model: 'embed', input: ['a', 'b'], dimensions: 256, user: 'u' }, encoding: 'base64', metadata: { team: 'x', n: '2' },
    });
  });

  it.each([
    [{ input: 'x' }, 'SY_REQUEST_INVALID', 'model'],
    [{ model: 'e' }, 'SY_REQUEST_INVALID', 'input'],
    [{ model: 'e', input: '' }, 'SY_REQUEST_INVALID', 'input'],
    [{ model: 'e', input: [] }, 'SY_REQUEST_INVALID', 'input'],
    [{ model: 'e', input: ['a', 3] }, 'SY_REQUEST_INVALID', 'input[1]'],
    [{ model: 'e', input: [1, 2, 3] }, 'SY_REQUEST_UNSUPPORTED', 'input'],
    [{ model: 'e', input: [[1, 2], [3]] }, 'SY_REQUEST_UNSUPPORTED', 'input'],
    [{ model: 'e', input: 'x', encoding_format: 'int8' }, 'SY_REQUEST_INVALID', 'encoding_format'],
    [{ model: 'e', input: 'x', dimensions: 0 }, 'SY_REQUEST_INVALID', 'dimensions'],
    [{ model: 'e', input: 'x', truncate: 'END' }, 'SY_REQUEST_UNSUPPORTED', 'truncate'],
  ])('refuses %j with %s naming %s', (body, code, param) => {
    const err = refusal(body);
    expect([err.code, err.param]).toEqual([code, param]);
  });
});

describe('embeddingsResponse', () => {
  const served = { result: { vectors: [[0.5, -0.25], [1, 0]], model: 'text-embedding-3-small', promptTokens: 4 }, promptTokens: 4 };

  it("is OpenAI's list, with usage", () => {
    expect(embeddingsResponse(served, 'float')).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.5, -0.25] }, { object: 'embedding', index: 1, embedding: [1, 0] }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  });

  it('encodes base64 as little-endian float32', () => {
    const b64 = base64Vector([0.5, -0.25, 3]);
    const bytes = Buffer.from(b64, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4), bytes.readFloatLE(8)]).toEqual([0.5, -0.25, 3]);
    expect((embeddingsResponse(served, 'base64').data as Array<{ embedding: unknown }>)[0]!.embedding).toBe(base64Vector([0.5, -0.25]));
  });
});
