// The policy evaluator: request + snapshot + program -> decision. Pure: it reads the request,
// text, segment, snapshot and program regions and writes only the decision region (and its
// own scratch). Routes are tried top to bottom; the first that matches orders its candidates
// by its strategy, then its fallback routes' candidates follow. Every route looked at leaves a
// trail entry, so `policy explain` can say why a decision came out as it did.
import {
  NO_ID, REQ_MODEL_ID, REQ_MAX_TOKENS, REQ_FLAGS, FLAG_MAX_TOKENS_SET, FLAG_TOOLS, FLAG_IMAGES, FLAG_JSON_MODE,
  REQ_META_COUNT, REQ_META, REQ_META_MAX, REQ_CONTENT_LEN, REQ_TURNS, REQ_ENV_NUMS, REQ_ENV_STRS,
  REQ_SPLIT_CALLER, REQ_SPLIT_USER, REQ_SPLIT_SESSION, REQ_PRE_O200K, REQ_PRE_CL100K, REQ_PRE_CHARS,
  REQ_PRE_FEATURES, FLAG_PRECOUNTED, FLAG_CL100K_ESTIMATED, DEC_TIER, PR_TIER,
  SNAP_CIRCUIT, SNAP_LATENCY_EWMA_MS, SNAP_ENTRY_SIZE, CIRCUIT_OPEN, CIRCUIT_UNAVAILABLE,
  DEC_STATUS, DEC_ROUTE_INDEX, DEC_CANDIDATE_COUNT, DEC_MAX_TOKENS, DEC_PROMPT_TOKENS, DEC_PROMPT_TOKENS_EXACT,
  DEC_TURNS, DEC_OUTPUT_TOKENS, DEC_COMPLEXITY, DEC_FEATURES, DEC_CANDIDATES, DEC_CANDIDATE_SIZE,
  DEC_CAND_MODEL, DEC_CAND_EXCLUDED, DEC_CAND_PROMPT_TOKENS, DEC_CAND_FLAGS, DEC_CAND_OUTPUT_TOKENS,
  DEC_CAND_VIA_ROUTE, DEC_CAND_COST_USD, DEC_CAND_BATCH_COST_USD, DEC_CANDIDATES_MAX, DECISION_SIZE, CAND_EXACT,
  DEC_STRATEGY, DEC_RETRIES, DEC_TRAIL_COUNT, DEC_TRAIL, DEC_TRAIL_MAX,
  STATUS_OK, STATUS_NO_ROUTE, STATUS_NO_PROGRAM,
  EXCLUDED_NONE, EXCLUDED_UNAVAILABLE, EXCLUDED_CIRCUIT_OPEN, EXCLUDED_CONTEXT, EXCLUDED_MAX_OUTPUT,
  EXCLUDED_NO_TOOLS, EXCLUDED_NO_VISION, EXCLUDED_NO_JSON_MODE, EXCLUDED_CAPABILITY_REQUIRED, EXCLUDED_QUALITY,
  EXCLUDED_OVER_COST_CAP, EXCLUDED_OVER_LATENCY, PR_MAX_LATENCY_MS,
  TRAIL_MATCHED, TRAIL_MODEL_MISMATCH, TRAIL_METADATA_MISMATCH, TRAIL_TOKENS_OUT_OF_RANGE,
  TRAIL_COMPLEXITY_OUT_OF_RANGE, TRAIL_WHEN_FALSE, TRAIL_STEP_LIMIT, TRAIL_FALLBACK, TRAIL_FORCED, REQ_FORCE_ROUTE,
  STRATEGY_CHEAPEST, STRATEGY_FASTEST, STRATEGY_WEIGHTED, SPLIT_USER, SPLIT_SESSION,
  CAP_TOOLS, CAP_VISION, CAP_JSON_MODE, CAP_EMBEDDING, FLAG_EMBEDDING, EXCLUDED_WRONG_TYPE,
  TOKENIZER_O200K, TOKENIZER_CL100K, TOKENIZER_ESTIMATE, PM_TOKENIZER, PM_CONTEXT_WINDOW, PM_MAX_OUTPUT, PM_CHARS_PER_TOKEN,
  PM_CAPABILITIES, PM_QUALITY,
  PR_MATCH_MODELS, PR_MATCH_META, PR_CANDIDATES, PR_EXPECTED_OUTPUT, PR_TOKENS_MIN, PR_TOKENS_MAX,
  PR_COMPLEXITY_MIN, PR_COMPLEXITY_MAX, PR_WHEN, PR_STRATEGY, PR_MIN_QUALITY, PR_REQUIRED_CAPS, PR_MAX_COST,
  PR_MAX_TOKENS_DEFAULT, PR_MAX_TOKENS_MAX, PR_RETRIES, PR_FALLBACK, PR_SPLIT_BY, PR_CACHED_SHARE,
  FLAG_LOGPROBS, FLAG_MULTIPLE_CHOICES, CAP_LOGPROBS, CAP_MULTIPLE_CHOICES, EXCLUDED_NO_LOGPROBS, EXCLUDED_NO_MULTIPLE_CHOICES,
} from "./layout";
import {
  programBase, routeCount, routeOffsets, modelAt, matchModelsOf, matchMetaOf, candidatesOf, weightsOf, weightsBase,
} from "./program";
import { estimateCostUsd, batchCostUsd } from "./cost";
import { exactPromptTokens, promptChars, estimatedPromptTokens, imageTokens, largestTokens, largestChars } from "./chat";
import { computeFeatures, complexityScore, defaultWeightsPtr } from "./features";
import { FEAT_COMPLEXITY, FEATURES_SIZE } from "./features-layout";
import { evalExpression } from "./expr";

