/**
 * decide(program, request, snapshot) -> decision: the one decision function that the server,
 * `policy test` and dry-run all call. The host marshals a request into the core's memory, makes
 * one `decide` call and reads the fixed-layout decision back.
 */
import * as abi from './abi.js';
import { instantiateCore } from './wasm.js';
import { EngineError } from './errors.js';
import type { CompiledPolicy } from './policy/lower.js';
import type { Strategy } from './policy/types.js';
import { envValues } from './policy/expr/index.js';
import { loadVocabularies, ENCODING_IDS, TOKENS_UNAVAILABLE } from './tokenizer.js';
import { toolChars, toolTokens } from './tool-tokens.js';
import { readFeatures, writeFeatures, type ComplexityFeatures } from './features.js';
import { FEATURES_SIZE } from './features-abi.js';

/** One chat message as the tokenizer sees it: its text content and optional name. */
export interface PromptMessage {
  role: string;
  content: string;
  name?: string | undefined;
}

/** The features of one request that a policy may look at. */
export interface RequestFeatures {
  /** The model alias the client asked for. */
  model: string;
  /** Request metadata (the body's `metadata` object). */
  metadata?: Readonly<Record<string, string>> | undefined;
  messages: readonly PromptMessage[];
  /** Requested maximum output tokens, null when the client left it open. */
  maxTokens: number | null;
  stream: boolean;
  /**
   * Image inputs: how many, their 512-px tiles at high detail (tile-formula models), their 32-px
   * patches at OpenAI's 1536-patch budget summed over the images (patch-formula models; absent
   * = 0), whether the tile count is exact (every size known, or not needed at low detail), and
   * whether the patch count is (every size known and no low detail, whose patches the guide does
   * not pin; absent = as sizesKnown).
   */
  images?: { count: number; tiles: number; patches?: number | undefined; sizesKnown: boolean; patchesKnown?: boolean | undefined } | undefined;
  /** OpenAI tool definitions of the request. */
  tools?: readonly unknown[] | undefined;
  /** Decide with this route, without matching: a budget downgraded the request to it. */
  forceRoute?: string | undefined;
  /** `embedding` for POST /v1/embeddings (the input texts are the messages); chat by default. */
  kind?: 'chat' | 'embedding' | undefined;
  /** JSON mode or a JSON schema response format was asked for. */
  jsonMode?: boolean | undefined;
  /** Token log probabilities were asked for (logprobs: true, or top_logprobs above 0). */
  logprobs?: boolean | undefined;
  /** Choices asked for (`n`); more than 1 needs a model that can return several. */
  choices?: number | undefined;
  /** The body's `user`. */
  user?: string | undefined;
  /** Session id (header x-switchyard-session or metadata.session_id). */
  session?: string | undefined;
  /** Priority (header x-switchyard-priority or metadata.priority); "normal" when absent. */
  priority?: string | undefined;
  /** Who is calling: the virtual key's id, team, user ("" when unknown) and metadata (caller.metadata.<key>). */
  caller?: {
    key?: string | undefined; team?: string | undefined; user?: string | undefined;
    metadata?: Readonly<Record<string, string>> | undefined;
  } | undefined;
  /**
   * The prompt's counts and features as recorded traffic carries them. When present, decide
   * counts nothing: messages give only their number, and the text may be absent.
   */
  counts?: PromptCounts | undefined;
  /**
   * Arrival time, epoch milliseconds: what `time.*` conditions read. An input, never the clock,
   * so a decision replays exactly; absent means 0 (1970-01-01T00:00Z, a Thursday).
   */
  arrivedAt?: number | undefined;
}

/** What decide computes from a prompt's text, kept so the decision can be replayed without it. */
export interface PromptCounts {
  /** o200k_base prompt tokens with chat overhead and tool tokens, images excluded. */
  o200k: number;
  /** The same under cl100k_base; null when unknown (then scaled from o200k, and marked an estimate). */
  cl100k: number | null;
  /** Code points of every segment and of the tool definitions: the basis of estimates. */
  chars: number;
  features: ComplexityFeatures;
}

