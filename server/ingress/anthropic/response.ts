/**
 * Canonical (OpenAI) answers -> Anthropic Messages API shapes: the message object with its
 * text and tool_use blocks, stop_reason and usage. The stream encoder reuses the field maps.
 */
import type { ChatCompletion, ToolCall, Usage } from '../../adapters/types.js';
import { GatewayError } from '../../errors.js';

/** Usage as the Messages API reports it; the cache fields null when unknown. */
export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: MessageUsage;
}

// stop_reason values: https://docs.anthropic.com/en/api/messages (Message.stop_reason).
const STOP_REASONS: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
  // An Anthropic upstream's own reasons that have no OpenAI equivalent pass through the canonical answer as they are.
  end_turn: 'end_turn',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  tool_use: 'tool_use',
  pause_turn: 'pause_turn',
  refusal: 'refusal',
  model_context_window_exceeded: 'model_context_window_exceeded',
};

/** The Anthropic stop_reason for a canonical finish_reason; an answer that gave none ended its turn. */
export function stopReasonOf(finishReason: string | null | undefined): string {
  return (finishReason ? STOP_REASONS[finishReason] : undefined) ?? 'end_turn';
}

/**
 * Usage in Anthropic terms: cache reads and writes are counted apart from input_tokens there,
 * inside prompt_tokens in the canonical usage. Cache writes are known only when the upstream
 * reported them (prompt_tokens_details.cache_write_tokens, from an Anthropic upstream); else
 * null. `promptTokens` stands in when the provider reported no usage.
 */
export function messageUsage(usage: Usage | null | undefined, promptTokens = 0): MessageUsage {
  if (!usage) return { input_tokens: promptTokens, output_tokens: 0, cache_creation_input_tokens: null, cache_read_input_tokens: null };
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.prompt_tokens_details?.cache_write_tokens;
  return {
    input_tokens: usage.prompt_tokens - cached - (written ?? 0),
    output_tokens: usage.completion_tokens,
    cache_creation_input_tokens: written ?? null,
    cache_read_input_tokens: cached,
  };
}

/** A message id for a canonical id: an Anthropic upstream's own id comes back as it was (`chatcmpl-msg_…` -> `msg_…`). */
export function messageIdOf(completionId: string): string {
  const bare = completionId.startsWith('chatcmpl-') ? completionId.slice('chatcmpl-'.length) : completionId;
  return bare.startsWith('msg_') ? bare : `msg_${bare}`;
}

/** A tool call's arguments as the object tool_use.input must be; the model's own text when it is not one is a 502. */
export function toolInputOf(call: Pick<ToolCall, 'function'>, model: string): Record<string, unknown> {
  const text = call.function.arguments;
  if (text.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    input = undefined;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new GatewayError('SY_UPSTREAM_FAILED', `${model} called tool ${call.function.name} with arguments that are not a JSON object: ${text.slice(0, 200)}`);
  }
  return input as Record<string, unknown>;
}

/** The canonical completion as a Messages API message. */
export function toMessage(completion: ChatCompletion): Message {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: ContentBlock[] = [];
  if (typeof message?.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
  const refusal = message?.refusal;
  if (typeof refusal === 'string' && refusal !== '') content.push({ type: 'text', text: refusal });
  const calls = Array.isArray(message?.tool_calls) ? (message.tool_calls as ToolCall[]) : [];
  for (const call of calls) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInputOf(call, completion.model) });
  }
  return {
    id: messageIdOf(completion.id),
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: typeof refusal === 'string' && refusal !== '' ? 'refusal' : stopReasonOf(choice?.finish_reason),
    stop_sequence: null,
    usage: messageUsage(completion.usage),
  };
}
