// The Gemini wire format, simulated: POST /v1beta/models/{model}:generateContent and
// :streamGenerateContent (SSE with ?alt=sse, else a streamed JSON array), and the Google error
// body {"error":{"code","message","status"}}.
// Shapes follow https://ai.google.dev/api/generate-content and https://ai.google.dev/gemini-api/docs/troubleshooting.
import type { IncomingHttpHeaders } from 'node:http';
import { countPromptTokens, planCompletion, replyPieces } from './reply.js';
import { isObject } from './request-body.js';
import { jsonReply, type JsonReply, type Reply, type ReplyContext } from './wire.js';

/** Returns a Gemini error reply: `{"error":{"code","message","status"}}` (plus `details` if given). */
export function geminiError(code: number, message: string, status: string, details?: unknown[]): JsonReply {
  return jsonReply(code, { error: details === undefined ? { code, message, status } : { code, message, status, details } });
}

/** Returns the google.rpc status name Gemini pairs with an HTTP status. */
export function geminiStatusName(code: number): string {
  switch (code) {
    case 400: return 'INVALID_ARGUMENT';
    case 401: return 'UNAUTHENTICATED';
    case 403: return 'PERMISSION_DENIED';
    case 404: return 'NOT_FOUND';
    case 409: return 'ABORTED';
    case 429: return 'RESOURCE_EXHAUSTED';
    case 499: return 'CANCELLED';
    case 500: return 'INTERNAL';
    case 501: return 'UNIMPLEMENTED';
    case 503: return 'UNAVAILABLE';
    case 504: return 'DEADLINE_EXCEEDED';
    default: return code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

/** Returns the error Gemini gives for a status, labelled simulated, for scripted faults. */
export function geminiFault(code: number): JsonReply {
  const status = geminiStatusName(code);
  const message = status === 'RESOURCE_EXHAUSTED' ? 'Resource has been exhausted (e.g. check quota).'
    : status === 'UNAVAILABLE' ? 'The model is overloaded. Please try again later.'
    : status === 'DEADLINE_EXCEEDED' ? 'Deadline expired before operation could complete.'
    : status === 'INTERNAL' ? 'An internal error has occurred.'
    : `Request failed with status ${code}.`;
  return geminiError(code, `[simulated] ${message}`, status);
}

/**
 * Returns Gemini's answer to a missing or wrong key (`x-goog-api-key` header or `?key=`), else
 * undefined. As the real API does, a missing key is a 403 PERMISSION_DENIED and a wrong one a 400
 * INVALID_ARGUMENT with reason API_KEY_INVALID; Gemini never answers a bad API key with 401.
 */
export function geminiAuth(headers: IncomingHttpHeaders, query: string, apiKey: string): JsonReply | undefined {
  const header = headers['x-goog-api-key'];
  const key = typeof header === 'string' && header !== '' ? header : new URLSearchParams(query).get('key');
  if (key === null || key === '') {
    return geminiError(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.", 'PERMISSION_DENIED');
  }
  if (key !== apiKey) {
    return geminiError(400, 'API key not valid. Please pass a valid API key.', 'INVALID_ARGUMENT', [{
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    }]);
  }
  return undefined;
}

/** Returns Gemini's 400 for a body that is not JSON. */
export function geminiInvalidJson(): JsonReply {
  return geminiError(400, 'Invalid JSON payload received. Unexpected token.', 'INVALID_ARGUMENT');
}

/** How a :streamGenerateContent answer is framed: SSE (`?alt=sse`) or a streamed JSON array. */
export type GeminiStreamFraming = 'none' | 'sse' | 'array';

/** Returns the answer to generateContent (framing 'none') or streamGenerateContent for `model`. */
export function geminiGenerate(model: string, body: unknown, framing: GeminiStreamFraming, ctx: ReplyContext): Reply {
  if (!isObject(body)) return geminiError(400, 'Invalid JSON payload received. Expected an object.', 'INVALID_ARGUMENT');
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    return geminiError(400, '* GenerateContentRequest.contents: contents is not specified\n', 'INVALID_ARGUMENT');
  }
  const config = isObject(body.generationConfig) ? body.generationConfig : undefined;
  const limit = config?.maxOutputTokens;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    return geminiError(400, `Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), ${JSON.stringify(limit)}`, 'INVALID_ARGUMENT');
  }

  const texts: string[] = [];
  const system = isObject(body.systemInstruction) ? partsText(body.systemInstruction.parts) : '';
  if (system !== '') texts.push(system);
  let prompt = '';
  for (const c of contents) {
    const text = isObject(c) ? partsText(c.parts) : '';
    texts.push(text);
    // A content without a role is the user's, as in the single-turn examples of the docs.
    if (isObject(c) && (c.role === 'user' || c.role === undefined)) prompt = text;
  }
  const plan = planCompletion(typeof limit === 'number' ? limit : undefined, ctx.replyTokens);
  const pieces = replyPieces(model, prompt, plan.tokens);
  const promptTokens = countPromptTokens(texts);
  const finish = plan.truncated ? 'MAX_TOKENS' : 'STOP';
  const responseId = `sim${ctx.id}`;
  const usage = (candidates: number): string =>
    `{"promptTokenCount":${promptTokens},"candidatesTokenCount":${candidates},"totalTokenCount":${promptTokens + candidates},"promptTokensDetails":[{"modality":"TEXT","tokenCount":${promptTokens}}]}`;
  const trailer = `"modelVersion":${JSON.stringify(model)},"responseId":"${responseId}"}`;
  const response = (text: string, finishReason: string | undefined, candidates: number): string =>
    `{"candidates":[{"content":{"parts":[{"text":${JSON.stringify(text)}}],"role":"model"},${finishReason === undefined ? '' : `"finishReason":"${finishReason}",`}"index":0}],"usageMetadata":${usage(candidates)},${trailer}`;

  if (framing === 'none') return jsonReply(200, response(pieces.join(''), finish, plan.tokens));

  // Each streamed record is a whole GenerateContentResponse; usageMetadata repeats on every one,
  // cumulative, and the last carries finishReason. No [DONE]: the stream just ends.
  const records = pieces.map((p, i) => response(p, i === pieces.length - 1 ? finish : undefined, i + 1));
  if (framing === 'sse') {
    return { kind: 'stream', contentType: 'text/event-stream', head: '', content: records.map((r) => `data: ${r}\r\n\r\n`), tail: '' };
  }
  return { kind: 'stream', contentType: 'application/json; charset=UTF-8', head: '[', content: records.map((r, i) => (i === 0 ? r : `,\r\n${r}`)), tail: ']' };
}

function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  let text = '';
  for (const part of parts) {
    if (isObject(part) && typeof part.text === 'string') text = text === '' ? part.text : `${text}\n${part.text}`;
  }
  return text;
}
