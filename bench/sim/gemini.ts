// The Gemini wire format, simulated: POST /v1beta/models/{model}:generateContent and
// :streamGenerateContent (SSE with ?alt=sse, else a streamed JSON array), and the Google error
// body {"error":{"code","message","status","details"}}.
// Requests are validated as Gemini validates them (unknown fields, roles, parts, media types,
// function calls and responses pairing up, tool config, generation config ranges) and answered
// with text, a function call, JSON or several candidates, with logprobs when asked: see
// "Answering" below for when each comes.
// Shapes follow https://ai.google.dev/api/generate-content and https://ai.google.dev/gemini-api/docs/troubleshooting.
import type { IncomingHttpHeaders } from 'node:http';
import { countPromptTokens, planCompletion, replyPieces, SIM_WORDS } from './reply.js';
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

// ---------------------------------------------------------------------------------------------
// Reading a request. Gemini parses bodies as proto3 JSON, which takes every field in lowerCamel
// or in its proto snake_case spelling; unknown fields are a 400 naming them.

/** Returns the snake_case spelling of a lowerCamel field name, as Gemini's error paths spell fields. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Returns `o[name]`, or `o[snake(name)]` when the camel spelling is absent. */
function get(o: Record<string, unknown>, name: string): unknown {
  const value = o[name];
  return value !== undefined ? value : o[snake(name)];
}

/** Returns a 400 INVALID_ARGUMENT whose message and google.rpc.BadRequest details name the field, as Gemini words its field errors. */
function invalid(field: string, description: string): JsonReply {
  return geminiError(400, `* GenerateContentRequest.${field}: ${description}\n`, 'INVALID_ARGUMENT', [{
    '@type': 'type.googleapis.com/google.rpc.BadRequest',
    fieldViolations: [{ field, description }],
  }]);
}

/** Returns Gemini's 400 for a field the proto does not have, or undefined when every field of `o` is in `known`. */
function unknownName(o: Record<string, unknown>, known: ReadonlySet<string>, at: string): JsonReply | undefined {
  for (const key of Object.keys(o)) {
    const camel = key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (known.has(camel)) continue;
    const message = `Invalid JSON payload received. Unknown name "${key}"${at === '' ? '' : ` at '${at}'`}: Cannot find field.`;
    return geminiError(400, message, 'INVALID_ARGUMENT', [{
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ field: at, description: message }],
    }]);
  }
  return undefined;
}

const REQUEST_FIELDS: ReadonlySet<string> = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent']);
const PART_DATA_FIELDS: readonly string[] = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const PART_FIELDS: ReadonlySet<string> = new Set([...PART_DATA_FIELDS, 'thought', 'thoughtSignature', 'videoMetadata', 'partMetadata']);
const GENERATION_FIELDS: ReadonlySet<string> = new Set([
  'candidateCount', 'stopSequences', 'maxOutputTokens', 'temperature', 'topP', 'topK', 'seed', 'responseMimeType',
  'responseSchema', 'responseJsonSchema', 'presencePenalty', 'frequencyPenalty', 'responseLogprobs', 'logprobs',
  'enableEnhancedCivicAnswers', 'responseModalities', 'speechConfig', 'thinkingConfig', 'imageConfig', 'mediaResolution',
]);
const DECLARATION_FIELDS: ReadonlySet<string> = new Set(['name', 'description', 'parameters', 'parametersJsonSchema', 'response', 'responseJsonSchema', 'behavior']);
const RESPONSE_MIME_TYPES: ReadonlySet<string> = new Set(['text/plain', 'application/json', 'text/x.enum']);
const CALLING_MODES: ReadonlySet<string> = new Set(['AUTO', 'ANY', 'NONE', 'VALIDATED']);
// Function names as FunctionDeclaration.name documents them.
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
// Media types the sim reads, a subset of https://ai.google.dev/gemini-api/docs/prompting_with_media.
const MEDIA_TYPE = /^(image\/(png|jpeg|webp|heic|heif)|audio\/(wav|mp3|mpeg|aiff|aac|ogg|flac)|video\/[a-z0-9.+-]+|application\/pdf|text\/[a-z0-9.+-]+)$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** The placeholder Gemini accepts in place of a thought signature it did not issue. */
const UNSIGNED_PLACEHOLDER = 'skip_thought_signature_validator';
/** What the thought signatures the sim issues decode to the start of. */
const SIGNATURE_PREFIX = 'simulated:';

