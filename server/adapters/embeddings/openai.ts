/**
 * Embeddings on OpenAI and OpenAI-compatible servers: POST {baseUrl}/embeddings
 * (https://platform.openai.com/docs/api-reference/embeddings). The canonical request is
 * OpenAI's, so the mapping only fixes the model and asks for floats: the gateway encodes
 * base64 itself when the client wants it, whichever provider served.
 */
import { malformedBodyError } from '../openai/error.js';
import type { UpstreamHttpRequest, UpstreamTarget } from '../types.js';
import type { EmbeddingsAdapter, EmbeddingsRequest, EmbeddingsResult } from './types.js';

function toRequest(req: EmbeddingsRequest, target: UpstreamTarget): UpstreamHttpRequest {
  const body: Record<string, unknown> = { model: target.upstreamModel, input: req.input, encoding_format: 'float' };
  if (req.dimensions !== undefined) body.dimensions = req.dimensions;
  if (req.user !== undefined) body.user = req.user;
  return {
    url: `${target.baseUrl}/embeddings`,
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

interface EmbeddingsBody {
  data?: unknown;
  model?: unknown;
  usage?: { prompt_tokens?: unknown } | null;
}

function fromResponse(body: unknown, target: UpstreamTarget, inputs: number): EmbeddingsResult {
  const data = (body as EmbeddingsBody | null)?.data;
  if (!Array.isArray(data)) throw malformedBodyError('openai', 'an embeddings body without a data array');
  const vectors: Array<number[] | undefined> = new Array<number[] | undefined>(inputs).fill(undefined);
  for (const item of data) {
    const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= inputs || !Array.isArray(embedding)) {
      throw malformedBodyError('openai', 'an embedding without a valid index and float vector');
    }
    vectors[index] = embedding as number[];
  }
  if (data.length !== inputs || !vectors.every((v) => v !== undefined)) {
    throw malformedBodyError('openai', `${data.length} embeddings for ${inputs} inputs`);
  }
  const { model, usage } = body as EmbeddingsBody;
  const tokens = usage?.prompt_tokens;
  return {
    vectors: vectors as number[][],
    model: typeof model === 'string' ? model : target.upstreamModel,
    promptTokens: typeof tokens === 'number' ? tokens : null,
  };
}

export const openaiEmbeddings: EmbeddingsAdapter = { kind: 'openai', toRequest, fromResponse };
