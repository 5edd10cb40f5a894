// The policy evaluator: request + snapshot + program -> decision. Pure: it reads the request,
// text, segment, snapshot and program regions and writes only the decision region.
import {
  NO_ID, REQ_MODEL_ID, REQ_MAX_TOKENS, REQ_FLAGS, FLAG_MAX_TOKENS_SET, REQ_META_COUNT, REQ_META,
  REQ_META_MAX, REQ_CONTENT_LEN, REQ_TURNS,
  SNAP_CIRCUIT, SNAP_ENTRY_SIZE, CIRCUIT_OPEN, CIRCUIT_UNAVAILABLE,
  DEC_STATUS, DEC_ROUTE_INDEX, DEC_CANDIDATE_COUNT, DEC_PROMPT_TOKENS, DEC_PROMPT_TOKENS_EXACT,
  DEC_TURNS, DEC_OUTPUT_TOKENS, DEC_COMPLEXITY, DEC_FEATURES, DEC_CANDIDATES, DEC_CANDIDATE_SIZE,
  DEC_CAND_MODEL, DEC_CAND_EXCLUDED, DEC_CAND_PROMPT_TOKENS, DEC_CAND_FLAGS, DEC_CAND_OUTPUT_TOKENS,
  DEC_CAND_COST_USD, DEC_CAND_BATCH_COST_USD, DEC_CANDIDATES_MAX, DECISION_SIZE, CAND_EXACT,
  STATUS_OK, STATUS_NO_ROUTE, STATUS_NO_PROGRAM,
  EXCLUDED_NONE, EXCLUDED_UNAVAILABLE, EXCLUDED_CIRCUIT_OPEN, EXCLUDED_CONTEXT,
  TOKENIZER_O200K, TOKENIZER_CL100K, TOKENIZER_ESTIMATE, PM_TOKENIZER, PM_CONTEXT_WINDOW,
  PR_MATCH_MODELS, PR_MATCH_META, PR_CANDIDATES, PR_EXPECTED_OUTPUT, PR_TOKENS_MIN, PR_TOKENS_MAX,
  PR_COMPLEXITY_MIN, PR_COMPLEXITY_MAX,
} from "./layout";
import { programBase, routeCount, routeOffsets, modelAt, matchModelsOf, matchMetaOf, candidatesOf, weightsBase } from "./program";
import { estimateCostUsd, batchCostUsd } from "./cost";
import { exactPromptTokens, promptChars, estimatedPromptTokens, imageTokens } from "./chat";
import { computeFeatures, complexityScore, defaultWeightsPtr } from "./features";
import { FEAT_COMPLEXITY } from "./features-layout";

/** True when the route at `r` answers the request's model alias and metadata. */
function routeMatches(r: usize, req: usize, promptTokens: u32, complexity: f64): bool {
  const matchModels = load<u32>(r, PR_MATCH_MODELS);
  if (matchModels > 0) {
    const model = load<u32>(req, REQ_MODEL_ID);
    const ids = matchModelsOf(r);
    let found = false;
    for (let i: u32 = 0; i < matchModels; i++) {
      if (load<u32>(ids + <usize>(i * 4)) == model) { found = true; break; }
    }
    if (!found) return false;
  }
  const matchMeta = load<u32>(r, PR_MATCH_META);
  const pairs = matchMetaOf(r);
  let metaCount = load<u32>(req, REQ_META_COUNT);
  if (metaCount > REQ_META_MAX) metaCount = REQ_META_MAX;
  for (let i: u32 = 0; i < matchMeta; i++) {
    const key = load<u32>(pairs + <usize>(i * 8));
    const value = load<u32>(pairs + <usize>(i * 8), 4);
    let ok = false;
    for (let j: u32 = 0; j < metaCount; j++) {
      const at = req + <usize>(REQ_META + j * 8);
      if (load<u32>(at) == key) { ok = key != NO_ID && load<u32>(at, 4) == value; break; }
    }
    if (!ok) return false;
  }
  if (promptTokens < load<u32>(r, PR_TOKENS_MIN) || promptTokens > load<u32>(r, PR_TOKENS_MAX)) return false;
  return complexity >= load<f64>(r, PR_COMPLEXITY_MIN) && complexity <= load<f64>(r, PR_COMPLEXITY_MAX);
}

/** Why candidate model `m` cannot serve now; EXCLUDED_NONE when it can. */
function exclusion(m: u32, snap: usize, entries: u32, promptTokens: u32, outputTokens: u32): u32 {
  if (m < entries) {
    const circuit = load<u32>(snap + <usize>(m * SNAP_ENTRY_SIZE), SNAP_CIRCUIT);
    if (circuit == CIRCUIT_UNAVAILABLE) return EXCLUDED_UNAVAILABLE;
    if (circuit == CIRCUIT_OPEN) return EXCLUDED_CIRCUIT_OPEN;
  }
  if (<u64>promptTokens + <u64>outputTokens > <u64>load<u32>(modelAt(m), PM_CONTEXT_WINDOW)) return EXCLUDED_CONTEXT;
  return EXCLUDED_NONE;
}