const UNCOUNTED: u32 = 0xffffffff;

// Per-call state: what one evaluation has counted so far, so a tokenizer runs at most once.
let promptO200k: u32 = 0;
let promptCl100k: u32 = UNCOUNTED;
let promptCharCount: u32 = UNCOUNTED;
// The largest single input under each count (embeddings are checked input by input).
let largestO200k: u32 = 0;
let largestCl100k: u32 = 0;
let largestInputChars: u32 = 0;

// Scratch for reordering up to DEC_CANDIDATES_MAX candidate records.
const scratch = heap.alloc(DEC_CANDIDATES_MAX * DEC_CANDIDATE_SIZE);
const order = new StaticArray<u32>(<i32>DEC_CANDIDATES_MAX);
const sortKey = new StaticArray<f64>(<i32>DEC_CANDIDATES_MAX);

/** The TRAIL_* outcome of route `r` for this request: TRAIL_MATCHED when it matches. */
function routeOutcome(r: usize, req: usize, complexity: f64, features: usize, text: usize): u32 {
  const matchModels = load<u32>(r, PR_MATCH_MODELS);
  if (matchModels > 0) {
    const model = load<u32>(req, REQ_MODEL_ID);
    const ids = matchModelsOf(r);
    let found = false;
    for (let i: u32 = 0; i < matchModels; i++) {
      if (load<u32>(ids + <usize>(i * 4)) == model) { found = true; break; }
    }
    if (!found) return TRAIL_MODEL_MISMATCH;
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
    if (!ok) return TRAIL_METADATA_MISMATCH;
  }
  if (promptO200k < load<u32>(r, PR_TOKENS_MIN) || promptO200k > load<u32>(r, PR_TOKENS_MAX)) return TRAIL_TOKENS_OUT_OF_RANGE;
  if (complexity < load<f64>(r, PR_COMPLEXITY_MIN) || complexity > load<f64>(r, PR_COMPLEXITY_MAX)) return TRAIL_COMPLEXITY_OUT_OF_RANGE;
  const when = load<u32>(r, PR_WHEN);
  if (when != NO_ID) {
    // The condition runs last: the cheap checks above settle most routes without it.
    const result = evalExpression(when, features, text + <usize>load<u32>(req, REQ_ENV_NUMS), text + <usize>load<u32>(req, REQ_ENV_STRS), text);
    if (result < 0) return TRAIL_STEP_LIMIT;
    if (result == 0) return TRAIL_WHEN_FALSE;
  }
  return TRAIL_MATCHED;
}

