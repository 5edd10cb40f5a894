/** Anthropic Messages API answer -> canonical completion; the stream decoder reuses the field maps. */
import type { ChatCompletion, ToolCall, Usage, UpstreamTarget } from '../types.js';
import { malformedBodyError } from '../openai/error.js';
import { unixNow } from '../openai/response.js';

/** Usage as Anthropic reports it; the cache fields are absent or null when no cache was used. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

// stop_reason values: https://docs.anthropic.com/en/api/messages (Message.stop_reason).
const FINISH_REASONS: Readonly<Record<string, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Returns the canonical finish_reason for an Anthropic stop_reason; one with no OpenAI equivalent (`pause_turn`) passes through as Anthropic spells it. */
export function finishReasonOf(stopReason: unknown): string | null {
  if (typeof stopReason !== 'string') return null;
  return FINISH_REASONS[stopReason] ?? stopReason;
}

/**
 * Returns canonical usage. Anthropic counts cache reads and cache writes apart from
 * `input_tokens`; OpenAI's `prompt_tokens` counts every prompt token, with the cached ones
 * repeated in `prompt_tokens_details.cached_tokens` and the written ones (billed at the cache
 * write price) in `prompt_tokens_details.cache_write_tokens`.
 */
export function usageOf(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens;
  const cacheWrite = usage.cache_creation_input_tokens;
  const prompt = (usage.input_tokens ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
  const completion = usage.output_tokens ?? 0;
  const result: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (typeof cacheRead === 'number' || typeof cacheWrite === 'number') {
    result.prompt_tokens_details = {};
    if (typeof cacheRead === 'number') result.prompt_tokens_details.cached_tokens = cacheRead;
    if (typeof cacheWrite === 'number') result.prompt_tokens_details.cache_write_tokens = cacheWrite;
  }
  return result;
}

/** Returns the canonical id for an Anthropic message id (`msg_...` -> `chatcmpl-msg_...`). */
export function completionIdOf(messageId: unknown): string {
  return `chatcmpl-${typeof messageId === 'string' ? messageId : 'anthropic'}`;
}

interface AnthropicMessageBody {
  id?: unknown;
  model?: unknown;
  content?: unknown;
  stop_reason?: unknown;
  usage?: AnthropicUsage | null;
}

/**
 * Maps a Messages API body to a canonical completion: text blocks joined in order into `content`
 * (null when the answer is only tool calls, as OpenAI sends it), `tool_use` blocks into
 * `tool_calls`, thinking blocks into `reasoning_content` (the field OpenAI-compatible servers
 * such as DeepSeek and vLLM use). Other blocks are ignored: the request never enables them.
 */
export function fromResponse(body: unknown, target: UpstreamTarget): ChatCompletion {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as AnthropicMessageBody).content)) {
    throw malformedBodyError('anthropic', 'a 200 body without a content array');
  }
  const message = body as AnthropicMessageBody & { content: unknown[] };
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    const { type, text: blockText, thinking } = (block ?? {}) as { type?: unknown; text?: unknown; thinking?: unknown };
    if (type === 'text' && typeof blockText === 'string') text += blockText;
    else if (type === 'thinking' && typeof thinking === 'string') reasoning += thinking;
    else if (type === 'tool_use') toolCalls.push(toolCallOf(block as ToolUseBody));
  }
  const answer: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (reasoning !== '') answer.reasoning_content = reasoning;
  if (toolCalls.length > 0) answer.tool_calls = toolCalls;
  const completion: ChatCompletion = {
    id: completionIdOf(message.id),
    object: 'chat.completion',
    created: unixNow(),
    model: typeof message.model === 'string' ? message.model : target.upstreamModel,
    choices: [{ index: 0, message: answer, finish_reason: finishReasonOf(message.stop_reason), logprobs: null }],
  };
  if (message.usage != null) completion.usage = usageOf(message.usage);
  return completion;
}

interface ToolUseBody {
  id?: unknown;
  name?: unknown;
  input?: unknown;
}

/** Returns the canonical tool call for a `tool_use` block: its input object as JSON text. */
function toolCallOf(block: ToolUseBody): ToolCall {
  if (typeof block.id !== 'string' || typeof block.name !== 'string') {
    throw malformedBodyError('anthropic', 'a tool_use block without an id or a name');
  }
  return { id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}
