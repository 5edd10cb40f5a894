/**
 * decide(program, request, snapshot) -> decision: the one decision function that the server,
 * `policy test` and dry-run all call. The host marshals a request into the core's memory, makes
 * one `decide` call and reads the fixed-layout decision back.
 */
import * as abi from './abi.js';
import { instantiateCore } from './wasm.js';
import { EngineError } from './errors.js';
import type { CompiledPolicy } from './policy/lower.js';

/** The features of one request that a policy may look at. */
export interface RequestFeatures {
  /** The model alias the client asked for. */
  model: string;
  /** Request metadata (the body's `metadata` object). */
  metadata?: Readonly<Record<string, string>> | undefined;
  messageCount: number;
  /** Requested maximum output tokens, null when the client left it open. */
  maxTokens: number | null;
  stream: boolean;
  /** All message text, as the tokenizer should see it. */
  text: string;
}

export type CircuitState = 'closed' | 'open' | 'half_open' | 'unavailable';

/** Live state per model that a decision may read. Models absent here count as closed. */
export interface Snapshot {
  models?: Readonly<Record<string, { circuit?: CircuitState; latencyEwmaMs?: number; errorRate?: number }>>;
}

export type ExclusionReason = 'unavailable' | 'circuit_open';

export interface CandidateDecision {
  model: string;
  provider: string;
  upstream: string;
  estimatedCostUsd: number;
  /** Why this candidate may not serve now; null when it may. */
  excluded: ExclusionReason | null;
}

export interface Decision {
  status: 'ok' | 'no_route';
  /** Content hash of the policy that decided. */
  policyHash: string;
  route: string | null;
  /** Every candidate of the route in failover order, eligible or not. */
  candidates: CandidateDecision[];
  /** Output token limit the route sets; null leaves the request's own. */
  maxTokens: number | null;
  tier: 'realtime';
  promptTokens: number;
  /** False while the count is an estimate rather than the provider's exact tokenizer. */
  promptTokensExact: boolean;
}

const CIRCUIT_CODES: Record<CircuitState, number> = {
  closed: abi.CIRCUIT_CLOSED,
  open: abi.CIRCUIT_OPEN,
  half_open: abi.CIRCUIT_HALF_OPEN,
  unavailable: abi.CIRCUIT_UNAVAILABLE,
};

const EXCLUSIONS: Record<number, ExclusionReason> = {
  [abi.EXCLUDED_UNAVAILABLE]: 'unavailable',
  [abi.EXCLUDED_CIRCUIT_OPEN]: 'circuit_open',
};

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

  constructor(compiled: CompiledPolicy) {
    this.compiled = compiled;
    this.#core = instantiateCore();
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
    // Room for the worst case of UTF-16 -> UTF-8 (3 bytes per code unit); may grow memory.
    const textPtr = core.reserveText(request.text.length * 3);
    const snapPtr = core.reserveSnapshot(policy.models.length);
    this.#refreshViews();
    const bytes = this.#bytes;
    const view = this.#view;
    const { written } = utf8.encodeInto(request.text, bytes.subarray(textPtr, textPtr + request.text.length * 3));

    const req = this.#requestPtr;
    bytes.fill(0, req, req + abi.REQUEST_SIZE);
    view.setUint32(req + abi.REQ_MODEL_ID, strings.get(request.model) ?? abi.NO_ID, true);
    let flags = request.stream ? abi.FLAG_STREAM : 0;
    if (request.maxTokens !== null) flags |= abi.FLAG_MAX_TOKENS_SET;
    view.setUint32(req + abi.REQ_FLAGS, flags, true);
    view.setUint32(req + abi.REQ_MESSAGE_COUNT, request.messageCount, true);
    view.setUint32(req + abi.REQ_MAX_TOKENS, request.maxTokens ?? 0, true);
    view.setUint32(req + abi.REQ_TEXT_LEN, written, true);
    let metaCount = 0;
    if (request.metadata) {
      for (const key in request.metadata) {
        // Keys the policy never names cannot affect a decision, so they take no slot.
        const keyId = strings.get(key);
        if (keyId === undefined || metaCount === abi.REQ_META_MAX) continue;
        const at = req + abi.REQ_META + metaCount * 8;
        view.setUint32(at, keyId, true);
        view.setUint32(at + 4, strings.get(String(request.metadata[key])) ?? abi.NO_ID, true);
        metaCount++;
      }
    }
    view.setUint32(req + abi.REQ_META_COUNT, metaCount, true);

    if (snapshot?.models) {
      for (const name in snapshot.models) {
        const m = modelIndex.get(name);
        const state = snapshot.models[name];
        if (m === undefined || !state) continue;
        const at = snapPtr + m * abi.SNAP_ENTRY_SIZE;
        view.setUint32(at + abi.SNAP_CIRCUIT, CIRCUIT_CODES[state.circuit ?? 'closed'], true);
        view.setFloat64(at + abi.SNAP_LATENCY_EWMA_MS, state.latencyEwmaMs ?? 0, true);
        view.setFloat64(at + abi.SNAP_ERROR_RATE, state.errorRate ?? 0, true);
      }
    }

    const status = core.decide(policy.models.length);
    return this.#readDecision(status);
  }

  #readDecision(status: number): Decision {
    const { policy } = this.compiled;
    const view = this.#view;
    const dec = this.#decisionPtr;
    const base = {
      policyHash: policy.hash,
      tier: 'realtime' as const,
      promptTokens: view.getUint32(dec + abi.DEC_PROMPT_TOKENS, true),
      promptTokensExact: view.getUint32(dec + abi.DEC_PROMPT_TOKENS_EXACT, true) === 1,
    };
    if (status !== abi.STATUS_OK) {
      if (status === abi.STATUS_NO_PROGRAM) throw new EngineError('SY_ENGINE_PROGRAM', 'no program loaded');
      return { ...base, status: 'no_route', route: null, candidates: [], maxTokens: null };
    }
    const count = view.getUint32(dec + abi.DEC_CANDIDATE_COUNT, true);
    const candidates: CandidateDecision[] = [];
    for (let i = 0; i < count; i++) {
      const at = dec + abi.DEC_CANDIDATES + i * abi.DEC_CANDIDATE_SIZE;
      const model = policy.models[view.getUint32(at + abi.DEC_CAND_MODEL, true)]!;
      candidates.push({
        model: model.name,
        provider: model.provider,
        upstream: model.upstream,
        estimatedCostUsd: view.getFloat64(at + abi.DEC_CAND_COST_USD, true),
        excluded: EXCLUSIONS[view.getUint32(at + abi.DEC_CAND_EXCLUDED, true)] ?? null,
      });
    }
    const maxTokens = view.getUint32(dec + abi.DEC_MAX_TOKENS, true);
    return {
      ...base,
      status: 'ok',
      route: policy.routes[view.getUint32(dec + abi.DEC_ROUTE_INDEX, true)]!.name,
      candidates,
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
