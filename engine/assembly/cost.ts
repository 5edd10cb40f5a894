// Cost scoring: a candidate's estimated cost from its price card and token counts.
import { PM_INPUT_PRICE, PM_CACHED_INPUT_PRICE, PM_OUTPUT_PRICE, PM_BATCH_DISCOUNT } from "./layout";
import { modelAt } from "./program";

/**
 * Estimated USD cost of sending `promptTokens` to model `m` and receiving `outputTokens`, when
 * `cachedShare` (0..1, the route's expectation) of the prompt is served from the provider's
 * prompt cache at the cached-input price and the rest is billed at the input price.
 */
export function estimateCostUsd(m: u32, promptTokens: u32, outputTokens: u32, cachedShare: f64): f64 {
  const model = modelAt(m);
  const inputPrice = (1.0 - cachedShare) * load<f64>(model, PM_INPUT_PRICE) + cachedShare * load<f64>(model, PM_CACHED_INPUT_PRICE);
  return (<f64>promptTokens * inputPrice + <f64>outputTokens * load<f64>(model, PM_OUTPUT_PRICE)) / 1e6;
}

/** The same cost on the provider's batch tier, when it has one (discount 0 = same price). */
export function batchCostUsd(m: u32, costUsd: f64): f64 {
  return costUsd * (1.0 - load<f64>(modelAt(m), PM_BATCH_DISCOUNT));
}
