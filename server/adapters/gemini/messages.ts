/**
 * Canonical messages -> Gemini `systemInstruction` and `contents`
 * (https://ai.google.dev/api/generate-content#request-body, https://ai.google.dev/api/caching#Content).
 *
 * - system and developer messages are hoisted into `systemInstruction`, joined by a blank line;
 * - user messages become role `user` with text, `inlineData` and `fileData` parts (media.ts);
 * - assistant messages become role `model`: text parts, then one `functionCall` part per tool
 *   call (`args` is the parsed `arguments` object);
 * - tool messages become `functionResponse` parts of a `user` turn, named after the tool call
 *   they answer (found by `tool_call_id` among the assistant messages before them). A result
 *   that is a JSON object is the `response` itself; any other text is `{"output": text}`, the
 *   key Gemini documents for a function's output;
 * - consecutive turns of one role share one content, as Gemini wants strictly alternating turns.
 *
 * Call ids travel both ways (`functionCall.id`, `functionResponse.id`), so responses pair with
 * their calls even when one function is called twice. Gemini 3 wants the thought signature it
 * put on a model turn's first function call sent back with it: the response mapping hands it
 * to the client as `tool_calls[].extra_content.google.thought_signature` (the spelling of
 * Gemini's own OpenAI-compatible endpoint) and this mapping returns it. A turn whose calls carry
 * no signature at all (written by another model, e.g. after a failover, or by a client that
 * dropped the field) gets Gemini's documented placeholder on its first call
 * (https://ai.google.dev/gemini-api/docs/thought-signatures), which Gemini accepts in place of a
 * signature.
 */
import type { ChatMessage } from '../types.js';
import { assertExpressible, UnsupportedFeatureError } from '../unsupported.js';
import { mediaPartOf } from './media.js';

const PROVIDER = 'gemini';

/** The placeholder Gemini accepts for a function call it did not sign. */
export const UNSIGNED_CALL_SIGNATURE = 'skip_thought_signature_validator';

/** One Gemini part as this mapping builds it. */
export type GeminiPart = Record<string, unknown>;

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface MappedMessages {
  systemInstruction: { parts: Array<{ text: string }> } | null;
  contents: GeminiContent[];
}

const HANDLED: Readonly<Record<ChatMessage['role'], ReadonlySet<string>>> = {
  system: new Set(['role', 'content']),
  developer: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};

const HANDLED_TOOL_CALL_FIELDS: ReadonlySet<string> = new Set(['id', 'type', 'function', 'extra_content']);

/** Maps canonical messages; throws `UnsupportedFeatureError` naming the first message field Gemini cannot take. */
export function mapMessages(messages: readonly ChatMessage[]): MappedMessages {
  const systemTexts: string[] = [];
  const contents: GeminiContent[] = [];
  // Tool call id -> function name, from the assistant messages seen so far.
  const callNames = new Map<string, string>();
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as ChatMessage;
    const handled = Object.hasOwn(HANDLED, message.role) ? HANDLED[message.role] : undefined;
    if (handled === undefined) {
      throw new UnsupportedFeatureError(PROVIDER, `messages[${i}].role`, `${String(message.role)} messages`);
    }
    assertExpressible(PROVIDER, message, handled, `messages[${i}].`);
    switch (message.role) {
      case 'system':
      case 'developer':
        systemTexts.push(...textsOf(message, i));
        break;
      case 'user':
        append(contents, 'user', userParts(message.content, i));
        break;
      case 'assistant':
        append(contents, 'model', [...textsOf(message, i).map((text) => ({ text })), ...callParts(message.tool_calls, i, callNames)]);
        break;
      case 'tool':
        append(contents, 'user', [responsePart(message, i, callNames)]);
        break;
    }
  }
  return {
    systemInstruction: systemTexts.length === 0 ? null : { parts: [{ text: systemTexts.join('\n\n') }] },
    contents,
  };
}

