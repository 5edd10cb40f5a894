// The Anthropic Messages wire format, simulated: POST /v1/messages (JSON and its named SSE
// events) and the error body {"type":"error","error":{"type","message"},"request_id"}.
// Shapes follow https://docs.anthropic.com/en/api/messages, /messages-streaming and /errors.
//
// Requests are checked as the real API checks them, in its 400 wording where real responses
// show it: required fields, block types, empty text, image media types (against the image's
// first bytes), tool definitions, tool_choice, at most 4 cache breakpoints, and tool pairing
// (each tool_use answered by a tool_result at the start of the next user turn, each tool_result
// answering a tool_use of the turn before). The wording of the tool_choice checks is the sim's.
//
// What the simulated model answers:
// - Tool use. With tools and tool_choice not "none", the answer is tool_use (stop_reason
//   "tool_use") when tool_choice is "any" or "tool", or when the last user message contains
//   "use the tool" (the tool that message names, else the first); "use every tool" calls every
//   tool in one turn unless disable_parallel_tool_use is set. A forced call comes alone, as
//   Claude's does; an asked-for one follows a short labelled text block. The input is built from
//   the tool's input_schema: every property, strings "simulated", numbers 1, booleans true, the
//   first enum value. Any other request gets the `[simulated <model>] ...` text reply.
// - Caching. The prompt counts in Anthropic's cache order: tools, system, messages. When the
//   request carries cache_control (on blocks or top level), everything through the last
//   breakpoint is reported as cache_read_input_tokens (the sim's cache is always warm, at any
//   length) and the rest as input_tokens. When the last user message contains "sim:cold-cache"
//   the cache is cold instead: the same prefix is reported as cache_creation_input_tokens (a
//   cache write, billed above input) and cache_read_input_tokens is 0; without a breakpoint the
//   prefix is everything before the last message (a scripted write for clients, such as the
//   gateway's /v1/messages, that do not forward cache_control). An image counts a flat 1,600
//   tokens, about what Anthropic bills a 1092x1092 image.
// - Overload. When the last user message contains "sim:overloaded", a stream sends two text
//   deltas, then an `error` event (overloaded_error) and stops, as an overloaded API does after
//   the 200; the same request unstreamed gets the 529.
import type { IncomingHttpHeaders } from 'node:http';
import { countPromptTokens, planCompletion, replyPieces } from './reply.js';
import { isObject } from './request-body.js';
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

/**
 * Returns Anthropic's 401 unless the request carries `apiKey`, else undefined. The key goes in
 * `x-api-key` (what the API documents and the gateway sends) or as `Authorization: Bearer`
 * (what @anthropic-ai/sdk 1.x sends).
 */
export function anthropicAuth(headers: IncomingHttpHeaders, apiKey: string, requestId: string): JsonReply | undefined {
  const key = headers['x-api-key'];
  if (key !== undefined && key !== '') {
    return key === apiKey ? undefined : anthropicError(401, 'authentication_error', 'invalid x-api-key', requestId);
  }
  const auth = headers.authorization;
  if (auth !== undefined && auth !== '') {
    // The sim's wording: the key is never echoed back.
    return auth === `Bearer ${apiKey}` ? undefined : anthropicError(401, 'authentication_error', 'invalid bearer token', requestId);
  }
  return anthropicError(401, 'authentication_error', 'x-api-key header is required', requestId);
}

/** Returns Anthropic's 400 for a body that is not JSON. */
export function anthropicInvalidJson(requestId: string): JsonReply {
  return anthropicError(400, 'invalid_request_error', 'There was an error parsing the body of your request as JSON.', requestId);
}

/** Phrases in the last user message that steer the simulated model (see the header). */
const SIM_PHRASES = { useTool: 'use the tool', useEveryTool: 'use every tool', overloaded: 'sim:overloaded', coldCache: 'sim:cold-cache' } as const;

