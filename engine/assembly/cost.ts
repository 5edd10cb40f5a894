// Cost scoring: a candidate's estimated cost from its price card and token counts.
import { PM_INPUT_PRICE, PM_OUTPUT_PRICE, PM_BATCH_DISCOUNT } from "./layout";
import { modelAt } from "./program";

/** Estimated USD cost of sending `promptTokens` to model `m` and receiving `outputTokens`. */
export function estimateCostUsd(m: u32, promptTokens: u32, outputTokens: u32): f64 {
  const model = modelAt(m);
  return (<f64>promptTokens * load<f64>(model, PM_INPUT_PRICE) + <f64>outputTokens * load<f64>(model, PM_OUTPUT_PRICE)) / 1e6;
}

/** The same cost on the provider's batch tier, when it has one (discount 0 = same price). */
export function batchCostUsd(m: u32, costUsd: f64): f64 {
  return costUsd * (1.0 - load<f64>(modelAt(m), PM_BATCH_DISCOUNT));
}
