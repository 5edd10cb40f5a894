// The OpenAI wire format, simulated: POST /v1/chat/completions (JSON and SSE), GET /v1/models,
// and the error body {"error":{"message","type","param","code"}}.
// Shapes follow https://platform.openai.com/docs/api-reference/chat and the openai SDK's types.
import type { IncomingHttpHeaders } from 'node:http';
import { sampleValue } from './gemini.js';
import { countPromptTokens, planCompletion, replyPieces } from './reply.js';
import { isObject, textBlocks, typeName } from './request-body.js';
import { jsonReply, type JsonReply, type Reply, type ReplyContext } from './wire.js';

/** `system_fingerprint` of every simulated OpenAI body: it names the backend, which is the sim. */
export const OPENAI_FINGERPRINT = 'simulated';

/** Model ids GET /v1/models always lists, beside the models a sim has scripted. */
export const WELL_KNOWN_MODELS: readonly string[] = [
  'gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o3-mini', 'o4-mini',
  'claude-3-5-haiku-latest', 'claude-sonnet-4-20250514', 'claude-opus-4-20250514',
  'gemini-2.0-flash', 'gemini-2.5-flash', 'gemini-2.5-pro',
];

// A fixed `created` for listed models keeps GET /v1/models byte-identical across runs.
const MODELS_CREATED_S = 1_700_000_000;

/** Returns an OpenAI error reply: `{"error":{"message","type","param","code"}}`. */
export function openaiError(status: number, message: string, type: string, param: string | null = null, code: string | null = null): JsonReply {
  return jsonReply(status, { error: { message, type, param, code } });
}

/** Returns the error OpenAI gives for a status, labelled simulated, for scripted faults. */
export function openaiFault(status: number): JsonReply {
  switch (status) {
    case 400: return openaiError(status, '[simulated] Bad request.', 'invalid_request_error');
    case 401: return openaiError(status, '[simulated] Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key');
    case 403: return openaiError(status, '[simulated] You are not allowed to make this request.', 'invalid_request_error');
    case 404: return openaiError(status, '[simulated] The model does not exist or you do not have access to it.', 'invalid_request_error', null, 'model_not_found');
    // Real rate-limit bodies use type "requests" (or "tokens") with code "rate_limit_exceeded".
    case 429: return openaiError(status, '[simulated] Rate limit reached for requests. Please try again later.', 'requests', null, 'rate_limit_exceeded');
    case 503: return openaiError(status, '[simulated] The engine is currently overloaded, please try again later.', 'server_error');
    default:
      return status >= 500
        ? openaiError(status, '[simulated] The server had an error while processing your request. Sorry about that!', 'server_error')
        : openaiError(status, `[simulated] Request failed with status ${status}.`, 'invalid_request_error');
  }
}