/** A function the request declares. */
interface Declaration {
  name: string;
  /** Its parameters as JSON Schema (`parametersJsonSchema`) or Gemini's OpenAPI subset (`parameters`). */
  schema: Record<string, unknown> | undefined;
}

/** What the reply depends on, read from a valid request. */
interface SimRequest {
  /** Texts the prompt count is made of: the system instruction, then one per content. */
  texts: string[];
  /** What the reply is seeded with: the last user content's text. */
  prompt: string;
  /** True when the last content is the user's own words (not function responses). */
  lastIsUserText: boolean;
  declarations: Declaration[];
  mode: string;
  allowed: string[];
  maxOutputTokens: number | undefined;
  candidateCount: number;
  json: boolean;
  schema: Record<string, unknown> | undefined;
  /** Top candidates per token when logprobs are asked for, else -1. */
  logprobs: number;
}

/** Validates a generateContent body as Gemini does; returns what the reply needs, or the 400. */
function readRequest(model: string, body: unknown): SimRequest | JsonReply {
  if (!isObject(body)) return geminiError(400, 'Invalid JSON payload received. Expected an object.', 'INVALID_ARGUMENT');
  const unknown = unknownName(body, REQUEST_FIELDS, '');
  if (unknown !== undefined) return unknown;
  const contents = get(body, 'contents');
  if (!Array.isArray(contents) || contents.length === 0) {
    return geminiError(400, '* GenerateContentRequest.contents: contents is not specified\n', 'INVALID_ARGUMENT');
  }
  const texts: string[] = [];
  const systemInstruction = get(body, 'systemInstruction');
  if (isObject(systemInstruction)) {
    const system = partsText(systemInstruction.parts);
    if (system !== '') texts.push(system);
  }

  let prompt = '';
  let lastIsUserText = false;
  let previousRole = '';
  let previousCalls: Array<Record<string, unknown>> = [];
  for (let i = 0; i < contents.length; i++) {
    const content: unknown = contents[i];
    if (!isObject(content)) return invalid(`contents[${i}]`, 'must be an object');
    // A content without a role is the user's, as in the single-turn examples of the docs.
    const role = content.role ?? 'user';
    if (role !== 'user' && role !== 'model') return geminiError(400, 'Please use a valid role: user, model.', 'INVALID_ARGUMENT');
    const parts = content.parts;
    if (!Array.isArray(parts) || parts.length === 0) return invalid(`contents[${i}].parts`, 'contents.parts must not be empty.');
    const calls: Array<Record<string, unknown>> = [];
    const responses: Array<Record<string, unknown>> = [];
    for (let j = 0; j < parts.length; j++) {
      const part: unknown = parts[j];
      const at = `contents[${i}].parts[${j}]`;
      if (!isObject(part)) return invalid(at, 'must be an object');
      const bad = unknownName(part, PART_FIELDS, at) ?? checkPart(part, at);
      if (bad !== undefined) return bad;
      const call = get(part, 'functionCall');
      const response = get(part, 'functionResponse');
      if (isObject(call)) {
        if (role !== 'model') return invalid(`${at}.function_call`, 'function calls may only appear in model turns.');
        // Gemini 3 wants the signature it put on a turn's first function call back with it.
        if (calls.length === 0 && model.startsWith('gemini-3')) {
          const signature = get(part, 'thoughtSignature');
          if (typeof signature !== 'string') {
            return geminiError(400, `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String(call.name)}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`, 'INVALID_ARGUMENT');
          }
          if (signature !== UNSIGNED_PLACEHOLDER && !Buffer.from(signature, 'base64').toString('utf8').startsWith(SIGNATURE_PREFIX)) {
            return geminiError(400, 'Corrupted thought signature.', 'INVALID_ARGUMENT');
          }
        }
        calls.push(call);
      }
      if (isObject(response)) {
        if (role !== 'user') return invalid(`${at}.function_response`, 'function responses may only appear in user turns.');
        responses.push(response);
      }
    }
    if (calls.length > 0 && previousRole === 'model') {
      return geminiError(400, 'Please ensure that function call turn comes immediately after a user turn or after a function response turn.', 'INVALID_ARGUMENT');
    }
    if (responses.length > 0) {
      const answered = answersCalls(responses, previousCalls);
      if (answered !== undefined) return answered;
    }
    previousRole = role;
    previousCalls = calls;
    const text = partsText(parts);
    texts.push(text);
    if (role === 'user') prompt = text;
    lastIsUserText = role === 'user' && responses.length === 0;
  }

  const tools = readTools(get(body, 'tools'), get(body, 'toolConfig'));
  if (!('declarations' in tools)) return tools;
  const config = readGenerationConfig(get(body, 'generationConfig'));
  if (!('candidateCount' in config)) return config;
  return { texts, prompt, lastIsUserText, ...tools, ...config };
}