/** Returns the answer to POST /v1/messages: a 400 for invalid input, else JSON or SSE events. */
export function anthropicMessages(headers: IncomingHttpHeaders, body: unknown, ctx: ReplyContext): Reply {
  const rid = `req_sim${ctx.id}`;
  const invalid = (message: string): JsonReply => anthropicError(400, 'invalid_request_error', message, rid);
  // The real API refuses requests without a version header; a gateway adapter must send one.
  if (headers['anthropic-version'] === undefined) return invalid('anthropic-version: header is required');
  if (!isObject(body)) return invalid('Input should be a valid dictionary');
  const model = body.model;
  if (typeof model !== 'string' || model === '') return invalid('model: Field required');
  const maxTokens = body.max_tokens;
  if (maxTokens === undefined) return invalid('max_tokens: Field required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) return invalid('max_tokens: Input should be a valid integer');
  if (maxTokens < 1) return invalid('max_tokens: Input should be greater than or equal to 1');
  const messages = body.messages;
  if (messages === undefined) return invalid('messages: Field required');
  if (!Array.isArray(messages)) return invalid('messages: Input should be a valid list');
  if (messages.length === 0) return invalid('messages: at least one message is required');
  const tools = readTools(body.tools);
  if (typeof tools === 'string') return invalid(tools);
  const choice = readToolChoice(body.tool_choice, tools);
  if (typeof choice === 'string') return invalid(choice);
  const prompt = readPrompt(body, messages, tools.length > 0);
  if (typeof prompt === 'string') return invalid(prompt);

  const stream = body.stream === true;
  const overloaded = prompt.lastUser.includes(SIM_PHRASES.overloaded);
  if (overloaded && !stream) return anthropicFault(529, rid);
  const calls = overloaded ? [] : toolsToCall(tools, choice, prompt.lastUser);
  // A cold cache writes the prefix a warm one would have read.
  const cold = prompt.lastUser.includes(SIM_PHRASES.coldCache);
  const written = !cold ? 0 : prompt.cacheRead > 0 ? prompt.cacheRead : prompt.inputTokens - prompt.lastUnit;
  const read = cold ? 0 : prompt.cacheRead;
  const usage = `"usage":{"input_tokens":${prompt.inputTokens + prompt.cacheRead - read - written},"cache_creation_input_tokens":${written},"cache_read_input_tokens":${read},"output_tokens":`;
  const id = `msg_sim${ctx.id}`;
  if (calls.length > 0) return toolAnswer(id, model, prompt.seed, calls, choice.type !== 'auto', usage, stream, ctx);

  const plan = planCompletion(maxTokens, ctx.replyTokens);
  const pieces = replyPieces(model, prompt.seed, plan.tokens);
  const stopReason = plan.truncated ? 'max_tokens' : 'end_turn';
  // Templates with only the variable strings escaped: far cheaper than JSON.stringify per request.
  const modelJson = JSON.stringify(model);
  if (!stream) {
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
  if (overloaded) {
    const error = event('error', '{"type":"error","error":{"type":"overloaded_error","message":"[simulated] Overloaded"}}');
    return { kind: 'stream', contentType: 'text/event-stream; charset=utf-8', head, content: content.slice(0, 2), tail: error };
  }
  const tail = event('content_block_stop', '{"type":"content_block_stop","index":0}')
    + event('message_delta', `{"type":"message_delta","delta":{"stop_reason":"${stopReason}","stop_sequence":null},"usage":{"output_tokens":${plan.tokens}}}`)
    + event('message_stop', '{"type":"message_stop"}');
  return { kind: 'stream', contentType: 'text/event-stream; charset=utf-8', head, content, tail };
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}

// ---- Tools --------------------------------------------------------------------------------

interface SimTool {
  name: string;
  schema: Record<string, unknown>;
}

interface SimToolChoice {
  type: 'auto' | 'any' | 'tool' | 'none';
  name: string | undefined;
  parallel: boolean;
}

const NO_TOOLS: readonly SimTool[] = Object.freeze([]);
const AUTO: SimToolChoice = Object.freeze({ type: 'auto', name: undefined, parallel: true });
// The pattern Anthropic's 400 quotes for custom tool names.
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

function readTools(raw: unknown): readonly SimTool[] | string {
  if (raw === undefined || raw === null) return NO_TOOLS;
  if (!Array.isArray(raw)) return 'tools: Input should be a valid list';
  const tools: SimTool[] = [];
  const names = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const tool: unknown = raw[i];
    if (!isObject(tool)) return `tools.${i}: Input should be a valid dictionary`;
    // Server tools (web search, code execution, ...) run on Anthropic's side; the sim has none.
    if (tool.type != null && tool.type !== 'custom') return `[simulated] tools.${i}: ${String(tool.type)} tools are not simulated`;
    if (typeof tool.name !== 'string') return `tools.${i}.custom.name: Field required`;
    if (!TOOL_NAME.test(tool.name)) return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
    if (!isObject(tool.input_schema)) return `tools.${i}.custom.input_schema: Field required`;
    if (tool.input_schema.type !== 'object') return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
    const cache = breakpointOf(tool.cache_control, `tools.${i}.custom`);
    if (typeof cache === 'string') return cache;
    if (names.has(tool.name)) return 'tools: Tool names must be unique.';
    names.add(tool.name);
    tools.push({ name: tool.name, schema: tool.input_schema });
  }
  return tools;
}

function readToolChoice(raw: unknown, tools: readonly SimTool[]): SimToolChoice | string {
  if (raw === undefined || raw === null) return AUTO;
  if (!isObject(raw)) return 'tool_choice: Input should be a valid dictionary';
  const type = raw.type;
  if (type !== 'auto' && type !== 'any' && type !== 'tool' && type !== 'none') {
    return `tool_choice: Input tag '${String(type)}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'`;
  }
  if (type === 'tool' && typeof raw.name !== 'string') return 'tool_choice.tool.name: Field required';
  if ((type === 'any' || type === 'tool') && tools.length === 0) return `tool_choice: type "${type}" requires tools`;
  if (type === 'tool' && !tools.some((t) => t.name === raw.name)) return `tool_choice.tool.name: no tool named "${String(raw.name)}" in tools`;
  return { type, name: type === 'tool' ? raw.name as string : undefined, parallel: raw.disable_parallel_tool_use !== true };
}

function toolsToCall(tools: readonly SimTool[], choice: SimToolChoice, lastUser: string): readonly SimTool[] {
  if (tools.length === 0 || choice.type === 'none') return NO_TOOLS;
  if (choice.type === 'tool') return tools.filter((t) => t.name === choice.name);
  const text = lastUser.toLowerCase();
  const every = text.includes(SIM_PHRASES.useEveryTool);
  if (every && choice.parallel) return tools;
  if (choice.type !== 'any' && !every && !text.includes(SIM_PHRASES.useTool)) return NO_TOOLS;
  return [tools.find((t) => text.includes(t.name.toLowerCase())) ?? tools[0] as SimTool];
}

/** Returns an input that fits `schema`: every property, the first enum value, "simulated" for strings. */
function sampleInput(schema: unknown, depth = 0): unknown {
  if (!isObject(schema)) return 'simulated';
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) return sampleInput(variants[0], depth);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      // Deep enough for any realistic tool; a recursive schema must still end.
      if (depth < 6 && isObject(schema.properties)) {
        for (const [key, sub] of Object.entries(schema.properties)) out[key] = sampleInput(sub, depth + 1);
      }
      return out;
    }
    case 'array': return depth < 6 && isObject(schema.items) ? [sampleInput(schema.items, depth + 1)] : [];
    case 'integer': case 'number': return 1;
    case 'boolean': return true;
    case 'null': return null;
    default: return 'simulated';
  }
}

