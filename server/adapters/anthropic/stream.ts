/**
 * Anthropic Messages stream events -> canonical chunks
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming). The canonical stream has
 * the shape OpenAI sends with `include_usage`: a first chunk with the assistant role, content
 * chunks, a chunk with `finish_reason`, then a usage-only chunk (`choices: []`) which the
 * gateway strips when the client did not ask for usage.
 */
import type { ChatCompletionChunk, SseEvent, StreamDecoder, Usage, UpstreamTarget } from '../types.js';
import { parseStreamEvent, UpstreamError } from '../openai/error.js';
import { unixNow } from '../openai/response.js';
import { fromError } from './error.js';
import { type AnthropicUsage, completionIdOf, finishReasonOf, usageOf } from './response.js';

interface AnthropicStreamEvent {
  type?: unknown;
  message?: { id?: unknown; model?: unknown; usage?: AnthropicUsage | null };
  content_block?: { type?: unknown; text?: unknown };
  delta?: { type?: unknown; text?: unknown; stop_reason?: unknown };
  usage?: AnthropicUsage | null;
}

/** Returns a decoder for one Anthropic stream: `message_stop` ends it; usage is message_start's input plus message_delta's output. */
export function createStreamDecoder(target: UpstreamTarget): StreamDecoder {
  const created = unixNow();
  let id = completionIdOf(undefined);
  let model = target.upstreamModel;
  let done = false;
  let reported: AnthropicUsage | null = null;
  let usage: Usage | null = null;

  function chunk(delta: ChatCompletionChunk['choices'][number]['delta'], finishReason: string | null): ChatCompletionChunk {
    return {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
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
          return [chunk({ role: 'assistant', content: '' }, null)];
        }
        case 'content_block_start': {
          const block = data.content_block ?? {};
          return block.type === 'text' && typeof block.text === 'string' && block.text !== ''
            ? [chunk({ content: block.text }, null)]
            : [];
        }
        case 'content_block_delta': {
          const delta = data.delta ?? {};
          // Only text deltas: the request never enables tools or thinking, whose deltas these would be.
          return delta.type === 'text_delta' && typeof delta.text === 'string'
            ? [chunk({ content: delta.text }, null)]
            : [];
        }
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
          throw new UpstreamError(fromError(500, data));
        default:
          // ping, content_block_stop, and event types added later: Anthropic's versioning
          // policy says new event types may appear and clients should ignore unknown ones.
          return [];
      }
    },
  };
}