/** Checks one part's data: exactly one kind, each well formed. */
function checkPart(part: Record<string, unknown>, at: string): JsonReply | undefined {
  const kinds = PART_DATA_FIELDS.filter((name) => get(part, name) !== undefined);
  if (kinds.length !== 1) {
    return invalid(at, kinds.length === 0 ? 'a part must contain exactly one of text, inline_data, file_data, function_call, function_response.' : `oneof field 'data' is already set. Cannot set '${snake(kinds[1] as string)}'`);
  }
  const kind = kinds[0] as string;
  const value = get(part, kind);
  switch (kind) {
    case 'text':
      return typeof value === 'string' ? undefined : invalid(`${at}.text`, 'must be a string.');
    case 'inlineData': {
      if (!isObject(value)) return invalid(`${at}.inline_data`, 'must be an object.');
      const mimeType = get(value, 'mimeType');
      const data = get(value, 'data');
      if (typeof data !== 'string' || !BASE64.test(data)) return invalid(`${at}.inline_data.data`, 'Invalid value: not valid base64.');
      if (typeof mimeType !== 'string' || !MEDIA_TYPE.test(mimeType)) return geminiError(400, `Unsupported MIME type: ${String(mimeType)}`, 'INVALID_ARGUMENT');
      return undefined;
    }
    case 'fileData': {
      if (!isObject(value)) return invalid(`${at}.file_data`, 'must be an object.');
      const uri = get(value, 'fileUri');
      const mimeType = get(value, 'mimeType');
      if (typeof uri !== 'string' || uri === '') return invalid(`${at}.file_data.file_uri`, 'file_uri is required.');
      if (typeof mimeType !== 'string' || !MEDIA_TYPE.test(mimeType)) return geminiError(400, `Unsupported MIME type: ${String(mimeType)}`, 'INVALID_ARGUMENT');
      return undefined;
    }
    case 'functionCall':
      if (!isObject(value) || typeof value.name !== 'string' || value.name === '') return invalid(`${at}.function_call.name`, 'Name is required.');
      if (value.args !== undefined && !isObject(value.args)) return invalid(`${at}.function_call.args`, 'must be a JSON object.');
      return undefined;
    case 'functionResponse':
      if (!isObject(value) || typeof value.name !== 'string' || value.name === '') return invalid(`${at}.function_response.name`, 'Name is required.');
      if (!isObject(value.response)) return invalid(`${at}.function_response.response`, 'must be a JSON object.');
      return undefined;
    default:
      return undefined;
  }
}

