/** OpenAI-compatible stream events are already canonical chunks; the decoder notes usage and the end. */
import type { ChatCompletionChunk, SseEvent, StreamDecoder, Usage, UpstreamTarget } from '../types.js';
import { fromError, parseStreamEvent, UpstreamError } from './error.js';

const DONE_SENTINEL = '[DONE]';

/** Returns a decoder for one OpenAI-compatible stream: `[DONE]` ends it, the chunk carrying `usage` sets `.usage`. */
export function createStreamDecoder(_target: UpstreamTarget): StreamDecoder {
  let done = false;
  let usage: Usage | null = null;
  return {
    get done() {
      return done;
    },
    get usage() {
      return usage;
    },
    push(event: SseEvent): ChatCompletionChunk[] {
      if (done) return [];
      if (event.data === DONE_SENTINEL) {
        done = true;
        return [];
      }
      const chunk = parseStreamEvent<ChatCompletionChunk & { error?: unknown }>('openai', event.data);
      // OpenAI reports a failure after the 200 as a data event carrying `error`.
      if (chunk.error !== undefined) throw new UpstreamError(fromError(500, chunk));
      if (chunk.usage != null) usage = chunk.usage;
      // vLLM sends its usage-only chunk with `choices: null`; canonical chunks always carry an array.
      if (!Array.isArray(chunk.choices)) chunk.choices = [];
      return [chunk];
    },
  };
}
