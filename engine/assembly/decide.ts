// The policy evaluator: request + snapshot + program -> decision. Pure: it reads the request,
// snapshot and program regions and writes only the decision region.
import {
  NO_ID, REQ_MODEL_ID, REQ_MAX_TOKENS, REQ_TEXT_LEN, REQ_META_COUNT, REQ_META, REQ_META_MAX,
  SNAP_CIRCUIT, SNAP_ENTRY_SIZE, CIRCUIT_OPEN, CIRCUIT_UNAVAILABLE,
  DEC_STATUS, DEC_ROUTE_INDEX, DEC_CANDIDATE_COUNT, DEC_MAX_TOKENS, DEC_TIER, DEC_CACHE_MODE,
  DEC_PROMPT_TOKENS, DEC_PROMPT_TOKENS_EXACT, DEC_CANDIDATES, DEC_CANDIDATE_SIZE, DEC_CAND_MODEL,
  DEC_CAND_EXCLUDED, DEC_CAND_COST_USD, DEC_CANDIDATES_MAX, DECISION_SIZE,
  STATUS_OK, STATUS_NO_ROUTE, STATUS_NO_PROGRAM,
  EXCLUDED_NONE, EXCLUDED_UNAVAILABLE, EXCLUDED_CIRCUIT_OPEN,
} from "./layout";
import { programBase, routeCount, routeOffsets } from "./program";
import { estimateCostUsd } from "./cost";
import { estimatePromptTokens } from "./tokens";

/** True when every match clause of the route at `r` holds for the request at `req`. */
function routeMatches(r: usize, req: usize): bool {
  const matchModels = load<u32>(r);
  const matchMeta = load<u32>(r, 4);
  let p = r + 12;
  if (matchModels > 0) {
    const model = load<u32>(req, REQ_MODEL_ID);
    let found = false;
    for (let i: u32 = 0; i < matchModels; i++) {
      if (load<u32>(p + <usize>(i * 4)) == model) { found = true; break; }
    }
    if (!found) return false;
  }
  p += <usize>(matchModels * 4);
  let metaCount = load<u32>(req, REQ_META_COUNT);
  if (metaCount > REQ_META_MAX) metaCount = REQ_META_MAX;
  for (let i: u32 = 0; i < matchMeta; i++) {
    const key = load<u32>(p + <usize>(i * 8));
    const value = load<u32>(p + <usize>(i * 8), 4);
    let ok = false;
    for (let j: u32 = 0; j < metaCount; j++) {
      const at = req + <usize>(REQ_META + j * 8);
      if (load<u32>(at) == key) { ok = key != NO_ID && load<u32>(at, 4) == value; break; }
    }
    if (!ok) return false;
  }
  return true;
}

/** Why candidate model `m` cannot serve now, from the snapshot; EXCLUDED_NONE when it can. */
function exclusion(m: u32, snap: usize, entries: u32): u32 {
  if (m >= entries) return EXCLUDED_NONE;
  const circuit = load<u32>(snap + <usize>(m * SNAP_ENTRY_SIZE), SNAP_CIRCUIT);
  if (circuit == CIRCUIT_UNAVAILABLE) return EXCLUDED_UNAVAILABLE;
  if (circuit == CIRCUIT_OPEN) return EXCLUDED_CIRCUIT_OPEN;
  return EXCLUDED_NONE;
}

/** Evaluates the loaded program; writes the decision at `dec` and returns its status. */
export function evaluate(req: usize, snap: usize, snapEntries: u32, dec: usize): u32 {
  memory.fill(dec, 0, DECISION_SIZE);
  if (programBase == 0) {
    store<u32>(dec, STATUS_NO_PROGRAM, DEC_STATUS);
    return STATUS_NO_PROGRAM;
  }
  const promptTokens = estimatePromptTokens(load<u32>(req, REQ_TEXT_LEN));
  store<u32>(dec, promptTokens, DEC_PROMPT_TOKENS);
  store<u32>(dec, 0, DEC_PROMPT_TOKENS_EXACT);
  store<u32>(dec, 0, DEC_TIER);
  store<u32>(dec, 0, DEC_CACHE_MODE);
  store<u32>(dec, 0, DEC_MAX_TOKENS);
  for (let i: u32 = 0; i < routeCount; i++) {
    const r = unchecked(routeOffsets[i]);
    if (!routeMatches(r, req)) continue;
    const matchModels = load<u32>(r);
    const matchMeta = load<u32>(r, 4);
    let candidates = load<u32>(r, 8);
    if (candidates > DEC_CANDIDATES_MAX) candidates = DEC_CANDIDATES_MAX;
    const cand = r + 12 + <usize>((matchModels + matchMeta * 2) * 4);
    const outputTokens = load<u32>(req, REQ_MAX_TOKENS);
    for (let c: u32 = 0; c < candidates; c++) {
      const m = load<u32>(cand + <usize>(c * 4));
      const at = dec + <usize>(DEC_CANDIDATES + c * DEC_CANDIDATE_SIZE);
      store<u32>(at, m, DEC_CAND_MODEL);
      store<u32>(at, exclusion(m, snap, snapEntries), DEC_CAND_EXCLUDED);
      store<f64>(at, estimateCostUsd(m, promptTokens, outputTokens), DEC_CAND_COST_USD);
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
