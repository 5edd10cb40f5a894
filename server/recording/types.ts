/**
 * The traffic record: one JSON line per request, what decide saw, what it decided and how the
 * request ended. The server writes them (server/recording), dry-run and diff read them
 * (server/tools/dry-run). `v` is bumped on any incompatible change.
 */
import type { ComplexityFeatures } from '../../engine/src/features.js';
import type { ExclusionReason, Snapshot } from '../../engine/src/decide.js';

/**
 * 2: the snapshot's health states are tuples on disk (server/recording/line.ts). Fields added
 * since version 1 (`kind`, `forced_route`, ...) are optional, so older records read as they are.
 */
export const RECORD_VERSION = 2;
/** Every version this switchyard reads. */
export const READABLE_RECORD_VERSIONS: readonly number[] = [1, 2];

/** How much of the prompt a record keeps: none of its text (default), hashes, or all of it. */
export type Redaction = 'counts' | 'hashed' | 'full';

export interface RecordedMessage {
  role: string;
  name?: string;
  /** full: the message's text. */
  content?: string;
  /** hashed: sha256 of the text and its o200k_base tokens. */
  sha256?: string;
  tokens?: number;
}

export interface RecordedRequest {
  /**
   * Which endpoint the request came to: chat (the chat ingresses) or embedding (POST
   * /v1/embeddings, whose inputs are the messages). Records written before embeddings were
   * served have none: they are chat.
   */
  kind?: 'chat' | 'embedding';
  model: string;
  metadata: Record<string, string> | null;
  max_tokens: number | null;
  stream: boolean;
  json_mode: boolean;
  /** Token log probabilities asked for; records written before it was kept have none (false). */
  logprobs?: boolean;
  /** Choices asked for (`n`); records written before it was kept have none (1). */
  choices?: number;
  user: string | null;
  session: string | null;
  priority: string;
  /** The virtual key's id, team, user and (when it has any) metadata, which conditions may read. */
  caller: { key: string; team: string; user: string; metadata?: Record<string, string> };
  /**
   * Image inputs as `decide` prices them: tiles for tile-formula models, 32-px patches (summed
   * over the images) for patch-formula ones, with whether each count is exact. Records written
   * before patches were kept have none, read as 0 (patches_known as sizes_known): a replay of
   * such a record on a patch model undercounts its image tokens.
   */
  images: { count: number; tiles: number; patches?: number; sizes_known: boolean; patches_known?: boolean } | null;
  /** How many tool definitions the request carried; `tools` holds them in full mode only. */
  tool_count: number;
  tools: unknown[] | null;
  messages: RecordedMessage[];
  /**
   * The route a budget's downgrade forced the decision onto (decided without matching); null
   * when none did. Records written before it was kept have none: a replay of a downgraded one
   * gives the route the request matched, not the one it was served through.
   */
  forced_route?: string | null;
  /** sha256 of the canonical prompt (model asked, messages, tools): the exact-cache key. */
  prompt_sha256: string;
  counts: {
    /** o200k_base prompt tokens with chat overhead and tool tokens, images excluded. */
    o200k: number;
    /** null in records from sources that did not count it: a replay scales it from o200k. */
    cl100k: number | null;
    /** Code points of roles, names, contents and tool definitions. */
    chars: number;
    features: ComplexityFeatures;
  };
}

export interface RecordedDecision {
  status: 'ok' | 'no_route';
  route: string | null;
  strategy: string | null;
  tier: 'realtime' | 'batch';
  candidates: Array<[model: string, excluded: ExclusionReason | null]>;
  max_tokens: number | null;
  prompt_tokens: number;
  complexity: number;
  /** Estimated cost on the first eligible candidate; null when none is eligible. */
  est_cost_usd: number | null;
}

export interface RecordedOutcome {
  /** HTTP status the client got. */
  status: number;
  /** Switchyard error code when the request failed (or a stream was cut after it started). */
  error: string | null;
  model: string | null;
  provider: string | null;
  attempts: number;
  /** `source: counted` when the provider reported no usage and the gateway counted it. */
  usage: { input: number; cached_input: number; output: number; source?: 'counted' } | null;
  cost_usd: number | null;
  latency_ms: number;
  /** Time to the first streamed byte; null when not streamed. */
  ttft_ms: number | null;
  /** No cache serves yet: always "none". */
  cache: 'none' | 'miss' | 'hit';
}

export interface TrafficRecord {
  v: number;
  id: string;
  /** Arrival, epoch ms: what decide saw as the request's time. */
  at: number;
  /** Completion, epoch ms: a log is in this order. */
  done: number;
  policy: string;
  redaction: Redaction;
  request: RecordedRequest;
  snapshot: Snapshot;
  decision: RecordedDecision;
  outcome: RecordedOutcome;
}