/** Returns OpenAI's 401 when `Authorization: Bearer <apiKey>` is missing or wrong, else undefined. */
export function openaiAuth(headers: IncomingHttpHeaders, apiKey: string): JsonReply | undefined {
  const auth = headers.authorization;
  if (auth === undefined || auth === '') {
    return openaiError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error');
  }
  if (auth !== `Bearer ${apiKey}`) {
    // The key is never echoed back, not even masked.
    return openaiError(401, 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', null, 'invalid_api_key');
  }
  return undefined;
}

/** Returns OpenAI's 404 for a path it does not serve. */
export function openaiNotFound(method: string, path: string): JsonReply {
  return openaiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error');
}

/** Returns OpenAI's 400 for a body that is not JSON. */
export function openaiInvalidJson(): JsonReply {
  return openaiError(400, 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)', 'invalid_request_error');
}

/** Returns the GET /v1/models body listing `ids`. */
export function openaiModelList(ids: readonly string[]): string {
  return JSON.stringify({ object: 'list', data: ids.map(modelObject) });
}

/** Returns GET /v1/models/{id}: the model object, or OpenAI's 404 when `id` is not listed. */
export function openaiModel(id: string, listed: ReadonlySet<string>): JsonReply {
  if (listed.has(id)) return jsonReply(200, modelObject(id));
  return openaiError(404, `The model \`${id}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model', 'model_not_found');
}

function modelObject(id: string): { id: string; object: 'model'; created: number; owned_by: string } {
  return { id, object: 'model', created: MODELS_CREATED_S, owned_by: 'simulated' };
}

/** How a scripted model behaves beyond OpenAI's own API. */
export interface OpenAiChatOptions {
  /**
   * Streams never carry usage, even with `stream_options.include_usage`, as several
   * OpenAI-compatible servers (some DeepSeek, Mistral, Together and Ollama versions, vLLM and
   * llama.cpp builds) answer.
   */
  omitStreamUsage?: boolean;
}

/**
 * Returns the answer to POST /v1/chat/completions: a 400 for invalid input, else JSON or SSE.
 *
 * The answer is a tool call when the request declares function tools, `tool_choice` is not
 * `none`, and either `tool_choice` asks for a call (`required`, or a named function) or the
 * last message is the user's, asking to "use the tool" (any case). The function is the named
 * one, else the first whose name the user's text mentions, else the first declared; its
 * arguments are sample values of its parameter schema, streamed in four-character pieces.
 * Otherwise the answer is the deterministic text of reply.ts.
 */
export function openaiChat(body: unknown, ctx: ReplyContext, options: OpenAiChatOptions = {}): Reply {
  if (!isObject(body)) return openaiError(400, 'Invalid type for request body: expected an object.', 'invalid_request_error', null, 'invalid_type');
  const model = body.model;
  if (typeof model !== 'string' || model === '') return openaiError(400, 'you must provide a model parameter', 'invalid_request_error');
  const messages = body.messages;
  if (messages === undefined) return openaiError(400, "Missing required parameter: 'messages'.", 'invalid_request_error', 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages)) return openaiError(400, `Invalid type for 'messages': expected an array of objects, but got ${typeName(messages)} instead.`, 'invalid_request_error', 'messages', 'invalid_type');
  if (messages.length === 0) return openaiError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'invalid_request_error', 'messages', 'empty_array');
  const limitName = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const limit = body[limitName];
  if (limit !== undefined && limit !== null) {
    if (typeof limit !== 'number' || !Number.isInteger(limit)) return openaiError(400, `Invalid type for '${limitName}': expected an integer, but got ${typeName(limit)} instead.`, 'invalid_request_error', limitName, 'invalid_type');
    if (limit < 1) return openaiError(400, `Invalid '${limitName}': integer below minimum value. Expected a value >= 1, but got ${limit} instead.`, 'invalid_request_error', limitName, 'integer_below_min_value');
  }
  const stream = body.stream === true;
  const streamOptions = body.stream_options;
  if (!stream && streamOptions !== undefined && streamOptions !== null) {
    return openaiError(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'invalid_request_error', 'stream_options');
  }

  const badTurn = toolTurnError(messages);
  if (badTurn !== undefined) return badTurn;
  const tools = declaredFunctions(body.tools);
  if (!Array.isArray(tools)) return tools;
  if (tools.length === 0 && body.tool_choice !== undefined && body.tool_choice !== null) {
    return openaiError(400, "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'invalid_request_error', 'tool_choice');
  }

  const texts: string[] = [];
  let prompt = '';
  for (const m of messages) {
    const text = isObject(m) ? textBlocks(m.content) : '';
    texts.push(text);
    if (isObject(m) && m.role === 'user') prompt = text;
  }
  if (prompt === '') prompt = texts[texts.length - 1] ?? '';
  const last: unknown = messages[messages.length - 1];
  const call = toolCallOf(tools, body.tool_choice, isObject(last) && last.role === 'user' ? prompt : null);
  const plan = planCompletion(typeof limit === 'number' ? limit : undefined, ctx.replyTokens);
  const pieces = call === null ? replyPieces(model, prompt, plan.tokens) : call.arguments.match(/[\s\S]{1,4}/g) ?? [];
  const promptTokens = countPromptTokens(texts);
  const usage = usageJson(promptTokens, pieces.length);
  const finish = call !== null ? 'tool_calls' : plan.truncated ? 'length' : 'stop';
  const id = `chatcmpl-sim${ctx.id}`;
  const callId = `call_sim${ctx.id}`;

  // Bodies are templates with only the variable strings escaped: a JSON.stringify of the whole
  // object costs ten times as much, and the sim must stay cheap next to the gateway it measures.
  const modelJson = JSON.stringify(model);
  if (!stream) {
    const message = call === null
      ? `{"role":"assistant","content":${JSON.stringify(pieces.join(''))},"refusal":null,"annotations":[]}`
      : `{"role":"assistant","content":null,"tool_calls":[{"id":"${callId}","type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":${JSON.stringify(call.arguments)}}}],"refusal":null,"annotations":[]}`;
    return {
      kind: 'json',
      status: 200,
      body: `{"id":"${id}","object":"chat.completion","created":${ctx.nowS},"model":${modelJson},"choices":[{"index":0,"message":${message},"logprobs":null,"finish_reason":"${finish}"}],"usage":${usage},"service_tier":"default","system_fingerprint":"${OPENAI_FINGERPRINT}"}`,
    };
  }

  // Every chunk shares one prefix and suffix, built once per request.
  const includeUsage = isObject(streamOptions) && streamOptions.include_usage === true && options.omitStreamUsage !== true;
  const prefix = `data: {"id":"${id}","object":"chat.completion.chunk","created":${ctx.nowS},"model":${modelJson},"service_tier":"default","system_fingerprint":"${OPENAI_FINGERPRINT}","choices":[`;
  const suffix = includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  // A tool call opens with its id and name and no arguments; the arguments follow in pieces.
  const firstDelta = call === null
    ? '{"role":"assistant","content":"","refusal":null}'
    : `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${callId}","type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":""}}],"refusal":null}`;
  const head = `${prefix}{"index":0,"delta":${firstDelta},"logprobs":null,"finish_reason":null}${suffix}`;
  const content = pieces.map((p) => call === null
    ? `${prefix}{"index":0,"delta":{"content":${JSON.stringify(p)}},"logprobs":null,"finish_reason":null}${suffix}`
    : `${prefix}{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(p)}}}]},"logprobs":null,"finish_reason":null}${suffix}`);
  let tail = `${prefix}{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finish}"}${suffix}`;
  if (includeUsage) tail += `${prefix}],"usage":${usage}}\n\n`;
  tail += 'data: [DONE]\n\n';
  return { kind: 'stream', contentType: 'text/event-stream; charset=utf-8', head, content, tail };
}

// The usage object, field for field as OpenAI sends it (the details are all zero in the sim).
function usageJson(prompt: number, completion: number): string {
  return `{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion},"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`;
}

/** A function tool the request declares. */
interface DeclaredFunction {
  name: string;
  parameters: Record<string, unknown> | undefined;
}

/** Returns the request's function tools, or OpenAI's 400 for a malformed list. */
function declaredFunctions(tools: unknown): DeclaredFunction[] | JsonReply {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) return openaiError(400, `Invalid type for 'tools': expected an array, but got ${typeName(tools)} instead.`, 'invalid_request_error', 'tools', 'invalid_type');
  const out: DeclaredFunction[] = [];
  for (let i = 0; i < tools.length; i++) {
    const tool: unknown = tools[i];
    const fn = isObject(tool) ? tool.function : undefined;
    if (!isObject(tool) || tool.type !== 'function' || !isObject(fn) || typeof fn.name !== 'string') {
      return openaiError(400, `Missing required parameter: 'tools[${i}].function.name'.`, 'invalid_request_error', `tools[${i}].function.name`, 'missing_required_parameter');
    }
    out.push({ name: fn.name, parameters: isObject(fn.parameters) ? fn.parameters : undefined });
  }
  return out;
}

/** Returns the call the answer makes (see openaiChat), or null for a text answer. `userText` is the last message's text when the user wrote it. */
function toolCallOf(tools: readonly DeclaredFunction[], choice: unknown, userText: string | null): { name: string; arguments: string } | null {
  if (tools.length === 0 || choice === 'none') return null;
  const named = isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string' ? choice.function.name : undefined;
  const asked = choice === 'required' || named !== undefined || (userText !== null && /use the tool/i.test(userText));
  if (!asked) return null;
  const fn = tools.find((t) => t.name === named)
    ?? tools.find((t) => userText !== null && userText.includes(t.name))
    ?? (tools[0] as DeclaredFunction);
  const schema = fn.parameters ?? { type: 'object', properties: {} };
  return { name: fn.name, arguments: JSON.stringify(sampleValue(schema, schema, 0)) };
}

/**
 * Returns OpenAI's 400 when tool turns do not pair up: a tool message must answer a tool call of
 * the assistant message before it, and every such call must be answered before the next turn.
 */
function toolTurnError(messages: readonly unknown[]): JsonReply | undefined {
  let open: Set<string> | null = null;
  let openAt = -1;
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isObject(m)) continue;
    if (m.role === 'tool') {
      if (open === null || typeof m.tool_call_id !== 'string' || !open.has(m.tool_call_id)) {
        return openaiError(400, "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", 'invalid_request_error', `messages.[${i}].role`);
      }
      open.delete(m.tool_call_id);
      continue;
    }
    if (open !== null && open.size > 0) return unanswered(openAt, open);
    open = null;
    if (m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      open = new Set(m.tool_calls.map((c: unknown) => (isObject(c) && typeof c.id === 'string' ? c.id : '')));
      openAt = i;
    }
  }
  return open !== null && open.size > 0 ? unanswered(openAt, open) : undefined;
}

function unanswered(at: number, ids: ReadonlySet<string>): JsonReply {
  return openaiError(400, `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...ids].join(', ')}`, 'invalid_request_error', `messages.[${at}].role`);
}
