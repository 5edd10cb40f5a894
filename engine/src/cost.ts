/** Prices an answer: USD from reported usage and the model's price card. */
import type { ModelSpec } from './policy/types.js';

/** Token usage of one answer, as the provider reported it (or as counted). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** USD cost of `usage` on `model`. */
export function costUsd(model: Pick<ModelSpec, 'inputPerMTok' | 'outputPerMTok'>, usage: TokenUsage): number {
  return (usage.inputTokens * model.inputPerMTok + usage.outputTokens * model.outputPerMTok) / 1e6;
}

/** A cost as the x-switchyard-cost-usd header carries it: fixed point, no exponent. */
export function formatUsd(usd: number): string {
  return usd.toFixed(8);
}