/** Prompt tokens of the request for model `m` and whether they are exact (CAND_EXACT) or 0. */
function promptTokensFor(m: u32, req: usize, text: usize, segs: usize): u64 {
  const tokenizer = load<u32>(modelAt(m), PM_TOKENIZER);
  let prompt: u32;
  let exact: u32 = CAND_EXACT;
  if (tokenizer == TOKENIZER_O200K) {
    prompt = promptO200k;
  } else if (tokenizer == TOKENIZER_CL100K) {
    if (promptCl100k == UNCOUNTED) {
      promptCl100k = exactPromptTokens(TOKENIZER_CL100K, req, text, segs);
      largestCl100k = largestTokens;
    }
    prompt = promptCl100k;
    if ((load<u32>(req, REQ_FLAGS) & FLAG_CL100K_ESTIMATED) != 0) exact = 0;
  } else {
    if (promptCharCount == UNCOUNTED) {
      promptCharCount = promptChars(req, text, segs);
      largestInputChars = largestChars;
    }
    prompt = estimatedPromptTokens(m, req, promptCharCount);
    exact = 0;
  }
  return (<u64>exact << 32) | <u64>(prompt + imageTokens(m, req));
}

/** The longest single input of the request under model `m`'s tokenizer (estimated from code points when not public). */
function largestInput(m: u32): u32 {
  const tokenizer = load<u32>(modelAt(m), PM_TOKENIZER);
  if (tokenizer == TOKENIZER_O200K) return largestO200k;
  if (tokenizer == TOKENIZER_CL100K) return largestCl100k;
  return <u32>Math.ceil(<f64>largestInputChars / load<f64>(modelAt(m), PM_CHARS_PER_TOKEN));
}

/** Why candidate model `m` of route `r` cannot serve now; EXCLUDED_NONE when it can. */
function exclusion(m: u32, r: usize, req: usize, snap: usize, entries: u32, promptTokens: u32, outputTokens: u32, cost: f64): u32 {
  if (m < entries) {
    const circuit = load<u32>(snap + <usize>(m * SNAP_ENTRY_SIZE), SNAP_CIRCUIT);
    if (circuit == CIRCUIT_UNAVAILABLE) return EXCLUDED_UNAVAILABLE;
    if (circuit == CIRCUIT_OPEN) return EXCLUDED_CIRCUIT_OPEN;
  }
  const model = modelAt(m);
  const flags = load<u32>(req, REQ_FLAGS);
  // Embeddings inputs are embedded one by one: the longest must fit, not their sum.
  const fitting = (flags & FLAG_EMBEDDING) != 0 ? largestInput(m) : promptTokens;
  if (<u64>fitting + <u64>outputTokens > <u64>load<u32>(model, PM_CONTEXT_WINDOW)) return EXCLUDED_CONTEXT;
  if (outputTokens > load<u32>(model, PM_MAX_OUTPUT)) return EXCLUDED_MAX_OUTPUT;
  const caps = load<u32>(model, PM_CAPABILITIES);
  if (((flags & FLAG_EMBEDDING) != 0) != ((caps & CAP_EMBEDDING) != 0)) return EXCLUDED_WRONG_TYPE;
  if ((flags & FLAG_TOOLS) != 0 && (caps & CAP_TOOLS) == 0) return EXCLUDED_NO_TOOLS;
  if ((flags & FLAG_IMAGES) != 0 && (caps & CAP_VISION) == 0) return EXCLUDED_NO_VISION;
  if ((flags & FLAG_JSON_MODE) != 0 && (caps & CAP_JSON_MODE) == 0) return EXCLUDED_NO_JSON_MODE;
  if ((flags & FLAG_LOGPROBS) != 0 && (caps & CAP_LOGPROBS) == 0) return EXCLUDED_NO_LOGPROBS;
  if ((flags & FLAG_MULTIPLE_CHOICES) != 0 && (caps & CAP_MULTIPLE_CHOICES) == 0) return EXCLUDED_NO_MULTIPLE_CHOICES;
  if ((load<u32>(r, PR_REQUIRED_CAPS) & ~caps) != 0) return EXCLUDED_CAPABILITY_REQUIRED;
  if (load<u32>(model, PM_QUALITY) < load<u32>(r, PR_MIN_QUALITY)) return EXCLUDED_QUALITY;
  if (cost > load<f64>(r, PR_MAX_COST)) return EXCLUDED_OVER_COST_CAP;
  // A model without latency data yet is given the benefit of the doubt: it cannot earn data otherwise.
  const target = load<u32>(r, PR_MAX_LATENCY_MS);
  if (target != 0 && m < entries && load<f64>(snap + <usize>(m * SNAP_ENTRY_SIZE), SNAP_LATENCY_EWMA_MS) > <f64>target) return EXCLUDED_OVER_LATENCY;
  return EXCLUDED_NONE;
}

