/**
 * Gemini `streamGenerateContent?alt=sse` events -> canonical chunks. Each event's data is a
 * whole GenerateContentResponse holding the next piece of each candidate; there is no end
 * sentinel, so the stream is complete once every candidate seen carries a finishReason.
 *
 * The canonical stream has the shape OpenAI sends with `include_usage`: per choice a first
 * chunk with the assistant role, content chunks, a chunk with `finish_reason`; then a
 * usage-only chunk (`choices: []`) which the gateway strips when the client did not ask for
 * usage. Gemini sends each function call whole, so each becomes one complete tool_call delta
 * (id, name and all its arguments at once), indexed in order within its choice.
 */
import type { ChatCompletionChunk, SseEvent, StreamDecoder, Usage, UpstreamTarget } from '../types.js';
import { parseStreamEvent, UpstreamError } from '../openai/error.js';
import { unixNow } from '../openai/response.js';
import { fromError } from './error.js';
import {
  candidateTextOf,
  candidateToolCallsOf,
  choiceIndexOf,
  completionIdOf,
  finishReasonOf,
  type GeminiResponse,
  tokenLogprobsOf,
  usageOf,
} from './response.js';

type ChunkChoice = ChatCompletionChunk['choices'][number];

/** What the decoder remembers of one choice between events. */
interface ChoiceState {
  started: boolean;
  calls: number;
  finished: boolean;
}

/** Returns a decoder for one Gemini stream: done when every candidate has finished; usage from the last event carrying usageMetadata. */
export function createStreamDecoder(target: UpstreamTarget): StreamDecoder {
  const created = unixNow();
  let responseId: unknown;
  let model = target.upstreamModel;
  let done = false;
  let usage: Usage | null = null;
  const choices = new Map<number, ChoiceState>();

  function chunk(choiceList: ChunkChoice[]): ChatCompletionChunk {
    return { id: completionIdOf(responseId), object: 'chat.completion.chunk', created, model, choices: choiceList };
  }

  function stateOf(index: number): ChoiceState {
    let state = choices.get(index);
    if (state === undefined) {
      state = { started: false, calls: 0, finished: false };
      choices.set(index, state);
    }
    return state;
  }

  function finish(out: ChatCompletionChunk[], index: number, state: ChoiceState, finishReason: string): void {
    if (!state.started) {
      out.push(chunk([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
      state.started = true;
    }
    out.push(chunk([{ index, delta: {}, finish_reason: finishReason }]));
    state.finished = true;
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
      if (responseId === undefined && typeof response.responseId === 'string') responseId = response.responseId;
      if (typeof response.modelVersion === 'string') model = response.modelVersion;
      if (response.usageMetadata != null) usage = usageOf(response.usageMetadata);

      const out: ChatCompletionChunk[] = [];
      const candidates = Array.isArray(response.candidates) ? response.candidates : [];
      candidates.forEach((candidate, position) => {
        const index = choiceIndexOf(candidate, position);
        const state = stateOf(index);
        if (state.finished) return;
        const text = candidateTextOf(candidate);
        const toolCalls = candidateToolCallsOf(candidate, responseId, index, state.calls);
        const delta: ChunkChoice['delta'] = {};
        if (!state.started) delta.role = 'assistant';
        if (text !== '' || (!state.started && toolCalls.length === 0)) delta.content = text;
        else if (!state.started) delta.content = null;
        if (toolCalls.length > 0) delta.tool_calls = toolCalls.map((call, k) => ({ index: state.calls + k, ...call }));
        if (Object.keys(delta).length > 0) {
          const choice: ChunkChoice = { index, delta, finish_reason: null };
          if (candidate.logprobsResult !== undefined) choice.logprobs = { content: tokenLogprobsOf(candidate.logprobsResult), refusal: null };
          out.push(chunk([choice]));
          state.started = true;
        }
        state.calls += toolCalls.length;
        const finishReason = finishReasonOf(candidate.finishReason, state.calls > 0);
        if (finishReason !== null) finish(out, index, state, finishReason);
      });
      // A blocked prompt has no candidate: the one answer ends, filtered, before it began.
      if (candidates.length === 0 && response.promptFeedback?.blockReason !== undefined) finish(out, 0, stateOf(0), 'content_filter');

      if (choices.size > 0 && [...choices.values()].every((state) => state.finished)) {
        done = true;
        if (usage !== null) out.push({ ...chunk([]), usage });
      }
      return out;
    },
  };
}
