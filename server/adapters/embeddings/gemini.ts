/**
 * Embeddings on Gemini: POST {baseUrl}/v1beta/models/{model}:batchEmbedContents
 * (https://ai.google.dev/api/embeddings), one EmbedContentRequest per input, so a list of texts
 * is one call. `dimensions` is outputDimensionality. Gemini reports no token usage for
 * embeddings.
 */
import { GEMINI_API_VERSION } from '../gemini/request.js';
import { malformedBodyError } from '../openai/error.js';
import type { UpstreamHttpRequest, UpstreamTarget } from '../types.js';
import type { EmbeddingsAdapter, EmbeddingsRequest, EmbeddingsResult } from './types.js';

function toRequest(req: EmbeddingsRequest, target: UpstreamTarget): UpstreamHttpRequest {
  // Each request names the model again, and it must be the one in the URL.
  const model = `models/${target.upstreamModel}`;
  const requests = req.input.map((text) => {
    const one: Record<string, unknown> = { model, content: { parts: [{ text }] } };
    if (req.dimensions !== undefined) one.outputDimensionality = req.dimensions;
    return one;
  });
  // `user` is an id for the provider's abuse monitoring: Gemini has no such field, and leaving
  // it out does not change the vectors.
  return {
    url: `${target.baseUrl}/${GEMINI_API_VERSION}/models/${encodeURIComponent(target.upstreamModel)}:batchEmbedContents`,
    headers: { 'x-goog-api-key': target.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ requests }),
  };
}

function fromResponse(body: unknown, target: UpstreamTarget, inputs: number): EmbeddingsResult {
  const embeddings = (body as { embeddings?: unknown } | null)?.embeddings;
  if (!Array.isArray(embeddings)) throw malformedBodyError('gemini', 'a batchEmbedContents body without an embeddings array');
  if (embeddings.length !== inputs) throw malformedBodyError('gemini', `${embeddings.length} embeddings for ${inputs} inputs`);
  const vectors = embeddings.map((e) => {
    const values = (e as { values?: unknown } | null)?.values;
    if (!Array.isArray(values)) throw malformedBodyError('gemini', 'an embedding without values');
    return values as number[];
  });
  return { vectors, model: target.upstreamModel, promptTokens: null };
}

export const geminiEmbeddings: EmbeddingsAdapter = { kind: 'gemini', toRequest, fromResponse };
