// Cost scoring: a candidate's estimated cost from its price card and token counts.
import { modelInputPrice, modelOutputPrice } from "./program";

/** Estimated USD cost of sending `promptTokens` to model `m` and receiving `outputTokens`. */
export function estimateCostUsd(m: u32, promptTokens: u32, outputTokens: u32): f64 {
  return (<f64>promptTokens * modelInputPrice(m) + <f64>outputTokens * modelOutputPrice(m)) / 1e6;
}
