/** Prices an answer: USD from reported usage and the model's price card. */
import type { ModelSpec } from './policy/types.js';

/** Token usage of one answer, as the provider reported it (or as counted). */
export interface TokenUsage {
  /** All prompt tokens, cached reads and cache writes included (OpenAI's prompt_tokens). */
  inputTokens: number;
  /** The part of inputTokens served from the provider's prompt cache. */
  cachedInputTokens?: number;
  /** The part of inputTokens written to the provider's prompt cache (Anthropic's cache_creation_input_tokens). */
  cacheWriteInputTokens?: number;
  outputTokens: number;
}

/**
 * USD cost of `usage` on `model`; `batch` applies the model's batch discount. A price card
 * without a cache write price (a ModelSpec built before it existed) bills writes as input.
 */
export function costUsd(
  model: Pick<ModelSpec, 'inputPerMTok' | 'outputPerMTok' | 'cachedInputPerMTok' | 'batchDiscount'> & { cacheWritePerMTok?: number },
  usage: TokenUsage,
  batch = false,
): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const written = Math.min(usage.cacheWriteInputTokens ?? 0, usage.inputTokens - cached);
  const writePrice = model.cacheWritePerMTok ?? model.inputPerMTok;
  const usd = ((usage.inputTokens - cached - written) * model.inputPerMTok + cached * model.cachedInputPerMTok
    + written * writePrice + usage.outputTokens * model.outputPerMTok) / 1e6;
  return batch ? usd * (1 - model.batchDiscount) : usd;
}

/** A cost as the x-switchyard-cost-usd header carries it: fixed point, no exponent. */
export function formatUsd(usd: number): string {
  return usd.toFixed(8);
}
