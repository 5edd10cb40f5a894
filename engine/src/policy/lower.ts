/**
 * Lowers a checked Policy into the binary program the core evaluates (layout drawn in
 * engine/assembly/layout.ts). Strings the policy compares (model aliases, metadata keys and
 * values) are interned here, once, so the core compares integers and never sees text.
 */
import * as abi from '../abi.js';
import type { Capability, Policy, Strategy, TokenizerKind } from './types.js';

/** A policy ready to serve: the checked policy, its program bytes and its string table. */
export interface CompiledPolicy {
  policy: Policy;
  program: Uint8Array;
  /** Interned id of every string the program compares against. */
  strings: ReadonlyMap<string, number>;
  /** Program model index of each model name. */
  modelIndex: ReadonlyMap<string, number>;
}

const TOKENIZER_IDS: Record<TokenizerKind, number> = {
  o200k_base: abi.TOKENIZER_O200K,
  cl100k_base: abi.TOKENIZER_CL100K,
  estimate: abi.TOKENIZER_ESTIMATE,
};

const STRATEGY_IDS: Record<Strategy, number> = {
  ordered: abi.STRATEGY_ORDERED,
  cheapest: abi.STRATEGY_CHEAPEST,
  fastest: abi.STRATEGY_FASTEST,
  weighted: abi.STRATEGY_WEIGHTED,
};

const SPLIT_IDS = { caller: abi.SPLIT_CALLER, user: abi.SPLIT_USER, session: abi.SPLIT_SESSION } as const;

const CAPABILITY_BITS: Record<Capability, number> = {
  tools: abi.CAP_TOOLS,
  vision: abi.CAP_VISION,
  json_mode: abi.CAP_JSON_MODE,
  logprobs: abi.CAP_LOGPROBS,
  multiple_choices: abi.CAP_MULTIPLE_CHOICES,
};

function capabilityBits(capabilities: readonly Capability[]): number {
  return capabilities.reduce((bits, c) => bits | CAPABILITY_BITS[c], 0);
}

/**
 * Program bytes and string table for a checked policy. `weights` is the complexity score's full
 * weight vector (weights then bias) when the policy overrides any, else empty (core defaults).
 */
