import { describe, expect, it } from 'vitest';
import { geminiEmbed, inputTokens, openaiEmbeddings, simulatedVector } from '../../../../bench/sim/embeddings.js';
import { matchRoute, providerOf } from '../../../../bench/sim/route.js';
import type { Reply } from '../../../../bench/sim/wire.js';

function json(reply: Reply): { status: number; body: Record<string, unknown> } {
  if (reply.kind !== 'json') throw new Error('expected a JSON reply');
  return { status: reply.status, body: JSON.parse(reply.body) as Record<string, unknown> };
}

const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('simulated vectors', () => {
  it('are deterministic unit vectors, different per text and per model', () => {
    const a = simulatedVector('m', 'hello', 64);
    expect(simulatedVector('m', 'hello', 64)).toEqual(a);
    expect(a).toHaveLength(64);
    expect(norm(a)).toBeCloseTo(1, 4);
    expect(simulatedVector('m', 'hello!', 64)).not.toEqual(a);
    expect(simulatedVector('other', 'hello', 64)).not.toEqual(a);
  });

  it('shortened, are the full vector cut and rescaled, as shortened real embeddings are', () => {
    const full = simulatedVector('m', 'text', 32);
    const short = simulatedVector('m', 'text', 32, 8);
    expect(norm(short)).toBeCloseTo(1, 4);
    const scale = norm(full.slice(0, 8));
    short.forEach((x, i) => expect(x * scale).toBeCloseTo(full[i]!, 5));
    expect(simulatedVector('m', 'text', 32, 100)).toHaveLength(32);
  });

  it('count tokens as the sim does: ceil(bytes / 4) of text, the length of a token array', () => {
    expect(inputTokens('abcde')).toBe(2);
    expect(inputTokens([1, 2, 3])).toBe(3);
  });
});

describe('OpenAI POST /v1/embeddings, simulated', () => {
  it('answers a list of texts in order, with usage', () => {
    const { status, body } = json(openaiEmbeddings({ model: 'text-embedding-3-small', input: ['ab', 'abcdefgh'] }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 3, total_tokens: 3 } });
    const data = body.data as Array<{ object: string; index: number; embedding: number[] }>;
    expect(data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([['embedding', 0, 1536], ['embedding', 1, 1536]]);
    expect(data[0]!.embedding).toEqual(simulatedVector('text-embedding-3-small', 'ab', 1536));
  });

  it('shortens text-embedding-3 vectors to dimensions and encodes base64 as little-endian float32', () => {
    const { body } = json(openaiEmbeddings({ model: 'text-embedding-3-large', input: 'x', dimensions: 4, encoding_format: 'base64' }));
    const b64 = (body.data as Array<{ embedding: string }>)[0]!.embedding;
    const bytes = Buffer.from(b64, 'base64');
    const floats = [0, 1, 2, 3].map((i) => bytes.readFloatLE(i * 4));
    simulatedVector('text-embedding-3-large', 'x', 3072, 4).forEach((x, i) => expect(floats[i]).toBeCloseTo(x, 6));
  });

  it.each([
    [{ input: 'x' }, 'you must provide a model parameter'],
    [{ model: 'text-embedding-3-small', input: '' }, "'$.input' is invalid"],
    [{ model: 'text-embedding-3-small', input: [1, 'a'] }, "'$.input' is invalid"],
    [{ model: 'text-embedding-ada-002', input: 'x', dimensions: 8 }, 'does not support specifying dimensions'],
    [{ model: 'text-embedding-3-small', input: 'x', encoding_format: 'int8' }, "Invalid value for 'encoding_format'"],
  ])('refuses %j with a 400 in OpenAI shape', (body, message) => {
    const reply = json(openaiEmbeddings(body));
    expect(reply.status).toBe(400);
    expect((reply.body.error as { message: string }).message).toContain(message);
  });
});

describe('Gemini embedContent and batchEmbedContents, simulated', () => {
  it('embedContent answers one embedding', () => {
    const { status, body } = json(geminiEmbed('gemini-embedding-001', { content: { parts: [{ text: 'hi' }] }, outputDimensionality: 10 }, false));
    expect(status).toBe(200);
    expect(body).toEqual({ embedding: { values: simulatedVector('gemini-embedding-001', 'hi', 3072, 10) } });
  });

  it('batchEmbedContents answers one embedding per request, in order', () => {
    const requests = ['a', 'b'].map((text) => ({ model: 'models/text-embedding-004', content: { parts: [{ text }] } }));
    const { body } = json(geminiEmbed('text-embedding-004', { requests }, true));
    expect(body).toEqual({ embeddings: [{ values: simulatedVector('text-embedding-004', 'a', 768) }, { values: simulatedVector('text-embedding-004', 'b', 768) }] });
  });

  it.each([
    [{ requests: [] }, 'requests is not specified'],
    [{ requests: [{ model: 'models/other', content: { parts: [{ text: 'a' }] } }] }, 'requests[0].model'],
    [{ requests: [{ model: 'models/gemini-embedding-001', content: { parts: [] } }] }, 'must not be empty'],
  ])('refuses %j with a 400 INVALID_ARGUMENT', (body, message) => {
    const reply = json(geminiEmbed('gemini-embedding-001', body, true));
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining(message) });
  });

  it('the embeddings endpoints are routed, in their provider\'s wire format', () => {
    expect(matchRoute('POST', '/v1/embeddings', '')).toEqual({ kind: 'openai-embeddings' });
    const batch = matchRoute('POST', '/v1beta/models/gemini-embedding-001:batchEmbedContents', '');
    expect(batch).toEqual({ kind: 'gemini-embed', model: 'gemini-embedding-001', batch: true });
    expect(matchRoute('POST', '/v1/models/text-embedding-004:embedContent', '')).toEqual({ kind: 'gemini-embed', model: 'text-embedding-004', batch: false });
    expect(providerOf(batch)).toBe('gemini');
  });
});