/** Evaluates the loaded program; writes the decision at `dec` and returns its status. */
export function evaluate(req: usize, text: usize, segs: usize, snap: usize, snapEntries: u32, dec: usize): u32 {
  memory.fill(dec, 0, DECISION_SIZE);
  if (programBase == 0) {
    store<u32>(dec, STATUS_NO_PROGRAM, DEC_STATUS);
    return STATUS_NO_PROGRAM;
  }
  // The o200k_base count is the request's canonical size: routes match on it and the
  // features use it. Other tokenizers are counted only if a matched candidate needs them.
  const promptO200k = exactPromptTokens(TOKENIZER_O200K, req, text, segs);
  const turns = load<u32>(req, REQ_TURNS);
  const features = dec + <usize>DEC_FEATURES;
  computeFeatures(text, load<u32>(req, REQ_CONTENT_LEN), promptO200k, turns, features);
  // computeFeatures scored with the default weights; the policy's own weights take its place.
  const complexity = complexityScore(features, weightsBase != 0 ? weightsBase : defaultWeightsPtr());
  store<f64>(features, complexity, FEAT_COMPLEXITY);
  store<u32>(dec, promptO200k, DEC_PROMPT_TOKENS);
  store<u32>(dec, 1, DEC_PROMPT_TOKENS_EXACT);
  store<u32>(dec, turns, DEC_TURNS);
  store<f64>(dec, complexity, DEC_COMPLEXITY);

  for (let i: u32 = 0; i < routeCount; i++) {
    const r = unchecked(routeOffsets[i]);
    if (!routeMatches(r, req, promptO200k, complexity)) continue;
    let candidates = load<u32>(r, PR_CANDIDATES);
    if (candidates > DEC_CANDIDATES_MAX) candidates = DEC_CANDIDATES_MAX;
    const outputTokens = (load<u32>(req, REQ_FLAGS) & FLAG_MAX_TOKENS_SET) != 0
      ? load<u32>(req, REQ_MAX_TOKENS)
      : load<u32>(r, PR_EXPECTED_OUTPUT);
    store<u32>(dec, outputTokens, DEC_OUTPUT_TOKENS);
    const cand = candidatesOf(r);
    let promptCl100k: u32 = 0xffffffff;
    let chars: u32 = 0xffffffff;
    for (let c: u32 = 0; c < candidates; c++) {
      const m = load<u32>(cand + <usize>(c * 4));
      const tokenizer = load<u32>(modelAt(m), PM_TOKENIZER);
      let prompt: u32;
      let exact: u32 = CAND_EXACT;
      if (tokenizer == TOKENIZER_O200K) {
        prompt = promptO200k;
      } else if (tokenizer == TOKENIZER_CL100K) {
        if (promptCl100k == 0xffffffff) promptCl100k = exactPromptTokens(TOKENIZER_CL100K, req, text, segs);
        prompt = promptCl100k;
      } else {
        if (chars == 0xffffffff) chars = promptChars(req, text, segs);
        prompt = estimatedPromptTokens(m, req, segs, chars);
        exact = 0;
      }
      prompt += imageTokens(m, req);
      const at = dec + <usize>(DEC_CANDIDATES + c * DEC_CANDIDATE_SIZE);
      const cost = estimateCostUsd(m, prompt, outputTokens);
      store<u32>(at, m, DEC_CAND_MODEL);
      store<u32>(at, exclusion(m, snap, snapEntries, prompt, outputTokens), DEC_CAND_EXCLUDED);
      store<u32>(at, prompt, DEC_CAND_PROMPT_TOKENS);
      store<u32>(at, exact, DEC_CAND_FLAGS);
      store<u32>(at, outputTokens, DEC_CAND_OUTPUT_TOKENS);
      store<f64>(at, cost, DEC_CAND_COST_USD);
      store<f64>(at, batchCostUsd(m, cost), DEC_CAND_BATCH_COST_USD);
    }
    store<u32>(dec, i, DEC_ROUTE_INDEX);
    store<u32>(dec, candidates, DEC_CANDIDATE_COUNT);
    store<u32>(dec, STATUS_OK, DEC_STATUS);
    return STATUS_OK;
  }
  store<u32>(dec, NO_ID, DEC_ROUTE_INDEX);
  store<u32>(dec, STATUS_NO_ROUTE, DEC_STATUS);
  return STATUS_NO_ROUTE;
}

export { TOKENIZER_ESTIMATE };