// Tool input streams as JSON fragments of this many characters; one fragment counts one token.
const INPUT_FRAGMENT_CHARS = 4;

// Text before an asked-for call, in tokens (words).
const PREAMBLE_TOKENS = 3;

/** Returns a tool_use answer, as JSON or as the stream of events Anthropic sends for one. */
function toolAnswer(id: string, model: string, seed: string, calls: readonly SimTool[], forced: boolean, usage: string,
  stream: boolean, ctx: ReplyContext): Reply {
  // A forced call comes without text, as Claude's does: the API starts the turn at the tool.
  const preamble = forced ? [] : replyPieces(model, seed, PREAMBLE_TOKENS);
  const uses = calls.map((tool, k) => {
    const input = sampleInput(tool.schema);
    const fragments = Array.from(JSON.stringify(input)).reduce<string[]>((out, ch, n) => {
      if (n % INPUT_FRAGMENT_CHARS === 0) out.push(ch);
      else out[out.length - 1] += ch;
      return out;
    }, []);
    return { block: { type: 'tool_use', id: `toolu_sim${ctx.id}_${k}`, name: tool.name, input, caller: { type: 'direct' } }, fragments };
  });
  const outputTokens = preamble.length + uses.reduce((n, use) => n + use.fragments.length, 0);
  const message = { id, type: 'message', role: 'assistant', model, content: [] as unknown[], stop_reason: null as string | null, stop_sequence: null };
  if (!stream) {
    if (preamble.length > 0) message.content.push({ type: 'text', text: preamble.join('') });
    for (const use of uses) message.content.push(use.block);
    message.stop_reason = 'tool_use';
    return { kind: 'json', status: 200, body: `${JSON.stringify(message).slice(0, -1)},${usage}${outputTokens}}}` };
  }
  // Block starts and stops ride in the first content frame of the block they open, so a stream
  // cut after N frames stops inside a block, as a dropped connection would.
  const blocks = [
    ...(preamble.length > 0 ? [{ start: { type: 'text', text: '' }, frames: preamble.map((p) => ({ type: 'text_delta', text: p })) }] : []),
    ...uses.map((use) => ({ start: { ...use.block, input: {} }, frames: [{ type: 'input_json_delta', partial_json: '' }, ...use.fragments.map((f) => ({ type: 'input_json_delta', partial_json: f }))] })),
  ];
  const start = (index: number): string => event('content_block_start', JSON.stringify({ type: 'content_block_start', index, content_block: blocks[index]?.start }));
  const stop = (index: number): string => event('content_block_stop', `{"type":"content_block_stop","index":${index}}`);
  const head = event('message_start', `${JSON.stringify({ type: 'message_start', message }).slice(0, -2)},${usage}1}}}`)
    + start(0) + event('ping', '{"type": "ping"}');
  const content: string[] = [];
  blocks.forEach((block, index) => {
    block.frames.forEach((delta, n) => {
      const frame = event('content_block_delta', JSON.stringify({ type: 'content_block_delta', index, delta }));
      content.push(n === 0 && index > 0 ? stop(index - 1) + start(index) + frame : frame);
    });
  });
  const tail = stop(blocks.length - 1)
    + event('message_delta', `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":${outputTokens}}}`)
    + event('message_stop', '{"type":"message_stop"}');
  return { kind: 'stream', contentType: 'text/event-stream; charset=utf-8', head, content, tail };
}

