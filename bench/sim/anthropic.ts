// The Anthropic Messages wire format, simulated: POST /v1/messages (JSON and its named SSE
// events) and the error body {"type":"error","error":{"type","message"},"request_id"}.
// Shapes follow https://docs.anthropic.com/en/api/messages, /messages-streaming and /errors.
import type { IncomingHttpHeaders } from 'node:http';
import { countPromptTokens, planCompletion, replyPieces } from './reply.js';
import { isObject, textBlocks } from './request-body.js';
import { jsonReply, type JsonReply, type Reply, type ReplyContext } from './wire.js';

/** Returns an Anthropic error reply: `{"type":"error","error":{"type","message"},"request_id"}`. */
export function anthropicError(status: number, type: string, message: string, requestId: string): JsonReply {
  return jsonReply(status, { type: 'error', error: { type, message }, request_id: requestId });
}

/** Returns the error type Anthropic documents for an HTTP status. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400: return 'invalid_request_error';
    case 401: return 'authentication_error';
    case 402: return 'billing_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    case 504: return 'timeout_error';
    case 529: return 'overloaded_error';
    // "We may also use this error type for other 4XX status codes" (Anthropic errors doc).
    default: return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** Returns the error Anthropic gives for a status, labelled simulated, for scripted faults. */
export function anthropicFault(status: number, requestId: string): JsonReply {
  const type = anthropicErrorType(status);
  const message = type === 'overloaded_error' ? 'Overloaded'
    : type === 'rate_limit_error' ? 'Number of requests has exceeded your rate limit.'
    : type === 'api_error' ? 'Internal server error'
    : `Request failed with status ${status}.`;
  return anthropicError(status, type, `[simulated] ${message}`, requestId);
}

/** Returns Anthropic's 401 when `x-api-key` is missing or is not `apiKey`, else undefined. */
export function anthropicAuth(headers: IncomingHttpHeaders, apiKey: string, requestId: string): JsonReply | undefined {
  const key = headers['x-api-key'];
  if (key === undefined || key === '') return anthropicError(401, 'authentication_error', 'x-api-key header is required', requestId);
  if (key !== apiKey) return anthropicError(401, 'authentication_error', 'invalid x-api-key', requestId);
  return undefined;
}

/** Returns Anthropic's 400 for a body that is not JSON. */
export function anthropicInvalidJson(requestId: string): JsonReply {
  return anthropicError(400, 'invalid_request_error', 'There was an error parsing the body of your request as JSON.', requestId);
}

/** Returns the answer to POST /v1/messages: a 400 for invalid input, else JSON or SSE events. */
export function anthropicMessages(headers: IncomingHttpHeaders, body: unknown, ctx: ReplyContext): Reply {
  const rid = `req_sim${ctx.id}`;
  // The real API refuses requests without a version header; a gateway adapter must send one.
  if (headers['anthropic-version'] === undefined) return anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required', rid);
  if (!isObject(body)) return anthropicError(400, 'invalid_request_error', 'Input should be a valid dictionary', rid);
  const model = body.model;
  if (typeof model !== 'string' || model === '') return anthropicError(400, 'invalid_request_error', 'model: Field required', rid);
  const maxTokens = body.max_tokens;
  if (maxTokens === undefined) return anthropicError(400, 'invalid_request_error', 'max_tokens: Field required', rid);
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) return anthropicError(400, 'invalid_request_error', 'max_tokens: Input should be a valid integer', rid);
  if (maxTokens < 1) return anthropicError(400, 'invalid_request_error', 'max_tokens: Input should be greater than or equal to 1', rid);
  const messages = body.messages;
  if (messages === undefined) return anthropicError(400, 'invalid_request_error', 'messages: Field required', rid);
  if (!Array.isArray(messages)) return anthropicError(400, 'invalid_request_error', 'messages: Input should be a valid list', rid);
  if (messages.length === 0) return anthropicError(400, 'invalid_request_error', 'messages: at least one message is required', rid);

  const texts: string[] = [];
  const system = textBlocks(body.system);
  if (system !== '') texts.push(system);
  let prompt = '';
  for (const m of messages) {
    const text = isObject(m) ? textBlocks(m.content) : '';
    texts.push(text);
    if (isObject(m) && m.role === 'user') prompt = text;
  }
  const plan = planCompletion(maxTokens, ctx.replyTokens);
  const pieces = replyPieces(model, prompt, plan.tokens);
  const inputTokens = countPromptTokens(texts);
  const stopReason = plan.truncated ? 'max_tokens' : 'end_turn';
  const id = `msg_sim${ctx.id}`;

  // Templates with only the variable strings escaped: far cheaper than JSON.stringify per request.
  const modelJson = JSON.stringify(model);
  const usage = `"usage":{"input_tokens":${inputTokens},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":`;
  if (body.stream !== true) {
    return {
      kind: 'json',
      status: 200,
      body: `{"id":"${id}","type":"message","role":"assistant","model":${modelJson},"content":[{"type":"text","text":${JSON.stringify(pieces.join(''))}}],"stop_reason":"${stopReason}","stop_sequence":null,${usage}${plan.tokens}}}`,
    };
  }

  const head = event('message_start', `{"type":"message_start","message":{"id":"${id}","type":"message","role":"assistant","model":${modelJson},"content":[],"stop_reason":null,"stop_sequence":null,${usage}1}}}`)
    + event('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}')
    + event('ping', '{"type": "ping"}');
  const content = pieces.map((p) => event('content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(p)}}}`));
  const tail = event('content_block_stop', '{"type":"content_block_stop","index":0}')
    + event('message_delta', `{"type":"message_delta","delta":{"stop_reason":"${stopReason}","stop_sequence":null},"usage":{"output_tokens":${plan.tokens}}}`)
    + event('message_stop', '{"type":"message_stop"}');
  return { kind: 'stream', contentType: 'text/event-stream; charset=utf-8', head, content, tail };
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}
