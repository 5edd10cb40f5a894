/**
 * The OpenAI chat completions wire: the canonical schema itself, so answers go out as they came
 * in. A stream is `data:` chunks, the usage chunk when the client asked for it, the cost as an
 * SSE comment and `[DONE]`; a stream cut mid-way ends with an error event instead of `[DONE]`.
 */
import type { ChatCompletionChunk, Usage } from '../../adapters/types.js';
import type { ChatWire, StreamEncoder } from '../../pipeline/chat-wire.js';

/** Usage as a client sees it: without the gateway-internal `switchyard_usage_source`. */
export function clientUsage(usage: Usage): Usage {
  if (usage.switchyard_usage_source === undefined) return usage;
  const { switchyard_usage_source: _internal, ...rest } = usage;
  return rest;
}

/** An encoder for one OpenAI stream; `includeUsage` is the client's stream_options.include_usage. */
export function createChunkEncoder(includeUsage: boolean): StreamEncoder {
  let template: ChatCompletionChunk | undefined;
  return {
    push(chunks) {
      let out = '';
      for (const chunk of chunks) {
        template ??= chunk;
        // Usage is re-emitted once at the end when the client asked; the gateway always asks.
        if (chunk.choices.length === 0) continue;
        if (chunk.usage !== undefined) delete chunk.usage;
        out += `data: ${JSON.stringify(chunk)}\n\n`;
      }
      return out;
    },
    end(usage, costUsd) {
      let out = '';
      if (includeUsage && usage && template) {
        out += `data: ${JSON.stringify({ id: template.id, object: 'chat.completion.chunk', created: template.created, model: template.model, choices: [], usage: clientUsage(usage) })}\n\n`;
      }
      if (costUsd !== null) out += `: x-switchyard-cost-usd=${costUsd}\n\n`;
      return `${out}data: [DONE]\n\n`;
    },
    // No [DONE]: an error event is how the OpenAI SDKs learn a stream failed.
    fail: (error) => `data: ${JSON.stringify(error.toBody())}\n\n`,
  };
}

export const openaiChatWire: ChatWire = {
  // An OpenAI-compatible upstream's body is passed on as received: re-serialising it costs time for nothing.
  completion: ({ result }) => {
    if (result.canonicalBody !== null) return result.canonicalBody;
    const { completion } = result;
    return JSON.stringify(completion.usage ? { ...completion, usage: clientUsage(completion.usage) } : completion);
  },
  stream: (request) => createChunkEncoder(request.stream_options?.include_usage === true),
};
