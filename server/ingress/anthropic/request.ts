/**
 * Anthropic Messages API request (https://docs.anthropic.com/en/api/messages) -> the canonical
 * (OpenAI chat) request the pipeline serves. Pure. Invalid input is a 400 naming the field in
 * Anthropic's spelling; a field or block the canonical request cannot carry is refused, never
 * dropped, with one exception: `cache_control`, a prompt-caching hint that does not change the
 * answer.
 */
import type { ChatMessage, ChatRequest, ToolCall } from '../../adapters/types.js';
import { GatewayError } from '../../errors.js';

type Json = Record<string, unknown>;

const HANDLED_FIELDS: ReadonlySet<string> = new Set([
  'model', 'messages', 'system', 'max_tokens', 'stop_sequences', 'temperature', 'top_p', 'metadata', 'stream', 'tools', 'tool_choice',
]);

/** Fields whose value asks for nothing beyond the default, so leaving them out loses nothing. */
const NO_OP_VALUES: Readonly<Record<string, (value: unknown) => boolean>> = {
  thinking: (value) => isObject(value) && value.type === 'disabled',
  // This gateway has no priority tier to ask for.
  service_tier: (value) => value === 'auto' || value === 'standard_only',
};

/** Prefix of a tool result the client marked `is_error`: the canonical tool message has no flag for it. */
export const TOOL_ERROR_PREFIX = 'Error: ';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('SY_REQUEST_INVALID', message, { param });
}

function unsupported(param: string, what: string): GatewayError {
  return new GatewayError('SY_REQUEST_UNSUPPORTED', `${what} is not supported by this gateway's /v1/messages`, { param });
}

function objectAt(value: unknown, param: string): Json {
  if (!isObject(value)) throw invalid(`${param}: Input should be a valid dictionary`, param);
  return value;
}

function stringAt(value: unknown, param: string): string {
  if (typeof value !== 'string') throw invalid(`${param}: Input should be a valid string`, param);
  return value;
}

function arrayAt(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${param}: Input should be a valid list`, param);
  return value;
}

function numberAt(value: unknown, param: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${param}: Input should be a valid number`, param);
  return value;
}

/** The body as a canonical chat request, or a 400 naming the offending field. */
export function toChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw invalid('the request body must be a JSON object', 'body');
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (HANDLED_FIELDS.has(key) || value === undefined || value === null) continue;
    if (NO_OP_VALUES[key]?.(value) === true) continue;
    throw unsupported(key, key);
  }
  if (typeof body.model !== 'string' || body.model === '') throw invalid('model: Field required', 'model');
  const maxTokens = body.max_tokens;
  if (maxTokens === undefined || maxTokens === null) throw invalid('max_tokens: Field required', 'max_tokens');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw invalid(`max_tokens: Input should be an integer greater than or equal to 1, got ${JSON.stringify(maxTokens)}`, 'max_tokens');
  }
  const messages = arrayAt(body.messages, 'messages');
  if (messages.length === 0) throw invalid('messages: at least one message is required', 'messages');

  const canonical: ChatMessage[] = [];
  const system = systemMessage(body.system);
  if (system !== null) canonical.push(system);
  messages.forEach((m, i) => canonical.push(...mapMessage(m, i)));

  // max_completion_tokens: the one limit field every OpenAI model takes, reasoning models included.
  const out: ChatRequest = { model: body.model, messages: canonical, max_completion_tokens: maxTokens };
  if (body.stream !== undefined && body.stream !== null) {
    if (typeof body.stream !== 'boolean') throw invalid('stream: Input should be a valid boolean', 'stream');
    if (body.stream) out.stream = true;
  }
  if (body.temperature != null) out.temperature = numberAt(body.temperature, 'temperature');
  if (body.top_p != null) out.top_p = numberAt(body.top_p, 'top_p');
  if (body.stop_sequences != null) {
    const stops = arrayAt(body.stop_sequences, 'stop_sequences').map((s, i) => stringAt(s, `stop_sequences[${i}]`));
    if (stops.length > 0) out.stop = stops;
  }
  if (body.metadata != null) Object.assign(out, metadataOf(body.metadata));
  if (body.tools != null) {
    const tools = arrayAt(body.tools, 'tools').map(toolOf);
    if (tools.length > 0) out.tools = tools;
  }
  if (body.tool_choice != null) Object.assign(out, toolChoiceOf(body.tool_choice));
  return out;
}

/**
 * `metadata.user_id` is the canonical `user`. Other keys (the real API has none) are kept as the
 * gateway's routing metadata, as on /v1/chat/completions: routes may match them, nobody receives them.
 */
function metadataOf(value: unknown): { user?: string; metadata?: Record<string, string> } {
  const metadata = objectAt(value, 'metadata');
  const out: { user?: string; metadata?: Record<string, string> } = {};
  const routing: Record<string, string> = {};
  for (const [key, v] of Object.entries(metadata)) {
    if (v === null || v === undefined) continue;
    if (key === 'user_id') out.user = stringAt(v, 'metadata.user_id');
    else routing[key] = stringAt(v, `metadata.${key}`);
  }
  if (Object.keys(routing).length > 0) out.metadata = routing;
  return out;
}

function systemMessage(value: unknown): ChatMessage | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value === '' ? null : { role: 'system', content: value };
  const parts = arrayAt(value, 'system').map((block, i) => {
    const b = objectAt(block, `system[${i}]`);
    if (b.type !== 'text') throw invalid(`system[${i}].type: the system prompt takes text blocks only`, `system[${i}].type`);
    return { type: 'text', text: stringAt(b.text, `system[${i}].text`) };
  });
  return parts.length === 0 ? null : { role: 'system', content: parts };
}