/**
 * cl100k_base tokens per o200k_base token, by the share of letters outside the Latin script:
 * measured 0.996 on this project's README (English) and 1.504 on bench/corpus/multilingual.txt,
 * whose letters are 39% non-Latin; the line through both. test/unit/engine/src/decide.test.ts
 * holds it within 10% on both texts.
 */
export function cl100kPerO200k(nonLatinShare: number): number {
  return 1 + 1.3 * nonLatinShare;
}

export type CircuitState = 'closed' | 'open' | 'half_open' | 'unavailable';

/** Health of one model or provider as the gateway last saw it. */
export interface HealthState {
  circuit?: CircuitState;
  latencyEwmaMs?: number;
  errorRate?: number;
}

/** Budget scopes a condition can read. */
export type BudgetScope = 'key' | 'user' | 'team' | 'session' | 'global';

/** What is left of a budget; an absent field means no limit. */
export interface BudgetState {
  remainingUsd?: number;
  remainingTokens?: number;
}

/** Live state that a decision may read. Models and providers absent here count as closed. */
export interface Snapshot {
  models?: Readonly<Record<string, HealthState>>;
  providers?: Readonly<Record<string, HealthState>>;
  budgets?: Readonly<Partial<Record<BudgetScope, BudgetState>>>;
}

/** Why a candidate may not serve this request; see README "Exclusion reasons". */
export type ExclusionReason =
  | 'unavailable' | 'circuit_open' | 'context_window' | 'max_output'
  | 'no_tools' | 'no_vision' | 'no_json_mode' | 'no_logprobs' | 'no_multiple_choices'
  | 'quality_below_min' | 'over_cost_cap' | 'over_latency_target' | 'capability_required' | 'wrong_type';

export type { Strategy };

/** What happened to one route as decide() walked the policy, in order. */
export type TrailOutcome =
  | 'matched' | 'model_mismatch' | 'metadata_mismatch' | 'tokens_out_of_range'
  | 'complexity_out_of_range' | 'when_false' | 'step_limit' | 'fallback' | 'forced';

export interface TrailStep {
  route: string;
  outcome: TrailOutcome;
}

export interface CandidateDecision {
  model: string;
  provider: string;
  upstream: string;
  /** Prompt tokens under this model's tokenizer, chat overhead and images included. */
  promptTokens: number;
  /** True when counted by the model's exact tokenizer; false for an estimate. */
  promptTokensExact: boolean;
  /** Output tokens the estimate assumes: max_tokens, or the route's expectation. */
  outputTokens: number;
  estimatedCostUsd: number;
  /** The same request on the provider's batch tier (equal to the estimate when it has none). */
  batchCostUsd: number;
  /** Why this candidate may not serve now; null when it may. */
  excluded: ExclusionReason | null;
  /** The route that contributed this candidate: the matched route, or a fallback of it. */
  viaRoute: string;
}

export interface Decision {
  status: 'ok' | 'no_route';
  /** Content hash of the policy that decided. */
  policyHash: string;
  route: string | null;
  /** How the matched route ordered its candidates. */
  strategy: Strategy | null;
  /** Retries per candidate the route allows. */
  retries: number;
  /** Every candidate in the order to try (strategy applied, fallback routes' after), eligible or not. */
  candidates: CandidateDecision[];
  /** Every route evaluated, in order, and what happened to it. */
  trail: TrailStep[];
  /** Output token limit the route sets; null leaves the request's own. */
  maxTokens: number | null;
  /** When the request is served: now, or on the provider's batch tier (the route's `tier`). */
  tier: 'realtime' | 'batch';
  /** o200k_base prompt tokens with chat overhead: the size routes match on. */
  promptTokens: number;
  /** False when an image size had to be assumed. */
  promptTokensExact: boolean;
  /** Complexity score in [0, 1] and the features it came from. */
  complexity: number;
  features: ComplexityFeatures;
}

