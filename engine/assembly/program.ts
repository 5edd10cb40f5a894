// Reader for a compiled policy program (layout in layout.ts). `loadProgram` validates every
// count and reference once, so the evaluator can walk the program without bounds checks.
import {
  PROGRAM_MAGIC, PROGRAM_FORMAT, PROGRAM_HEADER_SIZE, PROGRAM_MODEL_SIZE,
  LOAD_OK, LOAD_BAD_MAGIC, LOAD_BAD_FORMAT, LOAD_TRUNCATED, LOAD_BAD_REFERENCE,
} from "./layout";

/** Start of the loaded program's bytes, 0 when none is loaded. */
export let programBase: usize = 0;
export let modelCount: u32 = 0;
export let routeCount: u32 = 0;
/** Start of the model table. */
export let modelsBase: usize = 0;
/** Byte offset of each route record, so evaluation jumps straight to route i. */
export let routeOffsets: StaticArray<usize> = new StaticArray<usize>(0);

/** Validates the program at [base, base+len) and makes it current; returns a LOAD_* code. */
export function activate(base: usize, len: u32): u32 {
  if (len < PROGRAM_HEADER_SIZE) return LOAD_TRUNCATED;
  if (load<u32>(base) != PROGRAM_MAGIC) return LOAD_BAD_MAGIC;
  if (load<u32>(base, 4) != PROGRAM_FORMAT) return LOAD_BAD_FORMAT;
  const models = load<u32>(base, 8);
  const routes = load<u32>(base, 12);
  const end = base + <usize>len;
  let p = base + <usize>PROGRAM_HEADER_SIZE;
  if (<u64>models * PROGRAM_MODEL_SIZE > <u64>(end - p)) return LOAD_TRUNCATED;
  const mBase = p;
  p += <usize>(models * PROGRAM_MODEL_SIZE);
  const offsets = new StaticArray<usize>(<i32>routes);
  for (let r: u32 = 0; r < routes; r++) {
    if (p + 12 > end) return LOAD_TRUNCATED;
    const matchModels = load<u32>(p);
    const matchMeta = load<u32>(p, 4);
    const candidates = load<u32>(p, 8);
    const words = <u64>matchModels + <u64>matchMeta * 2 + <u64>candidates;
    if (<u64>(p + 12) + words * 4 > <u64>end) return LOAD_TRUNCATED;
    const cand = p + 12 + <usize>((matchModels + matchMeta * 2) * 4);
    for (let c: u32 = 0; c < candidates; c++) {
      if (load<u32>(cand + <usize>(c * 4)) >= models) return LOAD_BAD_REFERENCE;
    }
    unchecked(offsets[r] = p);
    p = cand + <usize>(candidates * 4);
  }
  programBase = base;
  modelCount = models;
  routeCount = routes;
  modelsBase = mBase;
  routeOffsets = offsets;
  return LOAD_OK;
}

/** Input price of model `m` in USD per million tokens. */
@inline export function modelInputPrice(m: u32): f64 {
  return load<f64>(modelsBase + <usize>(m * PROGRAM_MODEL_SIZE), 8);
}

/** Output price of model `m` in USD per million tokens. */
@inline export function modelOutputPrice(m: u32): f64 {
  return load<f64>(modelsBase + <usize>(m * PROGRAM_MODEL_SIZE), 16);
}