export function lowerPolicy(policy: Policy, weights: readonly number[] = []): CompiledPolicy {
  const strings = new Map<string, number>();
  const intern = (s: string): number => {
    let id = strings.get(s);
    if (id === undefined) {
      id = strings.size;
      strings.set(s, id);
    }
    return id;
  };
  const modelIndex = new Map<string, number>();
  policy.models.forEach((m, i) => modelIndex.set(m.name, i));
  const providerIndex = new Map<string, number>();
  policy.providers.forEach((p, i) => providerIndex.set(p.name, i));

  const routeIndex = new Map(policy.routes.map((r, i) => [r.name, i]));
  const routeWords = policy.routes.map((route) => [
    ...route.matchModels.map(intern),
    ...route.matchMetadata.flatMap(([k, v]) => [intern(k), intern(v)]),
    ...route.candidates.map((name) => indexOf(modelIndex, name, route.name)),
    ...route.candidates.map((_, c) => route.weights[c] ?? 0),
  ]);
  const section = policy.conditions.section;

  const size = abi.PROGRAM_HEADER_SIZE + policy.models.length * abi.PROGRAM_MODEL_SIZE + weights.length * 8
    + routeWords.reduce((n, words) => n + abi.PROGRAM_ROUTE_HEADER_SIZE + words.length * 4, 0) + section.length;
  const program = new Uint8Array(size);
  const view = new DataView(program.buffer);
  view.setUint32(0, abi.PROGRAM_MAGIC, true);
  view.setUint32(4, abi.PROGRAM_FORMAT, true);
  view.setUint32(8, policy.models.length, true);
  view.setUint32(12, policy.routes.length, true);
  view.setUint32(16, weights.length, true);
  view.setUint32(20, section.length, true);
  let at = abi.PROGRAM_HEADER_SIZE;
  for (const model of policy.models) {
    view.setUint32(at + abi.PM_PROVIDER, indexOf(providerIndex, model.provider, model.name), true);
    view.setUint32(at + abi.PM_CONTEXT_WINDOW, model.contextWindow, true);
    view.setUint32(at + abi.PM_TOKENIZER, TOKENIZER_IDS[model.tokenizer], true);
    view.setUint32(at + abi.PM_IMAGE_BASE, model.imageBaseTokens, true);
    view.setUint32(at + abi.PM_IMAGE_TILE, model.imageTileTokens, true);
    view.setUint32(at + abi.PM_IMAGE_PATCH_MULT, model.imagePatchMultiplier ?? 0, true);
    view.setUint32(at + abi.PM_CAPABILITIES, capabilityBits(model.capabilities) | (model.type === 'embedding' ? abi.CAP_EMBEDDING : 0), true);
    view.setUint32(at + abi.PM_MAX_OUTPUT, model.maxOutputTokens, true);
    view.setUint32(at + abi.PM_QUALITY, model.quality, true);
    view.setFloat64(at + abi.PM_INPUT_PRICE, model.inputPerMTok, true);
    view.setFloat64(at + abi.PM_CACHED_INPUT_PRICE, model.cachedInputPerMTok, true);
    view.setFloat64(at + abi.PM_OUTPUT_PRICE, model.outputPerMTok, true);
    view.setFloat64(at + abi.PM_BATCH_DISCOUNT, model.batchDiscount, true);
    view.setFloat64(at + abi.PM_CHARS_PER_TOKEN, model.charsPerToken, true);
    at += abi.PROGRAM_MODEL_SIZE;
  }
  for (const w of weights) {
    view.setFloat64(at, w, true);
    at += 8;
  }
  policy.routes.forEach((route, r) => {
    view.setUint32(at + abi.PR_MATCH_MODELS, route.matchModels.length, true);
    view.setUint32(at + abi.PR_MATCH_META, route.matchMetadata.length, true);
    view.setUint32(at + abi.PR_CANDIDATES, route.candidates.length, true);
    view.setUint32(at + abi.PR_EXPECTED_OUTPUT, route.expectedOutputTokens, true);
    view.setUint32(at + abi.PR_TOKENS_MIN, route.matchPromptTokens[0], true);
    view.setUint32(at + abi.PR_TOKENS_MAX, route.matchPromptTokens[1], true);
    view.setFloat64(at + abi.PR_COMPLEXITY_MIN, route.matchComplexity[0], true);
    view.setFloat64(at + abi.PR_COMPLEXITY_MAX, route.matchComplexity[1], true);
    view.setUint32(at + abi.PR_WHEN, route.when === null ? abi.NO_ID : route.when.index, true);
    view.setUint32(at + abi.PR_STRATEGY, STRATEGY_IDS[route.strategy], true);
    view.setUint32(at + abi.PR_MIN_QUALITY, route.minQuality, true);
    view.setUint32(at + abi.PR_REQUIRED_CAPS, capabilityBits(route.requiredCapabilities), true);
    view.setFloat64(at + abi.PR_MAX_COST, route.maxCostUsd, true);
    view.setUint32(at + abi.PR_MAX_TOKENS_DEFAULT, route.maxTokensDefault ?? 0, true);
    view.setUint32(at + abi.PR_MAX_TOKENS_MAX, route.maxTokensMax ?? 0, true);
    view.setUint32(at + abi.PR_RETRIES, route.retries, true);
    view.setUint32(at + abi.PR_FALLBACK, route.fallback === null ? abi.NO_ID : indexOf(routeIndex, route.fallback, route.name), true);
    view.setUint32(at + abi.PR_SPLIT_BY, SPLIT_IDS[route.splitBy], true);
    view.setUint32(at + abi.PR_MAX_LATENCY_MS, route.maxLatencyMs ?? 0, true);
    view.setUint32(at + abi.PR_TIER, route.tier === 'batch' ? abi.TIER_BATCH : abi.TIER_REALTIME, true);
    view.setFloat64(at + abi.PR_CACHED_SHARE, route.expectedCachedShare, true);
    at += abi.PROGRAM_ROUTE_HEADER_SIZE;
    for (const word of routeWords[r]!) {
      view.setUint32(at, word, true);
      at += 4;
    }
  });
  program.set(section, at);
  return { policy, program, strings, modelIndex };
}

function indexOf(index: ReadonlyMap<string, number>, name: string, owner: string): number {
  const i = index.get(name);
  // The checker rejects dangling references before lowering; reaching this is a compiler bug.
  if (i === undefined) throw new Error(`lower: ${owner} refers to undeclared ${name}`);
  return i;
}