const CIRCUIT_CODES: Record<CircuitState, number> = {
  closed: abi.CIRCUIT_CLOSED,
  open: abi.CIRCUIT_OPEN,
  half_open: abi.CIRCUIT_HALF_OPEN,
  unavailable: abi.CIRCUIT_UNAVAILABLE,
};

/** Exclusion reasons by EXCLUDED_* code (index 0, EXCLUDED_NONE, is eligible). */
const EXCLUSIONS: ReadonlyArray<ExclusionReason | null> = (() => {
  const out: Array<ExclusionReason | null> = [];
  out[abi.EXCLUDED_NONE] = null;
  out[abi.EXCLUDED_UNAVAILABLE] = 'unavailable';
  out[abi.EXCLUDED_CIRCUIT_OPEN] = 'circuit_open';
  out[abi.EXCLUDED_CONTEXT] = 'context_window';
  out[abi.EXCLUDED_MAX_OUTPUT] = 'max_output';
  out[abi.EXCLUDED_NO_TOOLS] = 'no_tools';
  out[abi.EXCLUDED_NO_VISION] = 'no_vision';
  out[abi.EXCLUDED_NO_JSON_MODE] = 'no_json_mode';
  out[abi.EXCLUDED_CAPABILITY_REQUIRED] = 'capability_required';
  out[abi.EXCLUDED_QUALITY] = 'quality_below_min';
  out[abi.EXCLUDED_OVER_COST_CAP] = 'over_cost_cap';
  out[abi.EXCLUDED_OVER_LATENCY] = 'over_latency_target';
  out[abi.EXCLUDED_WRONG_TYPE] = 'wrong_type';
  out[abi.EXCLUDED_NO_LOGPROBS] = 'no_logprobs';
  out[abi.EXCLUDED_NO_MULTIPLE_CHOICES] = 'no_multiple_choices';
  return out;
})();

/** Trail outcomes by TRAIL_* code. */
const OUTCOMES: readonly TrailOutcome[] = (() => {
  const out: TrailOutcome[] = [];
  out[abi.TRAIL_MATCHED] = 'matched';
  out[abi.TRAIL_MODEL_MISMATCH] = 'model_mismatch';
  out[abi.TRAIL_METADATA_MISMATCH] = 'metadata_mismatch';
  out[abi.TRAIL_TOKENS_OUT_OF_RANGE] = 'tokens_out_of_range';
  out[abi.TRAIL_COMPLEXITY_OUT_OF_RANGE] = 'complexity_out_of_range';
  out[abi.TRAIL_WHEN_FALSE] = 'when_false';
  out[abi.TRAIL_STEP_LIMIT] = 'step_limit';
  out[abi.TRAIL_FALLBACK] = 'fallback';
  out[abi.TRAIL_FORCED] = 'forced';
  return out;
})();

const STRATEGIES: readonly Strategy[] = (() => {
  const out: Strategy[] = [];
  out[abi.STRATEGY_ORDERED] = 'ordered';
  out[abi.STRATEGY_CHEAPEST] = 'cheapest';
  out[abi.STRATEGY_FASTEST] = 'fastest';
  out[abi.STRATEGY_WEIGHTED] = 'weighted';
  return out;
})();

/** Writes one SEGMENT record at `seg`. */
function writeSegment(view: DataView, seg: number, offset: number, length: number, kind: number): void {
  view.setUint32(seg + abi.SEG_OFFSET, offset, true);
  view.setUint32(seg + abi.SEG_LENGTH, length, true);
  view.setUint32(seg + abi.SEG_KIND, kind, true);
}

const utf8 = new TextEncoder();

