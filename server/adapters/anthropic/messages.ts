/**
 * Canonical (OpenAI) messages -> Anthropic's top-level `system` and its conversation. Assistant
 * `tool_calls` become `tool_use` blocks and `tool` messages become `tool_result` blocks in a
 * user turn, which is where Anthropic expects a tool's answer.
 */
import type { ChatMessage } from '../types.js';
import { assertExpressible, UnsupportedFeatureError } from '../unsupported.js';
import {
  type Block, blocksOf, contentOf, isRecord, PROVIDER, type TextBlock, type ToolResultBlock, type ToolUseBlock,
} from './content.js';

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | Block[];
}

export interface MappedMessages {
  /** A string, or text blocks when a system part carries a cache breakpoint; null when there is no system text. */
  system: string | TextBlock[] | null;
  messages: AnthropicMessage[];
}

type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

const FIELDS_BY_ROLE: Readonly<Record<Role, ReadonlySet<string>>> = {
  system: new Set(['role', 'content']),
  developer: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};

// Anthropic's tool_use ids must match this (its 400 names the pattern); OpenAI's `call_...` do.
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

/**
 * Splits canonical messages into Anthropic's `system` and the conversation. System and developer
 * messages are hoisted wherever they appear (Anthropic has no mid-conversation system turn) and
 * joined by a blank line; consecutive same-role turns (tool results count as user turns) are
 * merged into one turn of blocks, because the API requires user and assistant to alternate and
 * wants every tool result of a turn in the one user message that follows it.
 */
export function mapMessages(input: ChatMessage[]): MappedMessages {
  const system: TextBlock[] = [];
  const messages: AnthropicMessage[] = [];
  const append = (role: AnthropicMessage['role'], content: string | Block[]): void => {
    const previous = messages[messages.length - 1];
    if (previous !== undefined && previous.role === role) {
      previous.content = [...blocksOf(previous.content), ...blocksOf(content)];
    } else {
      messages.push({ role, content });
    }
  };
  for (let i = 0; i < input.length; i++) {
    const message = input[i] as ChatMessage;
    const role = message.role;
    if (!Object.hasOwn(FIELDS_BY_ROLE, role)) {
      throw new UnsupportedFeatureError(PROVIDER, `messages[${i}].role`, `${String(role)} messages`);
    }
    assertExpressible(PROVIDER, message, FIELDS_BY_ROLE[role], `messages[${i}].`);
    switch (role) {
      case 'system':
      case 'developer':
        system.push(...(blocksOf(contentOf(message.content, i, false)) as TextBlock[]));
        break;
      case 'user':
        append('user', contentOf(message.content, i, true));
        break;
      case 'assistant':
        append('assistant', assistantContentOf(message, i));
        break;
      case 'tool':
        append('user', [toolResultOf(message, i)]);
        break;
    }
  }
  return { system: systemOf(system), messages };
}

// A plain string unless a block carries a cache breakpoint, which only the block form can hold.
function systemOf(blocks: TextBlock[]): string | TextBlock[] | null {
  if (blocks.length === 0) return null;
  if (blocks.some((block) => block.cache_control !== undefined)) return blocks;
  return blocks.map((block) => block.text).join('\n\n');
}

function assistantContentOf(message: ChatMessage, index: number): string | Block[] {
  const text = contentOf(message.content, index, false);
  const calls = message.tool_calls;
  if (calls === undefined || calls === null) return text;
  if (!Array.isArray(calls)) throw new UnsupportedFeatureError(PROVIDER, `messages[${index}].tool_calls`, 'expected an array');
  if (calls.length === 0) return text;
  return [...blocksOf(text), ...calls.map((call: unknown, j) => toolUseOf(call, `messages[${index}].tool_calls[${j}]`))];
}

function toolUseOf(call: unknown, where: string): ToolUseBlock {
  const type = isRecord(call) ? call.type : undefined;
  // `type` is required by OpenAI, but some clients leave it out of the history they send back.
  if (!isRecord(call) || (type !== 'function' && type !== undefined) || !isRecord(call.function)) {
    throw new UnsupportedFeatureError(PROVIDER, where, `${String(type)} tool calls`);
  }
  return { type: 'tool_use', id: toolUseIdOf(call.id), name: call.function.name, input: inputOf(call.function.arguments, `${where}.function.arguments`) };
}

/** Returns a tool call's JSON arguments as the object Anthropic's `input` must be. */
function inputOf(args: unknown, param: string): Record<string, unknown> {
  if (typeof args !== 'string') throw new UnsupportedFeatureError(PROVIDER, param, 'expected JSON text');
  // Some servers write "" for a call without arguments; it means the empty object.
  if (args.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed)) {
    throw new UnsupportedFeatureError(PROVIDER, param, 'not a JSON object; Anthropic takes tool input as an object');
  }
  return parsed;
}

function toolResultOf(message: ChatMessage, index: number): ToolResultBlock {
  const block: ToolResultBlock = { type: 'tool_result', tool_use_id: toolUseIdOf(message.tool_call_id) };
  const content = contentOf(message.content, index, false) as string | TextBlock[];
  // An empty result is sent without content, which Anthropic accepts; an empty string it may not.
  if (content.length > 0) block.content = content;
  return block;
}

/**
 * Returns a tool call id Anthropic accepts. Ids from other providers (a conversation that
 * started elsewhere) may hold characters outside [a-zA-Z0-9_-]; each becomes `_`. The same
 * mapping applies to the tool_use and to its tool_result, so they still pair, and the client
 * never sees the mapped id. A non-string passes as is, for Anthropic to refuse.
 */
function toolUseIdOf(id: unknown): unknown {
  if (typeof id !== 'string' || id === '' || TOOL_USE_ID.test(id)) return id;
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}