// ---- The prompt: validation, token counts, cache -------------------------------------------

interface Prompt {
  inputTokens: number;
  cacheRead: number;
  /** Tokens of the last message alone. */
  lastUnit: number;
  /** Text blocks of the last user message: what the phrases are looked for in. */
  lastUser: string;
  /** The last user message's text and tool results: the reply seed. */
  seed: string;
}

/** The most cache breakpoints a request may set (Anthropic's 400 says so). */
const MAX_BREAKPOINTS = 4;
const IMAGE_TOKENS = 1600;
const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const BLOCK_TAGS = "'text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'";
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;
const EMPTY_TEXT = 'messages: text content blocks must be non-empty';

/** What one message adds to the prompt. */
interface MessageRead {
  text: string;
  images: number;
  breakpoints: number;
  /** tool_use ids (assistant) the next message must answer. */
  toolUses: string[];
}

function readPrompt(body: Record<string, unknown>, messages: unknown[], hasTools: boolean): Prompt | string {
  const units: number[] = [];
  let breakpoints = 0;
  let cachedUnits = 0;
  const addUnit = (text: string, images: number, marks: number): void => {
    units.push(countPromptTokens([text]) + images * IMAGE_TOKENS);
    breakpoints += marks;
    if (marks > 0) cachedUnits = units.length;
  };
  if (hasTools) {
    const tools = body.tools as Array<Record<string, unknown>>;
    addUnit(JSON.stringify(tools), 0, tools.filter((t) => t.cache_control != null).length);
  }
  const system = readSystem(body.system);
  if (typeof system === 'string') return system;
  if (system.text !== '') addUnit(system.text, 0, system.breakpoints);
  let expected: string[] = [];
  let lastUser = '';
  let seed = '';
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isObject(m)) return `messages.${i}: Input should be a valid dictionary`;
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system') return `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`;
    const read = readMessage(m, i, expected, i === messages.length - 1);
    if (typeof read === 'string') return read;
    if (expected.length > 0) return missingResults(i - 1, expected);
    expected = read.toolUses;
    addUnit(read.text, read.images, read.breakpoints);
    if (m.role === 'user') {
      lastUser = textOf(m.content);
      seed = read.text;
    }
  }
  if (expected.length > 0) return missingResults(messages.length - 1, expected);
  const top = breakpointOf(body.cache_control, '');
  if (typeof top === 'string') return top;
  // Top-level cache_control marks the last cacheable block: the whole prompt.
  if (top) {
    breakpoints++;
    cachedUnits = units.length;
  }
  if (breakpoints > MAX_BREAKPOINTS) return `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`;
  let total = 0;
  let cacheRead = 0;
  units.forEach((tokens, n) => {
    total += tokens;
    if (n < cachedUnits) cacheRead += tokens;
  });
  return { inputTokens: total - cacheRead, cacheRead, lastUnit: units[units.length - 1] ?? 0, lastUser, seed };
}