@inline function candidateAt(dec: usize, i: u32): usize {
  return dec + <usize>(DEC_CANDIDATES + i * DEC_CANDIDATE_SIZE);
}

/**
 * True when model `m` is already among the first `count` candidates, and a fallback route could
 * not change its verdict: a model an earlier route excluded by that route's own requirements
 * (quality, cost cap, latency target, required capabilities) may be eligible under the fallback's.
 */
function listed(dec: usize, count: u32, m: u32): bool {
  for (let i: u32 = 0; i < count; i++) {
    const c = candidateAt(dec, i);
    if (load<u32>(c, DEC_CAND_MODEL) != m) continue;
    const why = load<u32>(c, DEC_CAND_EXCLUDED);
    if (why != EXCLUDED_QUALITY && why != EXCLUDED_OVER_COST_CAP && why != EXCLUDED_OVER_LATENCY && why != EXCLUDED_CAPABILITY_REQUIRED) return true;
  }
  return false;
}

/** 32-bit FNV-1a of text[off, off+len): stable across runs and hosts, so an A/B split is sticky. */
function fnv1a(text: usize, at: usize): u32 {
  const off = load<u32>(at);
  const len = load<u32>(at, 4);
  let h: u32 = 0x811c9dc5;
  for (let i: u32 = 0; i < len; i++) {
    h ^= <u32>load<u8>(text + <usize>(off + i));
    h *= 0x01000193;
  }
  return h;
}

/**
 * Orders the candidates [start, end) by route `r`'s strategy: eligible ones first (cheapest by
 * estimated cost, fastest by latency EWMA with unmeasured ones after the measured, weighted with
 * the hashed pick first), excluded ones after in written order. `ordered` leaves them as written.
 */
function applyStrategy(dec: usize, start: u32, end: u32, r: usize, req: usize, text: usize, snap: usize, entries: u32): void {
  const strategy = load<u32>(r, PR_STRATEGY);
  if (strategy != STRATEGY_CHEAPEST && strategy != STRATEGY_FASTEST && strategy != STRATEGY_WEIGHTED) return;
  const n = end - start;
  let eligible: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = candidateAt(dec, start + i);
    const excluded = load<u32>(c, DEC_CAND_EXCLUDED) != EXCLUDED_NONE;
    let key: f64 = 0;
    if (strategy == STRATEGY_CHEAPEST) {
      key = load<f64>(c, DEC_CAND_COST_USD);
    } else if (strategy == STRATEGY_FASTEST) {
      const m = load<u32>(c, DEC_CAND_MODEL);
      const latency = m < entries ? load<f64>(snap + <usize>(m * SNAP_ENTRY_SIZE), SNAP_LATENCY_EWMA_MS) : 0.0;
      key = latency > 0 ? latency : Infinity;
    }
    // Excluded candidates sort after every eligible one, keeping their written order.
    unchecked(sortKey[i] = excluded ? NaN : key);
    unchecked(order[i] = i);
    if (!excluded) eligible++;
  }
  if (strategy == STRATEGY_WEIGHTED) {
    pickWeighted(dec, start, n, r, req, text);
  } else {
    // Insertion sort: stable, and n is at most 32.
    for (let i: u32 = 1; i < n; i++) {
      const item = unchecked(order[i]);
      const key = unchecked(sortKey[item]);
      let j = i;
      while (j > 0 && before(key, unchecked(sortKey[unchecked(order[j - 1])]))) {
        unchecked(order[j] = order[j - 1]);
        j--;
      }
      unchecked(order[j] = item);
    }
  }
  permute(dec, start, n);
}

