/**
 * Mapping between a served request and its traffic record, both ways: what the server writes
 * (toRecord) and what dry-run replays (replayRequest). Pure; counting is passed in, so the
 * writer can run it off the request's path.
 */
import { createHash } from 'node:crypto';
import type { Decision, RequestFeatures } from '../../engine/src/decide.js';
import { toolChars } from '../../engine/src/tool-tokens.js';
import type { ChatRequest } from '../adapters/types.js';
import {
  RECORD_VERSION, type RecordedDecision, type RecordedMessage, type RecordedOutcome, type RecordedRequest, type Redaction,
  type TrafficRecord,
} from './types.js';
import type { Snapshot } from '../../engine/src/decide.js';

/** Counting the record needs beyond what the decision already holds. */
export interface RecordCounting {
  /** o200k_base tokens of one text. */
  o200k(text: string): number;
  /** cl100k_base prompt tokens of the messages and tools, with chat overhead. */
  cl100kPrompt(messages: RequestFeatures['messages'], tools: readonly unknown[] | undefined): number;
  /** cl100k_base tokens of one text. */
  cl100k(text: string): number;
}

/** Everything one request left behind, before it is turned into a record. */
export interface ServedRequest {
  id: string;
  at: number;
  done: number;
  policyHash: string;
  redaction: Redaction;
  body: ChatRequest;
  features: RequestFeatures;
  snapshot: Snapshot;
  decision: Decision;
  outcome: RecordedOutcome;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Code points the core counts for estimates: roles, names, contents and tool definitions. */
function promptChars(messages: RequestFeatures['messages'], tools: readonly unknown[] | undefined): number {
  let chars = toolChars(tools);
  for (const m of messages) chars += [...m.role].length + [...m.content].length + (m.name === undefined ? 0 : [...m.name].length);
  return chars;
}

function recordMessages(messages: RequestFeatures['messages'], redaction: Redaction, counting: RecordCounting): RecordedMessage[] {
  return messages.map((m) => {
    const out: RecordedMessage = { role: m.role };
    if (m.name !== undefined) out.name = m.name;
    if (redaction === 'full') out.content = m.content;
    else if (redaction === 'hashed') {
      out.sha256 = sha256(m.content);
      out.tokens = counting.o200k(m.content);
    }
    return out;
  });
}

/** The decision as a record keeps it: enough to compare a replay with. */
export function recordDecision(decision: Decision): RecordedDecision {
  const first = decision.candidates.find((c) => c.excluded === null);
  return {
    status: decision.status,
    route: decision.route,
    strategy: decision.strategy,
    tier: decision.tier,
    candidates: decision.candidates.map((c) => [c.model, c.excluded]),
    max_tokens: decision.maxTokens,
    prompt_tokens: decision.promptTokens,
    complexity: decision.complexity,
    est_cost_usd: first ? first.estimatedCostUsd : null,
  };
}

/** The request as a record keeps it, with the prompt redacted as asked. */
export function recordRequest(served: Pick<ServedRequest, 'body' | 'features' | 'decision' | 'redaction'>, counting: RecordCounting): RecordedRequest {
  const { body, features, decision, redaction } = served;
  const tools = features.tools;
  return {
    kind: features.kind ?? 'chat',
    model: features.model,
    metadata: features.metadata ? { ...features.metadata } : null,
    max_tokens: features.maxTokens,
    stream: features.stream,
    json_mode: features.jsonMode === true,
    logprobs: features.logprobs === true,
    choices: features.choices ?? 1,
    user: features.user ?? null,
    session: features.session ?? null,
    priority: features.priority ?? 'normal',
    caller: {
      key: features.caller?.key ?? '', team: features.caller?.team ?? '', user: features.caller?.user ?? '',
      ...(features.caller?.metadata && Object.keys(features.caller.metadata).length > 0 ? { metadata: { ...features.caller.metadata } } : {}),
    },
    images: features.images
      ? {
        count: features.images.count, tiles: features.images.tiles, patches: features.images.patches ?? 0,
        sizes_known: features.images.sizesKnown, patches_known: features.images.patchesKnown ?? features.images.sizesKnown,
      }
      : null,
    tool_count: tools?.length ?? 0,
    tools: redaction === 'full' && tools ? [...tools] : null,
    messages: recordMessages(features.messages, redaction, counting),
    forced_route: features.forceRoute ?? null,
    prompt_sha256: sha256(JSON.stringify([body.model, body.messages, body.tools ?? null])),
    counts: {
      o200k: decision.promptTokens,
      // Embeddings inputs carry no chat overhead, as the core counts them.
      cl100k: features.kind === 'embedding'
        ? features.messages.reduce((n, m) => n + counting.cl100k(m.content), 0)
        : counting.cl100kPrompt(features.messages, tools),
      chars: features.kind === 'embedding'
        ? features.messages.reduce((n, m) => n + [...m.content].length, 0)
        : promptChars(features.messages, tools),
      features: decision.features,
    },
  };
}

/** One served request as its traffic record. */
export function toRecord(served: ServedRequest, counting: RecordCounting): TrafficRecord {
  return {
    v: RECORD_VERSION,
    id: served.id,
    at: served.at,
    done: served.done,
    policy: served.policyHash,
    redaction: served.redaction,
    request: recordRequest(served, counting),
    snapshot: served.snapshot,
    decision: recordDecision(served.decision),
    outcome: served.outcome,
  };
}

export interface ReplayOptions {
  /**
   * Decide on the route a budget's downgrade forced, as the gateway did (`forced_route`): what
   * reproducing a recorded decision needs. Off by default, for replays that run budgets
   * themselves (dry-run): applying the recorded downgrade there would apply it twice, and
   * under budgets the replay does not have.
   */
  forcedRoute?: boolean;
}

/**
 * The request decide saw, rebuilt from its record: the counts stand in for the text, so a
 * replay needs no prompt; a full record also gives the text back, for another policy's own
 * tokenizers. A budget's forced route only with `forcedRoute`.
 */
export function replayRequest(record: TrafficRecord, opts: ReplayOptions = {}): RequestFeatures {
  const r = record.request;
  return {
    ...(opts.forcedRoute && r.forced_route ? { forceRoute: r.forced_route } : {}),
    kind: r.kind ?? 'chat',
    model: r.model,
    metadata: r.metadata ?? undefined,
    messages: r.messages.map((m) => ({ role: m.role, content: m.content ?? '', name: m.name })),
    maxTokens: r.max_tokens,
    stream: r.stream,
    images: r.images
      ? {
        count: r.images.count, tiles: r.images.tiles, patches: r.images.patches ?? 0,
        sizesKnown: r.images.sizes_known, patchesKnown: r.images.patches_known ?? r.images.sizes_known,
      }
      : undefined,
    // The counts include the tools' tokens; only their presence matters to a replay.
    tools: r.tools ?? (r.tool_count > 0 ? new Array<unknown>(r.tool_count).fill({}) : undefined),
    jsonMode: r.json_mode,
    logprobs: r.logprobs === true,
    choices: r.choices ?? 1,
    user: r.user ?? undefined,
    session: r.session ?? undefined,
    priority: r.priority,
    caller: r.caller,
    arrivedAt: record.at,
    counts: { o200k: r.counts.o200k, cl100k: r.counts.cl100k, chars: r.counts.chars, features: r.counts.features },
  };
}