function append(contents: GeminiContent[], role: GeminiContent['role'], parts: GeminiPart[]): void {
  const previous = contents[contents.length - 1];
  if (previous !== undefined && previous.role === role) previous.parts.push(...parts);
  else contents.push({ role, parts });
}

/** The texts of a content that may hold only text: a string, or text parts. */
function textsOf(message: ChatMessage, i: number): string[] {
  const content = message.content;
  if (typeof content === 'string') return [content];
  if (content == null) return [];
  return content.map((part, j) => {
    if (part.type !== 'text' || typeof part.text !== 'string') {
      throw new UnsupportedFeatureError(PROVIDER, `messages[${i}].content[${j}]`, `${String(part.type)} parts in ${message.role} messages`);
    }
    return part.text;
  });
}

function userParts(content: ChatMessage['content'] | undefined, i: number): GeminiPart[] {
  if (typeof content === 'string') return [{ text: content }];
  if (content == null) return [];
  return content.map((part, j) => {
    if (part.type === 'text' && typeof part.text === 'string') return { text: part.text };
    return mediaPartOf(part, `messages[${i}].content[${j}]`);
  });
}

function callParts(toolCalls: unknown, i: number, callNames: Map<string, string>): GeminiPart[] {
  if (toolCalls == null) return [];
  if (!Array.isArray(toolCalls)) throw new UnsupportedFeatureError(PROVIDER, `messages[${i}].tool_calls`, 'tool_calls must be an array');
  const parts = toolCalls.map((call: unknown, k) => {
    const param = `messages[${i}].tool_calls[${k}]`;
    const c = (call ?? {}) as Record<string, unknown>;
    assertExpressible(PROVIDER, c, HANDLED_TOOL_CALL_FIELDS, `${param}.`);
    const fn = c.function as { name?: unknown; arguments?: unknown } | undefined;
    if (c.type !== 'function' || typeof fn?.name !== 'string') {
      throw new UnsupportedFeatureError(PROVIDER, `${param}.type`, `${String(c.type)} tool calls`);
    }
    if (typeof c.id !== 'string' || c.id === '') throw new UnsupportedFeatureError(PROVIDER, `${param}.id`, 'a tool call needs an id');
    callNames.set(c.id, fn.name);
    const part: GeminiPart = { functionCall: { id: c.id, name: fn.name, args: argumentsOf(fn.arguments, `${param}.function.arguments`) } };
    const signature = signatureOf(c.extra_content);
    if (signature !== null) part.thoughtSignature = signature;
    return part;
  });
  const first = parts[0];
  if (first !== undefined && !parts.some((part) => part.thoughtSignature !== undefined)) {
    first.thoughtSignature = UNSIGNED_CALL_SIGNATURE;
  }
  return parts;
}

function argumentsOf(args: unknown, param: string): Record<string, unknown> {
  if (args === undefined || args === null || args === '') return {};
  let parsed: unknown;
  try {
    parsed = typeof args === 'string' ? JSON.parse(args) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UnsupportedFeatureError(PROVIDER, param, 'Gemini takes function arguments as a JSON object, and these are not one');
  }
  return parsed as Record<string, unknown>;
}

function signatureOf(extra: unknown): string | null {
  const signature = (extra as { google?: { thought_signature?: unknown } } | null | undefined)?.google?.thought_signature;
  return typeof signature === 'string' && signature !== '' ? signature : null;
}

function responsePart(message: ChatMessage, i: number, callNames: ReadonlyMap<string, string>): GeminiPart {
  const id = message.tool_call_id;
  const name = typeof id === 'string' ? callNames.get(id) : undefined;
  if (name === undefined) {
    throw new UnsupportedFeatureError(PROVIDER, `messages[${i}].tool_call_id`, 'Gemini needs the function name, and no assistant tool call before this message has this id');
  }
  const text = textsOf(message, i).join('');
  return { functionResponse: { id, name, response: responseOf(text) } };
}

function responseOf(text: string): Record<string, unknown> {
  if (text.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // Not JSON after all: sent as text below.
    }
  }
  return { output: text };
}
