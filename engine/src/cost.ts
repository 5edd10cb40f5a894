/** Prices an answer: USD from reported usage and the model's price card. */
import type { ModelSpec } from './policy/types.js';

/** Token usage of one answer, as the provider reported it (or as counted). */
export interface TokenUsage {
  /** All prompt tokens, cached ones included (OpenAI's prompt_tokens). */
  inputTokens: number;
  /** The part of inputTokens served from the provider's prompt cache. */
  cachedInputTokens?: number;
  outputTokens: number;
}

/** USD cost of `usage` on `model`; `batch` applies the model's batch discount. */
export function costUsd(model: Pick<ModelSpec, 'inputPerMTok' | 'outputPerMTok' | 'cachedInputPerMTok' | 'batchDiscount'>, usage: TokenUsage, batch = false): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const usd = ((usage.inputTokens - cached) * model.inputPerMTok + cached * model.cachedInputPerMTok + usage.outputTokens * model.outputPerMTok) / 1e6;
  return batch ? usd * (1 - model.batchDiscount) : usd;
}

/** A cost as the x-switchyard-cost-usd header carries it: fixed point, no exponent. */
export function formatUsd(usd: number): string {
  return usd.toFixed(8);
}