/** Checks that a turn's function responses answer the calls of the turn before it, one for one. */
function answersCalls(responses: ReadonlyArray<Record<string, unknown>>, calls: ReadonlyArray<Record<string, unknown>>): JsonReply | undefined {
  if (calls.length === 0) {
    return geminiError(400, 'Please ensure that function response turn comes immediately after a function call turn.', 'INVALID_ARGUMENT');
  }
  if (responses.length !== calls.length) {
    return geminiError(400, 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.', 'INVALID_ARGUMENT');
  }
  for (const response of responses) {
    const answered = calls.some((call) => call.name === response.name && (call.id === undefined || response.id === undefined || call.id === response.id));
    if (!answered) {
      return geminiError(400, `Function response for "${String(response.name)}"${response.id === undefined ? '' : ` (id ${String(response.id)})`} does not answer any function call of the previous turn.`, 'INVALID_ARGUMENT');
    }
  }
  return undefined;
}

function readTools(tools: unknown, toolConfig: unknown): Pick<SimRequest, 'declarations' | 'mode' | 'allowed'> | JsonReply {
  const declarations: Declaration[] = [];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return invalid('tools', 'must be a list.');
    for (let i = 0; i < tools.length; i++) {
      const tool: unknown = tools[i];
      if (!isObject(tool)) return invalid(`tools[${i}]`, 'must be an object.');
      const list = get(tool, 'functionDeclarations');
      if (list === undefined) continue;
      if (!Array.isArray(list)) return invalid(`tools[${i}].function_declarations`, 'must be a list.');
      for (let j = 0; j < list.length; j++) {
        const fn: unknown = list[j];
        const at = `tools[${i}].function_declarations[${j}]`;
        if (!isObject(fn)) return invalid(at, 'must be an object.');
        const bad = unknownName(fn, DECLARATION_FIELDS, at);
        if (bad !== undefined) return bad;
        if (typeof fn.name !== 'string' || !FUNCTION_NAME.test(fn.name)) {
          return invalid(`${at}.name`, 'Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.');
        }
        const parameters = get(fn, 'parameters');
        const jsonSchema = get(fn, 'parametersJsonSchema');
        if (parameters !== undefined && jsonSchema !== undefined) {
          return invalid(`${at}.parameters_json_schema`, 'parameters and parameters_json_schema are mutually exclusive.');
        }
        const schema = jsonSchema ?? parameters;
        if (schema !== undefined && (!isObject(schema) || String(schema.type).toLowerCase() !== 'object')) {
          return invalid(`${at}.${jsonSchema === undefined ? 'parameters' : 'parameters_json_schema'}`, 'the parameters of a function must be an object schema.');
        }
        declarations.push({ name: fn.name, schema: schema as Record<string, unknown> | undefined });
      }
    }
  }
  const config = isObject(toolConfig) ? get(toolConfig, 'functionCallingConfig') : undefined;
  let mode = 'AUTO';
  let allowed: string[] = [];
  if (isObject(config)) {
    const m = config.mode ?? 'AUTO';
    if (typeof m !== 'string' || !CALLING_MODES.has(m)) {
      return invalid('tool_config.function_calling_config.mode', `Invalid value ${JSON.stringify(m)}: expected one of AUTO, ANY, NONE, VALIDATED.`);
    }
    mode = m;
    const names = get(config, 'allowedFunctionNames');
    if (names !== undefined) {
      if (mode !== 'ANY' && mode !== 'VALIDATED') {
        return invalid('tool_config.function_calling_config.allowed_function_names', 'allowed_function_names may only be set when the mode is ANY or VALIDATED.');
      }
      if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && declarations.some((d) => d.name === n))) {
        return invalid('tool_config.function_calling_config.allowed_function_names', 'every allowed function name must name a declared function.');
      }
      allowed = names as string[];
    }
    if (mode === 'ANY' && declarations.length === 0) {
      return invalid('tool_config.function_calling_config.mode', 'mode ANY needs function declarations.');
    }
  }
  return { declarations, mode, allowed };
}

function readGenerationConfig(config: unknown): Omit<SimRequest, 'texts' | 'prompt' | 'lastIsUserText' | 'declarations' | 'mode' | 'allowed'> | JsonReply {
  const c = isObject(config) ? config : {};
  const bad = unknownName(c, GENERATION_FIELDS, 'generation_config');
  if (bad !== undefined) return bad;
  const limit = get(c, 'maxOutputTokens');
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    return geminiError(400, `Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), ${JSON.stringify(limit)}`, 'INVALID_ARGUMENT');
  }
  const temperature = get(c, 'temperature');
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 2)) {
    return invalid('generation_config.temperature', 'temperature must be in the range [0.0, 2.0].');
  }
  const count = get(c, 'candidateCount') ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 8) {
    return invalid('generation_config.candidate_count', 'candidate_count must be in the range [1, 8].');
  }
  const stops = get(c, 'stopSequences');
  if (stops !== undefined && (!Array.isArray(stops) || stops.length > 5)) {
    return invalid('generation_config.stop_sequences', 'at most 5 stop sequences are allowed.');
  }
  const mimeType = get(c, 'responseMimeType');
  if (mimeType !== undefined && (typeof mimeType !== 'string' || !RESPONSE_MIME_TYPES.has(mimeType))) {
    return invalid('generation_config.response_mime_type', `allowed mimetypes are \`text/plain\`, \`application/json\` and \`text/x.enum\`, got ${JSON.stringify(mimeType)}.`);
  }
  const openApiSchema = get(c, 'responseSchema');
  const jsonSchema = get(c, 'responseJsonSchema');
  if (openApiSchema !== undefined && jsonSchema !== undefined) {
    return invalid('generation_config.response_json_schema', 'response_schema and response_json_schema are mutually exclusive.');
  }
  const schema = jsonSchema ?? openApiSchema;
  if (schema !== undefined && mimeType !== 'application/json') {
    return invalid('generation_config.response_mime_type', 'a response schema needs response_mime_type application/json.');
  }
  const wantsLogprobs = get(c, 'responseLogprobs') === true;
  const top = get(c, 'logprobs');
  if (top !== undefined) {
    if (!wantsLogprobs) return invalid('generation_config.logprobs', 'logprobs is only valid when response_logprobs is true.');
    if (typeof top !== 'number' || !Number.isInteger(top) || top < 0 || top > 20) return invalid('generation_config.logprobs', 'logprobs must be in the range [0, 20].');
  }
  return {
    maxOutputTokens: typeof limit === 'number' ? limit : undefined,
    candidateCount: count,
    json: mimeType === 'application/json',
    schema: isObject(schema) ? schema : undefined,
    logprobs: wantsLogprobs ? (typeof top === 'number' ? top : 0) : -1,
  };
}

