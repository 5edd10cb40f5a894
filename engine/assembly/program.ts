// Reader for a compiled policy program (layout in layout.ts). `activate` validates every count
// and reference once, so the evaluator can walk the program without bounds checks.
import {
  PROGRAM_MAGIC, PROGRAM_FORMAT, PROGRAM_HEADER_SIZE, PROGRAM_MODEL_SIZE, PROGRAM_ROUTE_HEADER_SIZE,
  PR_MATCH_MODELS, PR_MATCH_META, PR_CANDIDATES, PR_FALLBACK, PR_WHEN, PR_STRATEGY, PR_SPLIT_BY, PM_TOKENIZER,
  TOKENIZER_ESTIMATE, STRATEGY_WEIGHTED, SPLIT_SESSION, NO_ID, PR_TIER, TIER_BATCH,
  LOAD_OK, LOAD_BAD_MAGIC, LOAD_BAD_FORMAT, LOAD_TRUNCATED, LOAD_BAD_REFERENCE, LOAD_BAD_EXPRESSIONS,
} from "./layout";
import { loadExpressions, expressionCount } from "./expr";

/** Start of the loaded program's bytes, 0 when none is loaded. */
export let programBase: usize = 0;
export let modelCount: u32 = 0;
export let routeCount: u32 = 0;
/** Start of the model table. */
export let modelsBase: usize = 0;
/** Start of the complexity weights, 0 when the program keeps the defaults. */
export let weightsBase: usize = 0;
export let weightCount: u32 = 0;
/** Byte offset of each route record, so evaluation jumps straight to route i. */
export let routeOffsets: StaticArray<usize> = new StaticArray<usize>(0);

/** Validates the program at [base, base+len) and makes it current; returns a LOAD_* code. */
export function activate(base: usize, len: u32): u32 {
  if (len < PROGRAM_HEADER_SIZE) return LOAD_TRUNCATED;
  if (load<u32>(base) != PROGRAM_MAGIC) return LOAD_BAD_MAGIC;
  if (load<u32>(base, 4) != PROGRAM_FORMAT) return LOAD_BAD_FORMAT;
  const models = load<u32>(base, 8);
  const routes = load<u32>(base, 12);
  const weights = load<u32>(base, 16);
  const exprLen = load<u32>(base, 20);
  if (<u64>exprLen > <u64>len) return LOAD_TRUNCATED;
  const end = base + <usize>(len - exprLen);
  let p = base + <usize>PROGRAM_HEADER_SIZE;
  if (<u64>models * PROGRAM_MODEL_SIZE + <u64>weights * 8 > <u64>(end - p)) return LOAD_TRUNCATED;
  const mBase = p;
  for (let m: u32 = 0; m < models; m++) {
    if (load<u32>(mBase + <usize>(m * PROGRAM_MODEL_SIZE), PM_TOKENIZER) > TOKENIZER_ESTIMATE) return LOAD_BAD_REFERENCE;
  }
  p += <usize>(models * PROGRAM_MODEL_SIZE);
  const wBase = p;
  p += <usize>(weights * 8);
  const offsets = new StaticArray<usize>(<i32>routes);
  for (let r: u32 = 0; r < routes; r++) {
    if (<u64>p + PROGRAM_ROUTE_HEADER_SIZE > <u64>end) return LOAD_TRUNCATED;
    const matchModels = load<u32>(p, PR_MATCH_MODELS);
    const matchMeta = load<u32>(p, PR_MATCH_META);
    const candidates = load<u32>(p, PR_CANDIDATES);
    const words = <u64>matchModels + <u64>matchMeta * 2 + <u64>candidates * 2;
    if (<u64>(p + PROGRAM_ROUTE_HEADER_SIZE) + words * 4 > <u64>end) return LOAD_TRUNCATED;
    const cand = candidatesOf(p);
    for (let c: u32 = 0; c < candidates; c++) {
      if (load<u32>(cand + <usize>(c * 4)) >= models) return LOAD_BAD_REFERENCE;
    }
    const fallback = load<u32>(p, PR_FALLBACK);
    if (fallback != NO_ID && fallback >= routes) return LOAD_BAD_REFERENCE;
    if (load<u32>(p, PR_STRATEGY) > STRATEGY_WEIGHTED || load<u32>(p, PR_SPLIT_BY) > SPLIT_SESSION || load<u32>(p, PR_TIER) > TIER_BATCH) return LOAD_BAD_REFERENCE;
    unchecked(offsets[r] = p);
    p = cand + <usize>(candidates * 8);
  }
  if (p != end) return LOAD_TRUNCATED;
    if (loadExpressions(end, exprLen) != 0) return LOAD_BAD_EXPRESSIONS;
  const expressions = expressionCount();
  for (let r: u32 = 0; r < routes; r++) {
    const when = load<u32>(unchecked(offsets[r]), PR_WHEN);
    if (when != NO_ID && when >= expressions) return LOAD_BAD_REFERENCE;
  }
  programBase = base;
  modelCount = models;
  routeCount = routes;
  modelsBase = mBase;
  weightsBase = weights > 0 ? wBase : 0;
  weightCount = weights;
  routeOffsets = offsets;
  return LOAD_OK;
}

/** Address of model `m`'s record. */
@inline export function modelAt(m: u32): usize {
  return modelsBase + <usize>(m * PROGRAM_MODEL_SIZE);
}

/** Address of the match model ids of the route at `r`. */
@inline export function matchModelsOf(r: usize): usize {
  return r + <usize>PROGRAM_ROUTE_HEADER_SIZE;
}

/** Address of the route's (key, value) metadata pairs. */
@inline export function matchMetaOf(r: usize): usize {
  return matchModelsOf(r) + <usize>(load<u32>(r, PR_MATCH_MODELS) * 4);
}

/** Address of the route's candidate model indices. */
@inline export function candidatesOf(r: usize): usize {
  return matchMetaOf(r) + <usize>(load<u32>(r, PR_MATCH_META) * 8);
}

/** Address of the route's candidate weights (u32 each, candidate order; zeros unless weighted). */
@inline export function weightsOf(r: usize): usize {
  return candidatesOf(r) + <usize>(load<u32>(r, PR_CANDIDATES) * 4);
}
