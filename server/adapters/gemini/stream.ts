/**
 * Gemini `streamGenerateContent?alt=sse` events -> canonical chunks. Each event's data is a
 * whole GenerateContentResponse holding the next piece of text; there is no end sentinel, so
 * the stream is complete when a candidate carries a finishReason. The canonical stream has the
 * shape OpenAI sends with `include_usage`: a first chunk with the assistant role, content
 * chunks, a chunk with `finish_reason`, then a usage-only chunk (`choices: []`) which the
 * gateway strips when the client did not ask for usage.
 */
import type { ChatCompletionChunk, SseEvent, StreamDecoder, Usage, UpstreamTarget } from '../types.js';
import { parseStreamEvent, UpstreamError } from '../openai/error.js';
import { unixNow } from '../openai/response.js';
import { fromError } from './error.js';
import {
  candidateTextOf,
  completionIdOf,
  type GeminiResponse,
  responseFinishReasonOf,
  usageOf,
} from './response.js';

/** Returns a decoder for one Gemini stream: done at the first finishReason; usage from the last event carrying usageMetadata. */
export function createStreamDecoder(target: UpstreamTarget): StreamDecoder {
  const created = unixNow();
  let id: string | null = null;
  let model = target.upstreamModel;
  let started = false;
  let done = false;
  let usage: Usage | null = null;

  function chunk(delta: ChatCompletionChunk['choices'][number]['delta'], finishReason: string | null): ChatCompletionChunk {
    return {
      id: id ?? completionIdOf(undefined),
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
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
      const response = parseStreamEvent<GeminiResponse>('gemini', event.data);
      if (response.error !== undefined) throw new UpstreamError(fromError(500, response));
      // Every event repeats the same responseId; the first one names the whole stream.
      if (id === null && typeof response.responseId === 'string') id = completionIdOf(response.responseId);
      if (typeof response.modelVersion === 'string') model = response.modelVersion;
      if (response.usageMetadata != null) usage = usageOf(response.usageMetadata);

      const out: ChatCompletionChunk[] = [];
      const text = candidateTextOf(response);
      if (!started) {
        out.push(chunk({ role: 'assistant', content: text }, null));
        started = true;
      } else if (text !== '') {
        out.push(chunk({ content: text }, null));
      }
      const finishReason = responseFinishReasonOf(response);
      if (finishReason !== null) {
        done = true;
        out.push(chunk({}, finishReason));
        if (usage !== null) {
          out.push({ id: id ?? completionIdOf(undefined), object: 'chat.completion.chunk', created, model, choices: [], usage });
        }
      }
      return out;
    },
  };
}