/** Holds one core instance with one program loaded; `decide` is synchronous and pure. */
export class Decider {
  readonly compiled: CompiledPolicy;
  #core: abi.CoreExports;
  #requestPtr: number;
  #decisionPtr: number;
  #buffer!: ArrayBuffer;
  #bytes!: Uint8Array;
  #view!: DataView;
  /** False when no route has a condition: then no environment is built per request. */
  readonly #hasConditions: boolean;
  readonly #routeIndex: ReadonlyMap<string, number>;

  constructor(compiled: CompiledPolicy) {
    this.compiled = compiled;
    this.#hasConditions = compiled.policy.routes.some((r) => r.when !== null);
    this.#routeIndex = new Map(compiled.policy.routes.map((r, i) => [r.name, i]));
    this.#core = instantiateCore();
    loadVocabularies(this.#core);
    const ptr = this.#core.reserveProgram(compiled.program.length);
    this.#refreshViews();
    this.#bytes.set(compiled.program, ptr);
    const status = this.#core.loadProgram(compiled.program.length);
    if (status !== abi.LOAD_OK) {
      throw new EngineError('SY_ENGINE_PROGRAM', `the core refused the compiled program (load status ${status})`);
    }
    this.#requestPtr = this.#core.requestPtr();
    this.#decisionPtr = this.#core.decisionPtr();
    this.#core.reserveSnapshot(compiled.policy.models.length);
  }

  /** The decision for one request against one snapshot. */
  decide(request: RequestFeatures, snapshot?: Snapshot): Decision {
    const core = this.#core;
    const { policy, strings, modelIndex } = this.compiled;
    const messages = request.messages;
    const tools = request.tools;
    // Recorded counts already include the tools; counting placeholders would only cost time.
    const countTools = tools !== undefined && request.counts === undefined;
    const toolTokensO200k = countTools ? toolTokens(tools, 'o200k_base', this.#countO200k) : 0;
    const toolTokensCl100k = countTools ? toolTokens(tools, 'cl100k_base', this.#countCl100k) : 0;

    const n = messages.length;
    let capacity = 0;
    let segCount = n * 2;
    for (let i = 0; i < n; i++) {
      const m = messages[i]!;
      capacity += (m.content.length + m.role.length + (m.name?.length ?? 0)) * 3 + 1;
      if (m.name !== undefined) segCount++;
    }
    // What conditions read, and the strings a weighted route splits by, follow the messages.
    const env = this.#hasConditions ? envValues(policy.conditions.layout, request, snapshot) : null;
    const splits = [request.caller?.key ?? '', request.user ?? '', request.session ?? ''];
    for (const text of splits) capacity += text.length * 3;
    if (env) {
      for (const text of env.strs) capacity += text.length * 3;
      capacity += 8 + env.nums.length * 8 + env.strs.length * 8;
    }
    const counts = request.counts;
    if (counts) capacity += 8 + FEATURES_SIZE;
    // Room for the worst case of UTF-16 -> UTF-8 (3 bytes per code unit); may grow memory.
    const textPtr = core.reserveText(capacity);
    const segPtr = core.reserveSegments(segCount);
    const snapPtr = core.reserveSnapshot(policy.models.length);
    this.#refreshViews();
    const bytes = this.#bytes;
    const view = this.#view;

    // Contents first, joined by "\n" (what features read), then roles and names. Each content
    // segment is written as soon as its place is known; roles and names fill in after.
    const end = textPtr + capacity;
    let at = textPtr;
    let contentSeg = segPtr + abi.SEGMENT_SIZE; // each message's segments: role, content[, name]
    for (let i = 0; i < n; i++) {
      if (i > 0) bytes[at++] = 0x0a;
      const m = messages[i]!;
      const written = utf8.encodeInto(m.content, bytes.subarray(at, end)).written;
      writeSegment(view, contentSeg, at - textPtr, written, abi.SEG_CONTENT);
      contentSeg += (m.name !== undefined ? 3 : 2) * abi.SEGMENT_SIZE;
      at += written;
    }
    const contentBytes = at - textPtr;
    let seg = segPtr;
    let turns = 0;
    for (let i = 0; i < n; i++) {
      const m = messages[i]!;
      if (m.role === 'user') turns++;
      const roleAt = at - textPtr;
      at += utf8.encodeInto(m.role, bytes.subarray(at, end)).written;
      writeSegment(view, seg, roleAt, at - textPtr - roleAt, abi.SEG_ROLE);
      seg += 2 * abi.SEGMENT_SIZE; // the content segment was written above
      if (m.name !== undefined) {
        const nameAt = at - textPtr;
        at += utf8.encodeInto(m.name, bytes.subarray(at, end)).written;
        writeSegment(view, seg, nameAt, at - textPtr - nameAt, abi.SEG_NAME);
        seg += abi.SEGMENT_SIZE;
      }
    }

    const textLen = at - textPtr;
    const req = this.#requestPtr;
    bytes.fill(0, req, req + abi.REQUEST_SIZE);
    splits.forEach((text, i) => {
      const slot = req + abi.REQ_SPLIT_CALLER + i * 8;
      const written = text === '' ? 0 : utf8.encodeInto(text, bytes.subarray(at, end)).written;
      view.setUint32(slot, at - textPtr, true);
      view.setUint32(slot + 4, written, true);
      at += written;
    });
    if (env) {
      const strSlots: number[] = [];
      for (const text of env.strs) {
        const written = text === '' ? 0 : utf8.encodeInto(text, bytes.subarray(at, end)).written;
        strSlots.push(at - textPtr, written);
        at += written;
      }
      at = textPtr + ((at - textPtr + 7) & ~7);
      view.setUint32(req + abi.REQ_ENV_NUMS, at - textPtr, true);
      for (const value of env.nums) {
        view.setFloat64(at, value, true);
        at += 8;
      }
      view.setUint32(req + abi.REQ_ENV_STRS, at - textPtr, true);
      for (const value of strSlots) {
        view.setUint32(at, value, true);
        at += 4;
      }
    }
    view.setUint32(req + abi.REQ_MODEL_ID, strings.get(request.model) ?? abi.NO_ID, true);
    let flags = request.stream ? abi.FLAG_STREAM : 0;
    if (request.maxTokens !== null) flags |= abi.FLAG_MAX_TOKENS_SET;
    if (request.tools && request.tools.length > 0) flags |= abi.FLAG_TOOLS;
    if (request.images && request.images.count > 0) flags |= abi.FLAG_IMAGES;
    if (request.jsonMode) flags |= abi.FLAG_JSON_MODE;
    if (request.logprobs) flags |= abi.FLAG_LOGPROBS;
    if ((request.choices ?? 1) > 1) flags |= abi.FLAG_MULTIPLE_CHOICES;
    if (request.kind === 'embedding') flags |= abi.FLAG_EMBEDDING;
    if (counts) {
      flags |= abi.FLAG_PRECOUNTED;
      if (counts.cl100k === null) flags |= abi.FLAG_CL100K_ESTIMATED;
      const cl100k = counts.cl100k ?? Math.ceil(counts.o200k * cl100kPerO200k(counts.features.non_latin_share));
      view.setUint32(req + abi.REQ_PRE_O200K, counts.o200k, true);
      view.setUint32(req + abi.REQ_PRE_CL100K, cl100k, true);
      view.setUint32(req + abi.REQ_PRE_CHARS, counts.chars, true);
      at = textPtr + ((at - textPtr + 7) & ~7);
      writeFeatures(view, at, counts.features);
      view.setUint32(req + abi.REQ_PRE_FEATURES, at - textPtr, true);
      at += FEATURES_SIZE;
    }
    view.setUint32(req + abi.REQ_FLAGS, flags, true);
    view.setUint32(req + abi.REQ_FORCE_ROUTE, request.forceRoute === undefined ? abi.NO_ID : this.#routeIndex.get(request.forceRoute) ?? abi.NO_ID, true);
    view.setUint32(req + abi.REQ_MESSAGE_COUNT, messages.length, true);
    view.setUint32(req + abi.REQ_MAX_TOKENS, request.maxTokens ?? 0, true);
    view.setUint32(req + abi.REQ_TEXT_LEN, textLen, true);
    view.setUint32(req + abi.REQ_SEGMENT_COUNT, (seg - segPtr) / abi.SEGMENT_SIZE, true);
    view.setUint32(req + abi.REQ_CONTENT_LEN, contentBytes, true);
    view.setUint32(req + abi.REQ_IMAGE_COUNT, request.images?.count ?? 0, true);
    view.setUint32(req + abi.REQ_IMAGE_TILES, request.images?.tiles ?? 0, true);
    view.setUint32(req + abi.REQ_IMAGE_PATCHES, request.images?.patches ?? 0, true);
    view.setUint32(req + abi.REQ_TOOL_TOKENS_O200K, toolTokensO200k, true);
    view.setUint32(req + abi.REQ_TOOL_TOKENS_CL100K, toolTokensCl100k, true);
    view.setUint32(req + abi.REQ_TOOL_CHARS, countTools ? toolChars(tools) : 0, true);
    view.setUint32(req + abi.REQ_TURNS, turns, true);
    let metaCount = 0;
    if (request.metadata) {
      for (const key in request.metadata) {
        // Keys the policy never names cannot affect a decision, so they take no slot.
        const keyId = strings.get(key);
        if (keyId === undefined || metaCount === abi.REQ_META_MAX) continue;
        const slot = req + abi.REQ_META + metaCount * 8;
        view.setUint32(slot, keyId, true);
        view.setUint32(slot + 4, strings.get(String(request.metadata[key])) ?? abi.NO_ID, true);
        metaCount++;
      }
    }
    view.setUint32(req + abi.REQ_META_COUNT, metaCount, true);

    if (snapshot?.models) {
      for (const name in snapshot.models) {
        const m = modelIndex.get(name);
        const state = snapshot.models[name];
        if (m === undefined || !state) continue;
        const entry = snapPtr + m * abi.SNAP_ENTRY_SIZE;
        view.setUint32(entry + abi.SNAP_CIRCUIT, CIRCUIT_CODES[state.circuit ?? 'closed'], true);
        view.setFloat64(entry + abi.SNAP_LATENCY_EWMA_MS, state.latencyEwmaMs ?? 0, true);
        view.setFloat64(entry + abi.SNAP_ERROR_RATE, state.errorRate ?? 0, true);
      }
    }

    const status = core.decide(policy.models.length);
    const tilesKnown = request.images?.sizesKnown ?? true;
    return this.#readDecision(status, tilesKnown, request.images?.patchesKnown ?? tilesKnown);
  }

  // Bound once, so toolTokens gets the same function every call instead of a fresh closure.
  readonly #countO200k = (text: string): number => this.#count(ENCODING_IDS.o200k_base, text);
  readonly #countCl100k = (text: string): number => this.#count(ENCODING_IDS.cl100k_base, text);

  /** Tokens of `text` under an encoding, counted by this instance's core. */
  #count(encoding: number, text: string): number {
    const ptr = this.#core.reserveText(text.length * 3);
    this.#refreshViews();
    const { written } = utf8.encodeInto(text, this.#bytes.subarray(ptr, ptr + text.length * 3));
    const count = this.#core.countTokens(encoding, ptr, written) >>> 0;
    // The constructor loaded every vocabulary, so this is a broken build, not bad input.
    if (count === TOKENS_UNAVAILABLE) throw new EngineError('SY_ENGINE_ABI', `no vocabulary for encoding ${encoding} in this core`);
    return count;
  }

  /** The decision record as a Decision; image counts of unknown size make a count an estimate. */
  #readDecision(status: number, imageSizesKnown: boolean, imagePatchesKnown: boolean): Decision {
    const { policy } = this.compiled;
    const view = this.#view;
    const dec = this.#decisionPtr;
    const promptTokens = view.getUint32(dec + abi.DEC_PROMPT_TOKENS, true);
    const promptTokensExact = view.getUint32(dec + abi.DEC_PROMPT_TOKENS_EXACT, true) === 1 && imageSizesKnown;
    const complexity = view.getFloat64(dec + abi.DEC_COMPLEXITY, true);
    const features = readFeatures(view, dec + abi.DEC_FEATURES);
    const trailCount = view.getUint32(dec + abi.DEC_TRAIL_COUNT, true);
    const trail: TrailStep[] = new Array<TrailStep>(trailCount);
    for (let i = 0; i < trailCount; i++) {
      const at = dec + abi.DEC_TRAIL + i * 8;
      trail[i] = { route: policy.routes[view.getUint32(at, true)]!.name, outcome: OUTCOMES[view.getUint32(at + 4, true)]! };
    }
    if (status !== abi.STATUS_OK) {
      if (status === abi.STATUS_NO_PROGRAM) throw new EngineError('SY_ENGINE_PROGRAM', 'no program loaded');
      return {
        policyHash: policy.hash, tier: 'realtime', promptTokens, promptTokensExact, complexity, features,
        status: 'no_route', route: null, strategy: null, retries: 0, candidates: [], trail, maxTokens: null,
      };
    }
    const count = view.getUint32(dec + abi.DEC_CANDIDATE_COUNT, true);
    const candidates: CandidateDecision[] = new Array<CandidateDecision>(count);
    for (let i = 0; i < count; i++) {
      const c = dec + abi.DEC_CANDIDATES + i * abi.DEC_CANDIDATE_SIZE;
      const model = policy.models[view.getUint32(c + abi.DEC_CAND_MODEL, true)]!;
      candidates[i] = {
        model: model.name,
        provider: model.provider,
        upstream: model.upstream,
        promptTokens: view.getUint32(c + abi.DEC_CAND_PROMPT_TOKENS, true),
        promptTokensExact: (view.getUint32(c + abi.DEC_CAND_FLAGS, true) & abi.CAND_EXACT) !== 0
          && (model.imagePatchMultiplier !== undefined ? imagePatchesKnown : imageSizesKnown),
        outputTokens: view.getUint32(c + abi.DEC_CAND_OUTPUT_TOKENS, true),
        estimatedCostUsd: view.getFloat64(c + abi.DEC_CAND_COST_USD, true),
        batchCostUsd: view.getFloat64(c + abi.DEC_CAND_BATCH_COST_USD, true),
        excluded: EXCLUSIONS[view.getUint32(c + abi.DEC_CAND_EXCLUDED, true)] ?? null,
        viaRoute: policy.routes[view.getUint32(c + abi.DEC_CAND_VIA_ROUTE, true)]!.name,
      };
    }
    const maxTokens = view.getUint32(dec + abi.DEC_MAX_TOKENS, true);
    // The same key order as ever: callers serialise decisions (dry-run, policy test).
    return {
      policyHash: policy.hash,
      tier: view.getUint32(dec + abi.DEC_TIER, true) === abi.TIER_BATCH ? 'batch' : 'realtime',
      promptTokens, promptTokensExact, complexity, features,
      status: 'ok',
      route: policy.routes[view.getUint32(dec + abi.DEC_ROUTE_INDEX, true)]!.name,
      strategy: STRATEGIES[view.getUint32(dec + abi.DEC_STRATEGY, true)]!,
      retries: view.getUint32(dec + abi.DEC_RETRIES, true),
      candidates,
      trail,
      maxTokens: maxTokens === 0 ? null : maxTokens,
    };
  }

  /** Re-derives the typed views after the core's memory may have grown (growth detaches them). */
  #refreshViews(): void {
    const buffer = this.#core.memory.buffer;
    if (buffer === this.#buffer) return;
    this.#buffer = buffer;
    this.#bytes = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
  }
}