function missingResults(index: number, ids: readonly string[]): string {
  return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${ids.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
}

function readSystem(system: unknown): { text: string; breakpoints: number } | string {
  if (system === undefined || system === null) return { text: '', breakpoints: 0 };
  if (typeof system === 'string') return { text: system, breakpoints: 0 };
  if (!Array.isArray(system)) return 'system: Input should be a valid string or a valid list';
  let text = '';
  let breakpoints = 0;
  for (let j = 0; j < system.length; j++) {
    const block: unknown = system[j];
    if (!isObject(block) || block.type !== 'text') return `system.${j}.type: Input should be 'text'`;
    if (typeof block.text !== 'string') return `system.${j}.text: Field required`;
    if (block.text === '') return 'system: text content blocks must be non-empty';
    const cache = breakpointOf(block.cache_control, `system.${j}`);
    if (typeof cache === 'string') return cache;
    if (cache) breakpoints++;
    text = text === '' ? block.text : `${text}\n${block.text}`;
  }
  return { text, breakpoints };
}

/**
 * Checks one message and returns what it adds to the prompt. `expected` holds the tool_use ids of
 * the message before, which this one must answer with tool_result blocks before anything else;
 * answered ids are removed from it.
 */
function readMessage(m: Record<string, unknown>, i: number, expected: string[], last: boolean): MessageRead | string {
  const content = m.content;
  const read: MessageRead = { text: '', images: 0, breakpoints: 0, toolUses: [] };
  const emptyMessage = `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
  if (content === undefined) return `messages.${i}.content: Field required`;
  if (typeof content === 'string') {
    if (content === '' && !(last && m.role === 'assistant')) return emptyMessage;
    read.text = content;
    return read;
  }
  if (!Array.isArray(content)) return `messages.${i}.content: Input should be a valid string or a valid list`;
  if (content.length === 0 && !(last && m.role === 'assistant')) return emptyMessage;
  const texts: string[] = [];
  let leadingResults = true;
  for (let j = 0; j < content.length; j++) {
    const block: unknown = content[j];
    const where = `messages.${i}.content.${j}`;
    if (!isObject(block)) return `${where}: Input should be a valid dictionary`;
    const isResult = block.type === 'tool_result';
    if (m.role === 'system' && block.type !== 'text') return `${where}.type: Input should be 'text'`;
    const cache = breakpointOf(block.cache_control, `${where}.${String(block.type)}`);
    if (typeof cache === 'string') return cache;
    if (cache) read.breakpoints++;
    switch (block.type) {
      case 'text':
        if (typeof block.text !== 'string') return `${where}.text.text: Field required`;
        if (block.text === '') return EMPTY_TEXT;
        texts.push(block.text);
        break;
      case 'image': {
        const problem = imageProblem(block.source, `${where}.image`);
        if (problem !== undefined) return problem;
        read.images++;
        break;
      }
      case 'document':
        if (!isObject(block.source)) return `${where}.document.source: Field required`;
        break;
      case 'thinking':
        if (typeof block.thinking !== 'string') return `${where}.thinking.thinking: Field required`;
        if (typeof block.signature !== 'string') return `${where}.thinking.signature: Field required`;
        break;
      case 'redacted_thinking':
        if (typeof block.data !== 'string') return `${where}.redacted_thinking.data: Field required`;
        break;
      case 'tool_use':
        if (typeof block.id !== 'string') return `${where}.tool_use.id: Field required`;
        if (!TOOL_USE_ID.test(block.id)) return `${where}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
        if (typeof block.name !== 'string') return `${where}.tool_use.name: Field required`;
        if (!isObject(block.input)) return `${where}.tool_use.input: Input should be a valid dictionary`;
        if (m.role === 'assistant') read.toolUses.push(block.id);
        texts.push(JSON.stringify(block.input));
        break;
      case 'tool_result': {
        const id = block.tool_use_id;
        if (typeof id !== 'string') return `${where}.tool_result.tool_use_id: Field required`;
        const at = m.role === 'user' ? expected.indexOf(id) : -1;
        if (at < 0) {
          return `${where}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
        // A result after other content does not count: results must open the turn.
        if (leadingResults) expected.splice(at, 1);
        const result = toolResultRead(block.content, `${where}.tool_result.content`);
        if (typeof result === 'string') return result;
        texts.push(result.text);
        read.images += result.images;
        break;
      }
      default:
        return `${where}: Input tag '${String(block.type)}' found using 'type' does not match any of the expected tags: ${BLOCK_TAGS}`;
    }
    leadingResults &&= isResult;
  }
  read.text = texts.join('\n');
  return read;
}

function toolResultRead(content: unknown, where: string): { text: string; images: number } | string {
  if (content === undefined || content === null) return { text: '', images: 0 };
  if (typeof content === 'string') return { text: content, images: 0 };
  if (!Array.isArray(content)) return `${where}: Input should be a valid string or a valid list`;
  const texts: string[] = [];
  let images = 0;
  for (let k = 0; k < content.length; k++) {
    const block: unknown = content[k];
    if (isObject(block) && block.type === 'text') {
      if (typeof block.text !== 'string') return `${where}.${k}.text.text: Field required`;
      if (block.text === '') return EMPTY_TEXT;
      texts.push(block.text);
    } else if (isObject(block) && block.type === 'image') {
      const problem = imageProblem(block.source, `${where}.${k}.image`);
      if (problem !== undefined) return problem;
      images++;
    } else {
      return `${where}.${k}: Input tag '${String(isObject(block) ? block.type : block)}' found using 'type' does not match any of the expected tags: 'text', 'image'`;
    }
  }
  return { text: texts.join('\n'), images };
}

// Text blocks of a message, newline-joined: what a user asked in that turn.
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const block of content as unknown[]) {
    if (isObject(block) && block.type === 'text') text = text === '' ? block.text as string : `${text}\n${String(block.text)}`;
  }
  return text;
}

/** Returns true for a valid breakpoint, false for none, or the 400 message for a bad one. */
function breakpointOf(cacheControl: unknown, where: string): boolean | string {
  if (cacheControl === undefined || cacheControl === null) return false;
  const at = where === '' ? 'cache_control' : `${where}.cache_control`;
  if (!isObject(cacheControl) || cacheControl.type !== 'ephemeral') return `${at}.type: Input should be 'ephemeral'`;
  if (cacheControl.ttl !== undefined && cacheControl.ttl !== '5m' && cacheControl.ttl !== '1h') return `${at}.ttl: Input should be '5m' or '1h'`;
  return true;
}

/** Returns the 400 message for an image source Anthropic would refuse, else undefined. */
function imageProblem(source: unknown, where: string): string | undefined {
  if (!isObject(source)) return `${where}.source: Field required`;
  switch (source.type) {
    case 'base64': {
      const mediaType = source.media_type;
      if (typeof mediaType !== 'string' || !IMAGE_MEDIA_TYPES.includes(mediaType)) {
        return `${where}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
      }
      if (typeof source.data !== 'string' || source.data === '') return `${where}.source.base64.data: Field required`;
      const actual = sniffImageType(source.data);
      if (actual === undefined) return `${where}.source.base64: Could not process image`;
      if (actual !== mediaType) return `${where}.source.base64: The image was specified using the ${mediaType} media type, but the image appears to be a ${actual} image`;
      return undefined;
    }
    case 'url':
      return typeof source.url === 'string' ? undefined : `${where}.source.url.url: Field required`;
    case 'file':
      return typeof source.file_id === 'string' ? undefined : `${where}.source.file.file_id: Field required`;
    default:
      return `${where}.source: Input tag '${String(source.type)}' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'`;
  }
}

// The media type an image's first bytes (its file signature) say it is.
function sniffImageType(base64: string): string | undefined {
  const head = Buffer.from(base64.slice(0, 24), 'base64');
  if (head[0] === 0x89 && head.toString('latin1', 1, 4) === 'PNG') return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.toString('latin1', 0, 4) === 'GIF8') return 'image/gif';
  if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}