/** Sort order of two keys: NaN (excluded) last, Infinity (no data) before it. */
@inline function before(a: f64, b: f64): bool {
  if (isNaN(a)) return false;
  if (isNaN(b)) return true;
  return a < b;
}

/** Weighted: the eligible candidate the split key's hash falls on first, the rest as written. */
function pickWeighted(dec: usize, start: u32, n: u32, r: usize, req: usize, text: usize): void {
  const weights = weightsOf(r);
  const cand = candidatesOf(r);
  const count = load<u32>(r, PR_CANDIDATES);
  // A candidate's weight is looked up by model, as fallbacks and dedup may have moved it.
  let total: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (!isNaN(unchecked(sortKey[i]))) total += <u64>weightOf(load<u32>(candidateAt(dec, start + i), DEC_CAND_MODEL), cand, weights, count);
  }
  let chosen: i32 = -1;
  if (total > 0) {
    const split = load<u32>(r, PR_SPLIT_BY);
    const at = req + <usize>(split == SPLIT_USER ? REQ_SPLIT_USER : split == SPLIT_SESSION ? REQ_SPLIT_SESSION : REQ_SPLIT_CALLER);
    let bucket = <u64>fnv1a(text, at) % total;
    for (let i: u32 = 0; i < n; i++) {
      if (isNaN(unchecked(sortKey[i]))) continue;
      const w = <u64>weightOf(load<u32>(candidateAt(dec, start + i), DEC_CAND_MODEL), cand, weights, count);
      if (bucket < w) { chosen = <i32>i; break; }
      bucket -= w;
    }
  }
  let k: u32 = 0;
  if (chosen >= 0) unchecked(order[k++] = <u32>chosen);
  for (let pass = 0; pass < 2; pass++) {
    for (let i: u32 = 0; i < n; i++) {
      if (<i32>i == chosen) continue;
      const excluded = isNaN(unchecked(sortKey[i]));
      if ((pass == 0) != excluded) unchecked(order[k++] = i);
    }
  }
}

function weightOf(m: u32, cand: usize, weights: usize, count: u32): u32 {
  for (let i: u32 = 0; i < count; i++) if (load<u32>(cand + <usize>(i * 4)) == m) return load<u32>(weights + <usize>(i * 4));
  return 0;
}

/** Rewrites candidates [start, start+n) in `order`. */
function permute(dec: usize, start: u32, n: u32): void {
  const base = candidateAt(dec, start);
  memory.copy(scratch, base, <usize>(n * DEC_CANDIDATE_SIZE));
  for (let i: u32 = 0; i < n; i++) {
    memory.copy(base + <usize>(i * DEC_CANDIDATE_SIZE), scratch + <usize>(unchecked(order[i]) * DEC_CANDIDATE_SIZE), DEC_CANDIDATE_SIZE);
  }
}

/**
 * Appends route `ri`'s candidates not already listed after the first `count`; returns the new
 * count. `outputTokens` and `cachedShare` are the matched route's expectations: they describe
 * the request, so its fallbacks' candidates are estimated on the same terms.
 */
