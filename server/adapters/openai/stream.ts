/**
 * OpenAI-compatible stream events are already canonical chunks; the decoder notes usage and the
 * end, and smooths over what compatible servers do differently:
 *
 * - usage arrives in a usage-only chunk (OpenAI with `include_usage`), on the last content chunk
 *   (Mistral), under `x_groq.usage` (Groq), with DeepSeek's cache field names (normalizeUsage),
 *   or not at all: several servers (some DeepSeek, Mistral, Together and Ollama versions, vLLM
 *   and llama.cpp builds) omit it even when asked. When none came, and the gateway gave the
 *   prompt's size in the decoder's context, the decoder counts the completion itself: o200k_base
 *   tokens of everything the model streamed (content, tool call arguments, reasoning text), and
 *   marks that usage `switchyard_usage_source: 'counted'`. It is an estimate in the model's
 *   stead, not the provider's bill, and recording says so.
 * - vLLM sends its usage-only chunk with `choices: null`.
 */
import { countTokens } from '../../../engine/src/tokenizer.js';
import type { ChatCompletionChunk, SseEvent, StreamDecoder, StreamDecoderContext, Usage, UpstreamTarget } from '../types.js';
import { fromError, parseStreamEvent, UpstreamError } from './error.js';
import { normalizeUsage } from './response.js';

const DONE_SENTINEL = '[DONE]';

/** A chunk as compatible servers send it, with the fields the decoder reads beyond the canonical ones. */
type UpstreamChunk = ChatCompletionChunk & { error?: unknown; x_groq?: { usage?: Usage | null } | null };

/**
 * Returns a decoder for one OpenAI-compatible stream: `[DONE]` ends it; `.usage` is the usage
 * the stream reported, else (with `context`) the usage counted from what it streamed so far.
 */
export function createStreamDecoder(_target: UpstreamTarget, context?: StreamDecoderContext): StreamDecoder {
  let done = false;
  let reported: Usage | null = null;
  // What the model generated, piece by piece, for counting when no usage is reported.
  const generated: string[] = [];
  let counted: Usage | null = null;
  let countedPieces = -1;

  function countedUsage(promptTokens: number): Usage {
    if (counted === null || countedPieces !== generated.length) {
      const completion = countTokens(generated.join(''), 'o200k_base');
      counted = { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion, switchyard_usage_source: 'counted' };
      countedPieces = generated.length;
    }
    return counted;
  }

  return {
    get done() {
      return done;
    },
    get usage() {
      if (reported !== null) return reported;
      return context === undefined ? null : countedUsage(context.promptTokens);
    },
    push(event: SseEvent): ChatCompletionChunk[] {
      if (done) return [];
      if (event.data === DONE_SENTINEL) {
        done = true;
        return [];
      }
      const chunk = parseStreamEvent<UpstreamChunk>('openai', event.data);
      // OpenAI reports a failure after the 200 as a data event carrying `error`.
      if (chunk.error !== undefined) throw new UpstreamError(fromError(500, chunk));
      const usage = chunk.usage ?? chunk.x_groq?.usage;
      if (usage != null) reported = normalizeUsage(usage);
      if (!Array.isArray(chunk.choices)) chunk.choices = [];
      else if (reported === null && context !== undefined) collectGenerated(chunk, generated);
      return [chunk];
    },
  };
}

/** Appends the text a chunk's deltas carry that the provider bills as output. */
function collectGenerated(chunk: ChatCompletionChunk, into: string[]): void {
  for (const choice of chunk.choices) {
    const delta = choice?.delta as Record<string, unknown> | undefined;
    if (delta == null) continue;
    if (typeof delta.content === 'string') into.push(delta.content);
    // DeepSeek and vLLM call the reasoning text reasoning_content; Groq, Ollama and OpenRouter call it reasoning.
    if (typeof delta.reasoning_content === 'string') into.push(delta.reasoning_content);
    if (typeof delta.reasoning === 'string') into.push(delta.reasoning);
    if (!Array.isArray(delta.tool_calls)) continue;
    for (const call of delta.tool_calls as Array<{ function?: { arguments?: unknown } } | null>) {
      const args = call?.function?.arguments;
      if (typeof args === 'string') into.push(args);
    }
  }
}