/** One Anthropic message as canonical messages: a user turn's tool results become tool messages first. */
function mapMessage(value: unknown, i: number): ChatMessage[] {
  const at = `messages[${i}]`;
  const message = objectAt(value, at);
  const role = message.role;
  if (role !== 'user' && role !== 'assistant') throw invalid(`${at}.role: Input should be 'user' or 'assistant'`, `${at}.role`);
  const content = message.content;
  if (typeof content === 'string') return [{ role, content }];
  const blocks = arrayAt(content, `${at}.content`).map((block, j) => objectAt(block, `${at}.content[${j}]`));
  return role === 'user' ? userMessages(blocks, at) : [assistantMessage(blocks, at)];
}

/**
 * A user turn: tool results (which Anthropic puts first) as `tool` messages in their order, then
 * the text and images as one user message, which keeps OpenAI's rule that tool messages directly
 * follow the assistant turn that called them.
 */
function userMessages(blocks: Json[], at: string): ChatMessage[] {
  const tools: ChatMessage[] = [];
  const parts: Array<Record<string, unknown>> = [];
  blocks.forEach((block, j) => {
    const where = `${at}.content[${j}]`;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: stringAt(block.text, `${where}.text`) });
        break;
      case 'image':
        parts.push(imagePart(block.source, `${where}.source`));
        break;
      case 'tool_result':
        tools.push(toolMessage(block, where));
        break;
      default:
        throw unsupported(where, `a ${String(block.type)} block in a user message`);
    }
  });
  if (parts.length > 0 || tools.length === 0) tools.push({ role: 'user', content: parts });
  return tools;
}

/** An assistant turn: its text, and its tool_use blocks as tool_calls. */
function assistantMessage(blocks: Json[], at: string): ChatMessage {
  const texts: Array<{ type: 'text'; text: string }> = [];
  const calls: ToolCall[] = [];
  blocks.forEach((block, j) => {
    const where = `${at}.content[${j}]`;
    if (block.type === 'text') {
      texts.push({ type: 'text', text: stringAt(block.text, `${where}.text`) });
    } else if (block.type === 'tool_use') {
      const input = block.input ?? {};
      objectAt(input, `${where}.input`);
      calls.push({ id: stringAt(block.id, `${where}.id`), type: 'function', function: { name: stringAt(block.name, `${where}.name`), arguments: JSON.stringify(input) } });
    } else {
      throw unsupported(where, `a ${String(block.type)} block in an assistant message`);
    }
  });
  const message: ChatMessage = { role: 'assistant', content: texts.length === 0 ? null : texts.length === 1 ? texts[0]!.text : texts };
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

/** A tool_result block as a `tool` message; the is_error flag becomes a prefix of the text. */
function toolMessage(block: Json, where: string): ChatMessage {
  const id = stringAt(block.tool_use_id, `${where}.tool_use_id`);
  const isError = block.is_error === true;
  const content = block.content;
  if (content === undefined || content === null || typeof content === 'string') {
    const text = content ?? '';
    return { role: 'tool', tool_call_id: id, content: isError ? TOOL_ERROR_PREFIX + text : text };
  }
  const parts = arrayAt(content, `${where}.content`).map((part, k) => {
    const p = objectAt(part, `${where}.content[${k}]`);
    // OpenAI tool messages carry text only.
    if (p.type !== 'text') throw unsupported(`${where}.content[${k}]`, `a ${String(p.type)} block in a tool result`);
    return { type: 'text', text: stringAt(p.text, `${where}.content[${k}].text`) };
  });
  if (isError) parts.unshift({ type: 'text', text: TOOL_ERROR_PREFIX.trimEnd() });
  return { role: 'tool', tool_call_id: id, content: parts };
}

/** An image block's source as an OpenAI image part: base64 as a data URL, a URL as itself. */
function imagePart(value: unknown, at: string): Record<string, unknown> {
  const source = objectAt(value, at);
  if (source.type === 'base64') {
    const mediaType = stringAt(source.media_type, `${at}.media_type`);
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${stringAt(source.data, `${at}.data`)}` } };
  }
  if (source.type === 'url') return { type: 'image_url', image_url: { url: stringAt(source.url, `${at}.url`) } };
  throw unsupported(`${at}.type`, `an image source of type ${String(source.type)}`);
}

/** A client tool as an OpenAI function tool; Anthropic's server tools have no canonical form. */
function toolOf(value: unknown, i: number): Record<string, unknown> {
  const at = `tools[${i}]`;
  const tool = objectAt(value, at);
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') throw unsupported(at, `the server tool ${String(tool.type)}`);
  const fn: Record<string, unknown> = { name: stringAt(tool.name, `${at}.name`) };
  if (tool.description != null) fn.description = stringAt(tool.description, `${at}.description`);
  fn.parameters = objectAt(tool.input_schema, `${at}.input_schema`);
  return { type: 'function', function: fn };
}

/** tool_choice auto | any | tool | none, and disable_parallel_tool_use. */
function toolChoiceOf(value: unknown): { tool_choice?: unknown; parallel_tool_calls?: false } {
  const choice = objectAt(value, 'tool_choice');
  const out: { tool_choice?: unknown; parallel_tool_calls?: false } = {};
  switch (choice.type) {
    case 'auto': out.tool_choice = 'auto'; break;
    case 'any': out.tool_choice = 'required'; break;
    case 'none': out.tool_choice = 'none'; break;
    case 'tool': out.tool_choice = { type: 'function', function: { name: stringAt(choice.name, 'tool_choice.name') } }; break;
    default: throw invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", 'tool_choice.type');
  }
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  return out;
}