function appendRoute(dec: usize, count: u32, ri: u32, req: usize, text: usize, segs: usize, snap: usize, entries: u32, outputTokens: u32, cachedShare: f64): u32 {
  const r = unchecked(routeOffsets[ri]);
  const cand = candidatesOf(r);
  const candidates = load<u32>(r, PR_CANDIDATES);
  const start = count;
  for (let c: u32 = 0; c < candidates && count < DEC_CANDIDATES_MAX; c++) {
    const m = load<u32>(cand + <usize>(c * 4));
    if (listed(dec, count, m)) continue;
    const counted = promptTokensFor(m, req, text, segs);
    const prompt = <u32>counted;
    const at = candidateAt(dec, count++);
    const cost = estimateCostUsd(m, prompt, outputTokens, cachedShare);
    store<u32>(at, m, DEC_CAND_MODEL);
    store<u32>(at, exclusion(m, r, req, snap, entries, prompt, outputTokens, cost), DEC_CAND_EXCLUDED);
    store<u32>(at, prompt, DEC_CAND_PROMPT_TOKENS);
    store<u32>(at, <u32>(counted >> 32), DEC_CAND_FLAGS);
    store<u32>(at, outputTokens, DEC_CAND_OUTPUT_TOKENS);
    store<u32>(at, ri, DEC_CAND_VIA_ROUTE);
    store<f64>(at, cost, DEC_CAND_COST_USD);
    store<f64>(at, batchCostUsd(m, cost), DEC_CAND_BATCH_COST_USD);
  }
  applyStrategy(dec, start, count, r, req, text, snap, entries);
  return count;
}

/** Appends a trail entry unless the trail is full; returns the new trail length. */
@inline function trailStep(dec: usize, n: u32, route: u32, outcome: u32): u32 {
  if (n >= DEC_TRAIL_MAX) return n;
  const at = dec + <usize>(DEC_TRAIL + n * 8);
  store<u32>(at, route);
  store<u32>(at, outcome, 4);
  return n + 1;
}

/**
 * max_tokens after the route's rewrite (0 = the request's own, unchanged) and the output tokens
 * cost estimates assume, packed as (rewrite << 32) | output.
 */
function maxTokensOf(r: usize, req: usize): u64 {
  // An embedding has no output to limit or pay for.
  if ((load<u32>(req, REQ_FLAGS) & FLAG_EMBEDDING) != 0) return 0;
  const set = (load<u32>(req, REQ_FLAGS) & FLAG_MAX_TOKENS_SET) != 0;
  const asked = load<u32>(req, REQ_MAX_TOKENS);
  const def = load<u32>(r, PR_MAX_TOKENS_DEFAULT);
  const cap = load<u32>(r, PR_MAX_TOKENS_MAX);
  const expected = load<u32>(r, PR_EXPECTED_OUTPUT);
  if (set) {
    if (cap != 0 && asked > cap) return (<u64>cap << 32) | <u64>cap;
    return <u64>asked;
  }
  // Left open: a default is sent; failing that the cap, so no answer runs past it. The estimate
  // stays the route's expectation, bounded by what is sent.
  const sent = def != 0 ? def : cap;
  const output = sent != 0 && sent < expected ? sent : expected;
  return (<u64>sent << 32) | <u64>output;
}