// ---------------------------------------------------------------------------------------------
// Answering. The reply is text, a function call, or JSON:
// - a function call when the request declares functions, the mode is not NONE, and either the
//   mode is ANY (which forces a call, as Gemini's does, even right after a function response)
//   or the last turn is the user's own text asking to "use the tool" (any case). The function
//   is the first allowed one whose name the user's text mentions, else the first allowed (or
//   declared) one; its arguments are sample values of its parameter schema. Turns after a
//   function response otherwise answer in text, so a tool round trip ends.
// - JSON when responseMimeType is application/json: a sample value of the response schema, or
//   {"reply": <the text reply>} without one.
// - otherwise the deterministic text of reply.ts.

/** One streamed record's worth of a candidate: its parts, and the tokens they count as. */
interface Piece {
  parts: unknown[];
  tokens: number;
  /** The piece's text when it is text, for logprobs. */
  text: string;
}

interface CandidatePlan {
  pieces: Piece[];
  finishReason: string;
}

/** Returns the answer to generateContent (framing 'none') or streamGenerateContent for `model`. */
export function geminiGenerate(model: string, body: unknown, framing: GeminiStreamFraming, ctx: ReplyContext): Reply {
  const request = readRequest(model, body);
  if ('kind' in request) return request;
  const responseId = `sim${ctx.id}`;
  const promptTokens = countPromptTokens(request.texts);
  const plain = request.candidateCount === 1 && request.logprobs < 0 && !request.json && !callsFunction(request);
  if (plain) return plainText(model, request, framing, ctx, responseId, promptTokens);

  const candidates: CandidatePlan[] = [];
  for (let i = 0; i < request.candidateCount; i++) candidates.push(planCandidate(model, request, i, ctx, responseId));
  const usage = (candidatesTokens: number): Record<string, unknown> => ({
    promptTokenCount: promptTokens,
    candidatesTokenCount: candidatesTokens,
    totalTokenCount: promptTokens + candidatesTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  });
  const candidateJson = (plan: CandidatePlan, index: number, pieces: Piece[], last: boolean, offset: number): Record<string, unknown> => {
    const candidate: Record<string, unknown> = { content: { parts: mergeText(pieces.flatMap((p) => p.parts)), role: 'model' } };
    if (last) candidate.finishReason = plan.finishReason;
    candidate.index = index;
    if (request.logprobs >= 0) {
      const result = logprobsResult(pieces, request.logprobs, offset);
      candidate.logprobsResult = result;
      if (last && framing === 'none') candidate.avgLogprobs = averageOf(result.chosenCandidates);
    }
    return candidate;
  };
  const trailer = { modelVersion: model, responseId };

  if (framing === 'none') {
    const total = candidates.reduce((sum, plan) => sum + plan.pieces.reduce((n, p) => n + p.tokens, 0), 0);
    return jsonReply(200, { candidates: candidates.map((plan, i) => candidateJson(plan, i, plan.pieces, true, 0)), usageMetadata: usage(total), ...trailer });
  }
  // One record per step; each carries every candidate that still has a piece, and usage so far.
  const steps = Math.max(...candidates.map((plan) => plan.pieces.length));
  const records: string[] = [];
  let sent = 0;
  for (let k = 0; k < steps; k++) {
    const inRecord: Array<Record<string, unknown>> = [];
    candidates.forEach((plan, i) => {
      const piece = plan.pieces[k];
      if (piece === undefined) return;
      sent += piece.tokens;
      inRecord.push(candidateJson(plan, i, [piece], k === plan.pieces.length - 1, k));
    });
    records.push(JSON.stringify({ candidates: inRecord, usageMetadata: usage(sent), ...trailer }));
  }
  return streamOf(records, framing);
}

