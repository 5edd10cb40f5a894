/**
 * Validates a chat completion body and extracts the features the policy decides on. Validation
 * covers what the gateway itself relies on; every other field passes through to the provider,
 * which knows its own limits best.
 */
import type { RequestFeatures } from '../engine/src/decide.js';
import { ASSUMED_IMAGE_SIDE_PX, dataUrlSize, imageCost } from '../engine/src/images.js';
import { patchesFor } from '../engine/src/image-tokens.js';
import type { ChatMessage, ChatRequest } from './adapters/types.js';
import { GatewayError } from './errors.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('SY_REQUEST_INVALID', message, { param });
}

function optionalPositiveInt(body: Record<string, unknown>, key: string): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid(`${key} must be a positive integer, got ${JSON.stringify(v)}`, key);
}

/** The body as a ChatRequest, or a 400 naming the offending parameter. */
export function parseChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the request body must be a JSON object', 'body');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') throw invalid('you must provide a model parameter', 'model');
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw invalid('messages must be a non-empty array', 'messages');
  b.messages.forEach((m: unknown, i: number) => {
    if (typeof m !== 'object' || m === null) throw invalid(`messages[${i}] must be an object`, `messages[${i}]`);
    const msg = m as Record<string, unknown>;
    if (typeof msg.role !== 'string' || !ROLES.has(msg.role)) {
      throw invalid(`messages[${i}].role must be one of ${[...ROLES].join(', ')}`, `messages[${i}].role`);
    }
    const c = msg.content;
    if (c !== undefined && c !== null && typeof c !== 'string' && !Array.isArray(c)) {
      throw invalid(`messages[${i}].content must be a string or an array of content parts`, `messages[${i}].content`);
    }
  });
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') throw invalid('stream must be a boolean', 'stream');
  optionalPositiveInt(b, 'max_tokens');
  optionalPositiveInt(b, 'max_completion_tokens');
  if (b.metadata !== undefined && b.metadata !== null) {
    if (typeof b.metadata !== 'object' || Array.isArray(b.metadata)) throw invalid('metadata must be an object of string values', 'metadata');
    for (const [k, v] of Object.entries(b.metadata)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw invalid(`metadata.${k} must be a string`, `metadata.${k}`);
      }
    }
  }
  return b as ChatRequest;
}

/** A message's text as a tokenizer sees it: string content, or its text parts in order. */
function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') return m.content;
  if (!Array.isArray(m.content)) return '';
  let text = '';
  for (const part of m.content) {
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/**
 * Count, tiles and patches of the request's image parts, by OpenAI's two formulas (the policy's
 * model says which one prices them): tiles at the detail asked for, 32-px patches at the
 * 1536-patch budget every patch model has, at high detail (the worst case, as
 * engine/src/image-tokens.ts counts them). A remote image's size is assumed, 1024 x 1024, as for
 * tiles; either count is then marked as an estimate.
 */
function imagesOf(messages: readonly ChatMessage[]): RequestFeatures['images'] {
  let count = 0;
  let tiles = 0;
  let patches = 0;
  let sizesKnown = true;
  let patchesKnown = true;
  for (const m of messages) {
    if (!Array.isArray(m.content)) continue;
    for (const part of m.content) {
      if (part.type !== 'image_url') continue;
      const image = part.image_url as { url?: unknown; detail?: unknown } | undefined;
      const url = typeof image?.url === 'string' ? image.url : '';
      const detail = typeof image?.detail === 'string' ? image.detail : undefined;
      const cost = imageCost(url, detail);
      const size = dataUrlSize(url);
      count++;
      tiles += cost.tiles;
      patches += patchesFor(size?.width ?? ASSUMED_IMAGE_SIDE_PX, size?.height ?? ASSUMED_IMAGE_SIDE_PX);
      sizesKnown &&= cost.sizeKnown;
      // A low-detail image costs no tiles whatever its size, but its patches are not pinned.
      patchesKnown &&= size !== null && detail !== 'low';
    }
  }
  return count === 0 ? undefined : { count, tiles, patches, sizesKnown, patchesKnown };
}

/** Request headers as Node and Fastify give them. */
export type HeaderMap = Readonly<Record<string, string | string[] | undefined>>;

function header(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined || first === '' ? undefined : first;
}

/**
 * The features `decide` reads from a validated request, its headers and its arrival time
 * (epoch ms): session and priority come from the x-switchyard-session / x-switchyard-priority
 * headers, else from metadata.session_id / metadata.priority.
 */
export function requestFeatures(req: ChatRequest, headers: HeaderMap = {}, arrivedAt?: number): RequestFeatures {
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? null;
  let metadata: Record<string, string> | undefined;
  if (req.metadata && typeof req.metadata === 'object') {
    metadata = {};
    for (const [k, v] of Object.entries(req.metadata as Record<string, unknown>)) metadata[k] = String(v);
  }
  return {
    model: req.model,
    metadata,
    messages: req.messages.map((m) => ({ role: m.role, content: messageText(m), name: typeof m.name === 'string' ? m.name : undefined })),
    maxTokens,
    stream: req.stream === true,
    images: imagesOf(req.messages),
    tools: Array.isArray(req.tools) ? (req.tools as unknown[]) : undefined,
    jsonMode: jsonModeOf(req.response_format),
    // As the adapters read them (server/adapters/unsupported.ts): top_logprobs 0 and n 1 ask for nothing.
    logprobs: req.logprobs === true || (typeof req.top_logprobs === 'number' && req.top_logprobs > 0),
    choices: typeof req.n === 'number' ? req.n : undefined,
    user: typeof req.user === 'string' ? req.user : undefined,
    session: header(headers, 'x-switchyard-session') ?? metadata?.session_id,
    priority: header(headers, 'x-switchyard-priority') ?? metadata?.priority ?? 'normal',
    arrivedAt,
  };
}

/** True for response_format json_object or json_schema: the model must be able to keep to JSON. */
function jsonModeOf(format: unknown): boolean {
  const type = (format as { type?: unknown } | null | undefined)?.type;
  return type === 'json_object' || type === 'json_schema';
}
