/**
 * The embeddings adapter contract: pure mappings between the canonical embeddings request (the
 * OpenAI one, inputs always a list of texts) and one provider's embeddings API. The gateway's
 * transport sends what `toRequest` builds.
 */
import type { UpstreamHttpRequest, UpstreamTarget } from '../types.js';

/** The canonical embeddings request, validated. */
export interface EmbeddingsRequest {
  /** The model alias the client asked for (routes match it). */
  model: string;
  /** The texts to embed, in order; never empty. */
  input: string[];
  /** Output vector length, for models that can shorten their vectors. */
  dimensions?: number;
  /** The end user, for the provider's abuse monitoring. */
  user?: string;
}

/** What a provider answered, in the canonical shape. */
export interface EmbeddingsResult {
  /** One vector per input, in input order. */
  vectors: number[][];
  /** The model name the provider reported (else the upstream name asked for). */
  model: string;
  /** Input tokens as the provider reported them; null when it reports none (Gemini). */
  promptTokens: number | null;
}

/** One provider kind's embeddings mapping. */
export interface EmbeddingsAdapter {
  readonly kind: string;
  toRequest(req: EmbeddingsRequest, target: UpstreamTarget): UpstreamHttpRequest;
  /** Maps a successful body; throws UpstreamError when it breaks the wire format or the vector count. */
  fromResponse(body: unknown, target: UpstreamTarget, inputs: number): EmbeddingsResult;
}