function callsFunction(request: SimRequest): boolean {
  if (request.declarations.length === 0 || request.mode === 'NONE') return false;
  return request.mode === 'ANY' || (request.lastIsUserText && /use the tool/i.test(request.prompt));
}

function planCandidate(model: string, request: SimRequest, index: number, ctx: ReplyContext, responseId: string): CandidatePlan {
  const seedPrompt = index === 0 ? request.prompt : `${request.prompt}#${index}`;
  if (callsFunction(request)) {
    const declaration = chosenFunction(request);
    const call = { name: declaration.name, args: sampleValue(declaration.schema ?? { type: 'object' }, declaration.schema, 0) };
    // Gemini signs the first function call of a turn; the signature must come back with the call.
    const part = { functionCall: call, thoughtSignature: Buffer.from(`${SIGNATURE_PREFIX}${responseId}:${index}`).toString('base64') };
    return { pieces: [{ parts: [part], tokens: Math.ceil(Buffer.byteLength(JSON.stringify(call), 'utf8') / 4), text: '' }], finishReason: 'STOP' };
  }
  const plan = planCompletion(request.maxOutputTokens, ctx.replyTokens);
  let texts: string[];
  let truncated = plan.truncated;
  if (request.json) {
    const value = request.schema === undefined
      ? { reply: replyPieces(model, seedPrompt, plan.tokens).join('') }
      : sampleValue(request.schema, request.schema, 0);
    // JSON text in four-character tokens; a token limit cuts it as it would cut a real model's.
    const json = JSON.stringify(value);
    texts = json.match(/[\s\S]{1,4}/g) ?? [];
    truncated = request.maxOutputTokens !== undefined && texts.length > request.maxOutputTokens;
    if (truncated) texts = texts.slice(0, request.maxOutputTokens);
  } else {
    texts = replyPieces(model, seedPrompt, plan.tokens);
  }
  return { pieces: texts.map((text) => ({ parts: [{ text }], tokens: 1, text })), finishReason: truncated ? 'MAX_TOKENS' : 'STOP' };
}

function chosenFunction(request: SimRequest): Declaration {
  const candidates = request.allowed.length > 0
    ? request.declarations.filter((d) => request.allowed.includes(d.name))
    : request.declarations;
  return candidates.find((d) => request.prompt.includes(d.name)) ?? (candidates[0] as Declaration);
}

/**
 * Returns a value that fits `schema` (JSON Schema, or Gemini's OpenAPI subset with upper-case
 * types): an object with its required properties (all of them when none is required), the
 * first enum value, the minimum of a number, "simulated" for a string. `root` holds the `$defs`
 * a `$ref` points into. The OpenAI sim fills tool call arguments with it too.
 */
export function sampleValue(schema: Record<string, unknown>, root: Record<string, unknown> | undefined, depth: number): unknown {
  if (depth > 8) return null;
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/$defs/') && isObject(root?.$defs)) {
    const target = root.$defs[ref.slice('#/$defs/'.length)];
    return isObject(target) ? sampleValue(target, root, depth + 1) : null;
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const alternatives = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (alternatives !== undefined && isObject(alternatives[0])) return sampleValue(alternatives[0], root, depth + 1);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = String(types.find((t) => String(t).toLowerCase() !== 'null') ?? types[0] ?? 'object').toLowerCase();
  switch (type) {
    case 'object': {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required : Object.keys(properties);
      const out: Record<string, unknown> = {};
      for (const name of required) {
        const property = properties[name as string];
        out[name as string] = isObject(property) ? sampleValue(property, root, depth + 1) : null;
      }
      return out;
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const items = isObject(schema.items) ? schema.items : { type: 'string' };
      return Array.from({ length: Math.min(min, 3) }, () => sampleValue(items, root, depth + 1));
    }
    case 'integer':
      return typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : 1;
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return 'simulated';
  }
}

