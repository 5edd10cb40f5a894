/**
 * Anthropic Messages stream events -> canonical chunks
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming). The canonical stream has
 * the shape OpenAI sends with `include_usage`: a first chunk with the assistant role, content,
 * reasoning and tool call chunks, a chunk with `finish_reason`, then a usage-only chunk
 * (`choices: []`) which the gateway strips when the client did not ask for usage.
 */
import type { ChatCompletionChunk, SseEvent, StreamDecoder, ToolCallDelta, Usage, UpstreamTarget } from '../types.js';
import { malformedBodyError, parseStreamEvent, UpstreamError } from '../openai/error.js';
import { unixNow } from '../openai/response.js';
import { fromError } from './error.js';
import { type AnthropicUsage, completionIdOf, finishReasonOf, usageOf } from './response.js';

interface AnthropicStreamEvent {
  type?: unknown;
  index?: unknown;
  message?: { id?: unknown; model?: unknown; usage?: AnthropicUsage | null };
  content_block?: { type?: unknown; text?: unknown; thinking?: unknown; id?: unknown; name?: unknown; input?: unknown };
  delta?: { type?: unknown; text?: unknown; thinking?: unknown; partial_json?: unknown; stop_reason?: unknown };
  usage?: AnthropicUsage | null;
}

/** A tool_use content block being streamed: which canonical tool call it is, and whether any arguments went out. */
interface ToolBlock {
  call: number;
  sentArguments: boolean;
}

type Delta = ChatCompletionChunk['choices'][number]['delta'];

/**
 * Returns a decoder for one Anthropic stream: `message_stop` ends it; usage is message_start's
 * input plus message_delta's output. Each `tool_use` block becomes one canonical tool call,
 * numbered in the order the blocks start: its id and name on the first delta, its
 * `input_json_delta` fragments as `arguments` pieces after.
 */
export function createStreamDecoder(target: UpstreamTarget): StreamDecoder {
  const created = unixNow();
  let id = completionIdOf(undefined);
  let model = target.upstreamModel;
  let done = false;
  let reported: AnthropicUsage | null = null;
  let usage: Usage | null = null;
  // Content block index -> the tool call it streams.
  const toolBlocks = new Map<unknown, ToolBlock>();

  function chunk(delta: Delta, finishReason: string | null = null): ChatCompletionChunk {
    return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] };
  }

  function toolChunk(piece: ToolCallDelta): ChatCompletionChunk {
    return chunk({ tool_calls: [piece] });
  }

  // message_delta usage is cumulative; a field it leaves null keeps the message_start value.
  function recordUsage(next: AnthropicUsage | null | undefined): void {
    if (next == null) return;
    const merged: AnthropicUsage = { ...reported };
    for (const key of Object.keys(next) as Array<keyof AnthropicUsage>) {
      const value = next[key];
      if (typeof value === 'number') merged[key] = value;
    }
    reported = merged;
    usage = usageOf(merged);
  }

  function blockStart(event: AnthropicStreamEvent): ChatCompletionChunk[] {
    const block = event.content_block ?? {};
    switch (block.type) {
      case 'text':
        return typeof block.text === 'string' && block.text !== '' ? [chunk({ content: block.text })] : [];
      case 'thinking':
        return typeof block.thinking === 'string' && block.thinking !== '' ? [chunk({ reasoning_content: block.thinking })] : [];
      case 'tool_use': {
        if (typeof block.id !== 'string' || typeof block.name !== 'string') {
          throw malformedBodyError('anthropic', 'a tool_use block without an id or a name');
        }
        // The input streams as input_json_delta; a start that already holds it (non-empty) sends it whole.
        const input = block.input;
        const args = input !== null && typeof input === 'object' && Object.keys(input).length > 0 ? JSON.stringify(input) : '';
        const tool: ToolBlock = { call: toolBlocks.size, sentArguments: args !== '' };
        toolBlocks.set(event.index, tool);
        return [toolChunk({ index: tool.call, id: block.id, type: 'function', function: { name: block.name, arguments: args } })];
      }
      default:
        // redacted_thinking and server tool blocks: the request never enables what sends them.
        return [];
    }
  }

  function blockDelta(event: AnthropicStreamEvent): ChatCompletionChunk[] {
    const delta = event.delta ?? {};
    switch (delta.type) {
      case 'text_delta':
        return typeof delta.text === 'string' ? [chunk({ content: delta.text })] : [];
      case 'thinking_delta':
        return typeof delta.thinking === 'string' ? [chunk({ reasoning_content: delta.thinking })] : [];
      case 'input_json_delta': {
        const tool = toolBlocks.get(event.index);
        // Anthropic opens every tool input with an empty fragment; an empty piece says nothing.
        if (tool === undefined || typeof delta.partial_json !== 'string' || delta.partial_json === '') return [];
        tool.sentArguments = true;
        return [toolChunk({ index: tool.call, function: { arguments: delta.partial_json } })];
      }
      default:
        // signature_delta (thinking's signature) and citations_delta have no canonical field.
        return [];
    }
  }

  // A tool call whose input streamed no fragment takes no arguments: clients parse `arguments`
  // as JSON, and OpenAI sends "{}" for such a call.
  function blockStop(event: AnthropicStreamEvent): ChatCompletionChunk[] {
    const tool = toolBlocks.get(event.index);
    if (tool === undefined || tool.sentArguments) return [];
    tool.sentArguments = true;
    return [toolChunk({ index: tool.call, function: { arguments: '{}' } })];
  }

  return {
    get done() {
      return done;
    },
    get usage() {
      return usage;
    },
    push(event: SseEvent): ChatCompletionChunk[] {
      if (done) return [];
      const data = parseStreamEvent<AnthropicStreamEvent>('anthropic', event.data);
      switch (data.type ?? event.event) {
        case 'message_start': {
          const message = data.message ?? {};
          id = completionIdOf(message.id);
          if (typeof message.model === 'string') model = message.model;
          recordUsage(message.usage);
          return [chunk({ role: 'assistant', content: '' })];
        }
        case 'content_block_start':
          return blockStart(data);
        case 'content_block_delta':
          return blockDelta(data);
        case 'content_block_stop':
          return blockStop(data);
        case 'message_delta': {
          recordUsage(data.usage);
          const finishReason = finishReasonOf(data.delta?.stop_reason);
          return finishReason === null ? [] : [chunk({}, finishReason)];
        }
        case 'message_stop': {
          done = true;
          return usage === null
            ? []
            : [{ id, object: 'chat.completion.chunk', created, model, choices: [], usage }];
        }
        case 'error':
          // After the 200 an overload or API error arrives as an event; throwing ends the
          // stream, and the dispatcher tells the client the answer is incomplete.
          throw new UpstreamError(fromError(500, data));
        default:
          // ping, and event types added later: Anthropic's versioning policy says new event
          // types may appear and clients should ignore unknown ones.
          return [];
      }
    },
  };
}
