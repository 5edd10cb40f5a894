/**
 * The OpenAI embeddings wire (https://platform.openai.com/docs/api-reference/embeddings): the
 * request validated into the canonical one, and the answer as OpenAI's list of embeddings.
 * Token-array inputs are refused: the policy routes on text, and only OpenAI could take them.
 */
import type { EmbeddingsRequest } from '../../adapters/embeddings/types.js';
import { GatewayError } from '../../errors.js';
import type { ServedEmbeddings } from '../../pipeline/embeddings.js';

export type EncodingFormat = 'float' | 'base64';

/** A validated embeddings body: the canonical request, how the client wants its vectors, and the routing metadata. */
export interface EmbeddingsBody {
  request: EmbeddingsRequest;
  encoding: EncodingFormat;
  metadata: Record<string, string> | undefined;
}

const HANDLED_FIELDS: ReadonlySet<string> = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user', 'metadata']);

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('SY_REQUEST_INVALID', message, { param });
}

function inputsOf(input: unknown): string[] {
  if (typeof input === 'string') {
    if (input === '') throw invalid('input must not be an empty string', 'input');
    return [input];
  }
  if (!Array.isArray(input) || input.length === 0) throw invalid('input must be a string or a non-empty array of strings', 'input');
  if (input.every((item) => typeof item === 'number' || Array.isArray(item))) {
    throw new GatewayError('SY_REQUEST_UNSUPPORTED', 'token arrays as input are not supported: send the text, so the policy can route on it and any provider can embed it', { param: 'input' });
  }
  return input.map((item, i) => {
    if (typeof item !== 'string' || item === '') throw invalid(`input[${i}] must be a non-empty string`, `input[${i}]`);
    return item;
  });
}

/** The body as a validated embeddings request, or a 400 naming the offending parameter. */
export function parseEmbeddingsBody(body: unknown): EmbeddingsBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the request body must be a JSON object', 'body');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!HANDLED_FIELDS.has(key) && b[key] !== undefined && b[key] !== null) {
      throw new GatewayError('SY_REQUEST_UNSUPPORTED', `${key} is not supported by this gateway's /v1/embeddings`, { param: key });
    }
  }
  if (typeof b.model !== 'string' || b.model === '') throw invalid('you must provide a model parameter', 'model');
  const request: EmbeddingsRequest = { model: b.model, input: inputsOf(b.input) };
  const encoding = b.encoding_format ?? 'float';
  if (encoding !== 'float' && encoding !== 'base64') throw invalid("encoding_format must be 'float' or 'base64'", 'encoding_format');
  if (b.dimensions !== undefined && b.dimensions !== null) {
    if (typeof b.dimensions !== 'number' || !Number.isInteger(b.dimensions) || b.dimensions < 1) {
      throw invalid(`dimensions must be a positive integer, got ${JSON.stringify(b.dimensions)}`, 'dimensions');
    }
    request.dimensions = b.dimensions;
  }
  if (b.user !== undefined && b.user !== null) {
    if (typeof b.user !== 'string') throw invalid('user must be a string', 'user');
    request.user = b.user;
  }
  return { request, encoding, metadata: metadataOf(b.metadata) };
}

/** Routing metadata, as on /v1/chat/completions: string, number or boolean values, kept as text. */
function metadataOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('metadata must be an object of string values', 'metadata');
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw invalid(`metadata.${k} must be a string`, `metadata.${k}`);
    metadata[k] = String(v);
  }
  return metadata;
}

/** A vector as OpenAI's base64 encoding: little-endian float32, as its SDKs decode it. */
export function base64Vector(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString('base64');
}

/** The OpenAI embeddings response for a served request. */
export function embeddingsResponse(served: ServedEmbeddings, encoding: EncodingFormat): Record<string, unknown> {
  return {
    object: 'list',
    data: served.result.vectors.map((vector, index) => ({
      object: 'embedding', index, embedding: encoding === 'base64' ? base64Vector(vector) : vector,
    })),
    model: served.result.model,
    usage: { prompt_tokens: served.promptTokens, total_tokens: served.promptTokens },
  };
}