// Adjacent text parts of one candidate read as one, the way Gemini returns a whole answer.
function mergeText(parts: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const part of parts) {
    const previous = out[out.length - 1];
    if (isObject(part) && typeof part.text === 'string' && isObject(previous) && typeof previous.text === 'string' && Object.keys(previous).length === 1) {
      out[out.length - 1] = { text: previous.text + part.text };
    } else {
      out.push(part);
    }
  }
  return out;
}

/** Returns a LogprobsResult for text pieces: each piece is a chosen token; its alternatives are sim words. */
function logprobsResult(pieces: Piece[], top: number, offset: number): { chosenCandidates: Array<{ token: string; logProbability: number }>; topCandidates: Array<{ candidates: Array<{ token: string; logProbability: number }> }> } {
  const chosenCandidates = pieces.filter((p) => p.text !== '').map((p, i) => ({ token: p.text, logProbability: simLogprob(offset + i, 0) }));
  const topCandidates = chosenCandidates.map((chosen, i) => ({
    candidates: Array.from({ length: top }, (_v, rank) => rank === 0
      ? chosen
      : { token: ` ${SIM_WORDS[(offset + i + rank) % SIM_WORDS.length] as string}`, logProbability: simLogprob(offset + i, rank) }),
  }));
  return { chosenCandidates, topCandidates };
}

// A fixed, decreasing log probability per rank: deterministic, and always a valid logprob (<= 0).
function simLogprob(step: number, rank: number): number {
  return -Math.round(((step % 7) * 0.05 + rank * 1.25) * 1000) / 1000;
}

function averageOf(chosen: ReadonlyArray<{ logProbability: number }>): number {
  return chosen.length === 0 ? 0 : chosen.reduce((sum, c) => sum + c.logProbability, 0) / chosen.length;
}

// The plain text answer, as templates with only the variable strings escaped: far cheaper than
// JSON.stringify per request, and every benchmark request takes this path.
function plainText(model: string, request: SimRequest, framing: GeminiStreamFraming, ctx: ReplyContext, responseId: string, promptTokens: number): Reply {
  const plan = planCompletion(request.maxOutputTokens, ctx.replyTokens);
  const pieces = replyPieces(model, request.prompt, plan.tokens);
  const finish = plan.truncated ? 'MAX_TOKENS' : 'STOP';
  const usage = (candidates: number): string =>
    `{"promptTokenCount":${promptTokens},"candidatesTokenCount":${candidates},"totalTokenCount":${promptTokens + candidates},"promptTokensDetails":[{"modality":"TEXT","tokenCount":${promptTokens}}]}`;
  const trailer = `"modelVersion":${JSON.stringify(model)},"responseId":"${responseId}"}`;
  const response = (text: string, finishReason: string | undefined, candidates: number): string =>
    `{"candidates":[{"content":{"parts":[{"text":${JSON.stringify(text)}}],"role":"model"},${finishReason === undefined ? '' : `"finishReason":"${finishReason}",`}"index":0}],"usageMetadata":${usage(candidates)},${trailer}`;

  if (framing === 'none') return jsonReply(200, response(pieces.join(''), finish, plan.tokens));
  // Each streamed record is a whole GenerateContentResponse; usageMetadata repeats on every one,
  // cumulative, and the last carries finishReason. No [DONE]: the stream just ends.
  return streamOf(pieces.map((p, i) => response(p, i === pieces.length - 1 ? finish : undefined, i + 1)), framing);
}

function streamOf(records: string[], framing: GeminiStreamFraming): Reply {
  if (framing === 'sse') {
    return { kind: 'stream', contentType: 'text/event-stream', head: '', content: records.map((r) => `data: ${r}\r\n\r\n`), tail: '' };
  }
  return { kind: 'stream', contentType: 'application/json; charset=UTF-8', head: '[', content: records.map((r, i) => (i === 0 ? r : `,\r\n${r}`)), tail: ']' };
}

// The text a content's parts count as for the prompt: text parts, and function calls and
// responses as their JSON.
function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  let text = '';
  for (const part of parts) {
    if (!isObject(part)) continue;
    const call = get(part, 'functionCall');
    const response = get(part, 'functionResponse');
    const piece = typeof part.text === 'string' ? part.text
      : call !== undefined ? JSON.stringify(call)
      : response !== undefined ? JSON.stringify(response)
      : undefined;
    if (piece !== undefined) text = text === '' ? piece : `${text}\n${piece}`;
  }
  return text;
}