/** Evaluates the loaded program; writes the decision at `dec` and returns its status. */
export function evaluate(req: usize, text: usize, segs: usize, snap: usize, snapEntries: u32, dec: usize): u32 {
  memory.fill(dec, 0, DECISION_SIZE);
  if (programBase == 0) {
    store<u32>(dec, STATUS_NO_PROGRAM, DEC_STATUS);
    return STATUS_NO_PROGRAM;
  }
  const turns = load<u32>(req, REQ_TURNS);
  const features = dec + <usize>DEC_FEATURES;
  if ((load<u32>(req, REQ_FLAGS) & FLAG_PRECOUNTED) != 0) {
    // Replayed traffic: the counts and features were taken when the request was served.
    promptO200k = load<u32>(req, REQ_PRE_O200K);
    promptCl100k = load<u32>(req, REQ_PRE_CL100K);
    promptCharCount = load<u32>(req, REQ_PRE_CHARS);
    // Records keep totals only: a replayed embeddings request is checked as one input.
    largestO200k = promptO200k;
    largestCl100k = promptCl100k;
    largestInputChars = promptCharCount;
    memory.copy(features, text + <usize>load<u32>(req, REQ_PRE_FEATURES), FEATURES_SIZE);
  } else {
    // The o200k_base count is the request's canonical size: routes match on it and the
    // features use it. Other tokenizers are counted only if a listed candidate needs them.
    promptO200k = exactPromptTokens(TOKENIZER_O200K, req, text, segs);
    largestO200k = largestTokens;
    promptCl100k = UNCOUNTED;
    promptCharCount = UNCOUNTED;
    computeFeatures(text, load<u32>(req, REQ_CONTENT_LEN), promptO200k, turns, features);
  }
  // computeFeatures scored with the default weights; the policy's own weights take its place.
  const complexity = complexityScore(features, weightsBase != 0 ? weightsBase : defaultWeightsPtr());
  store<f64>(features, complexity, FEAT_COMPLEXITY);
  store<u32>(dec, promptO200k, DEC_PROMPT_TOKENS);
  store<u32>(dec, 1, DEC_PROMPT_TOKENS_EXACT);
  store<u32>(dec, turns, DEC_TURNS);
  store<f64>(dec, complexity, DEC_COMPLEXITY);

  let trail: u32 = 0;
  const forced = load<u32>(req, REQ_FORCE_ROUTE);
  for (let i: u32 = 0; i < routeCount; i++) {
    const r = unchecked(routeOffsets[i]);
    if (forced < routeCount && i != forced) continue;
    const outcome = forced < routeCount ? TRAIL_FORCED : routeOutcome(r, req, complexity, features, text);
    trail = trailStep(dec, trail, i, outcome);
    if (outcome != TRAIL_MATCHED && outcome != TRAIL_FORCED) continue;
    const tokens = maxTokensOf(r, req);
    const outputTokens = <u32>tokens;
    store<u32>(dec, <u32>(tokens >> 32), DEC_MAX_TOKENS);
    store<u32>(dec, outputTokens, DEC_OUTPUT_TOKENS);
    store<u32>(dec, load<u32>(r, PR_STRATEGY), DEC_STRATEGY);
    store<u32>(dec, load<u32>(r, PR_RETRIES), DEC_RETRIES);
    store<u32>(dec, load<u32>(r, PR_TIER), DEC_TIER);
    const cachedShare = load<f64>(r, PR_CACHED_SHARE);
    let count = appendRoute(dec, 0, i, req, text, segs, snap, snapEntries, outputTokens, cachedShare);
    // Fallbacks: the checker refuses cycles, and the guard bounds a hand-made program anyway.
    let next = load<u32>(r, PR_FALLBACK);
    for (let guard: u32 = 0; next != NO_ID && guard < routeCount; guard++) {
      trail = trailStep(dec, trail, next, TRAIL_FALLBACK);
      count = appendRoute(dec, count, next, req, text, segs, snap, snapEntries, outputTokens, cachedShare);
      next = load<u32>(unchecked(routeOffsets[next]), PR_FALLBACK);
    }
    store<u32>(dec, trail, DEC_TRAIL_COUNT);
    store<u32>(dec, i, DEC_ROUTE_INDEX);
    store<u32>(dec, count, DEC_CANDIDATE_COUNT);
    store<u32>(dec, STATUS_OK, DEC_STATUS);
    return STATUS_OK;
  }
  store<u32>(dec, trail, DEC_TRAIL_COUNT);
  store<u32>(dec, NO_ID, DEC_ROUTE_INDEX);
  store<u32>(dec, STATUS_NO_ROUTE, DEC_STATUS);
  return STATUS_NO_ROUTE;
}

export { TOKENIZER_ESTIMATE };
