/**
 * Gemini GenerateContentResponse -> canonical completion; the stream decoder reuses the field
 * maps. Each candidate becomes a choice: its text parts (thought summaries left out) the content,
 * its `functionCall` parts `tool_calls`, its `logprobsResult` OpenAI's `logprobs` shape.
 *
 * A function call keeps the id Gemini gave it; one without gets an id derived from the
 * response id, its position and its content, so the same answer always carries the same ids,
 * streamed or not. The call's thought signature, which Gemini 3 wants back with the call, rides
 * along as `extra_content.google.thought_signature` (see messages.ts).
 */
import { createHash } from 'node:crypto';
import type { ChatCompletion, ToolCall, Usage, UpstreamTarget } from '../types.js';
import { malformedBodyError } from '../openai/error.js';
import { unixNow } from '../openai/response.js';

/** A part of a response candidate, as this mapping reads it. */
export interface GeminiResponsePart {
  text?: unknown;
  thought?: unknown;
  functionCall?: { id?: unknown; name?: unknown; args?: unknown };
  thoughtSignature?: unknown;
}

/** Gemini's LogprobsResult. */
export interface GeminiLogprobsResult {
  chosenCandidates?: Array<{ token?: unknown; logProbability?: unknown }>;
  topCandidates?: Array<{ candidates?: Array<{ token?: unknown; logProbability?: unknown }> }>;
}

/** A response candidate, as this mapping reads it. */
export interface GeminiCandidate {
  content?: { parts?: GeminiResponsePart[] };
  finishReason?: unknown;
  index?: unknown;
  logprobsResult?: GeminiLogprobsResult;
}

/** The parts of a GenerateContentResponse this mapping reads. */
export interface GeminiResponse {
  responseId?: unknown;
  modelVersion?: unknown;
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: unknown };
  usageMetadata?: GeminiUsage | null;
  error?: unknown;
}

/** usageMetadata as Gemini reports it. */
export interface GeminiUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
}

/** A canonical tool call, with the thought signature Gemini put on it when it put one. */
export interface CanonicalToolCall extends ToolCall {
  extra_content?: { google: { thought_signature: string } };
}

/** OpenAI's per-token logprob entry. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

// FinishReason values: https://ai.google.dev/api/generate-content#FinishReason.
const FINISH_REASONS: Readonly<Record<string, string>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
};

/**
 * Returns the canonical finish_reason for a Gemini finishReason: `tool_calls` when the candidate
 * stopped normally after calling functions; one with no OpenAI equivalent (`OTHER`, `LANGUAGE`,
 * `MALFORMED_FUNCTION_CALL`) passes through as Gemini spells it.
 */
export function finishReasonOf(finishReason: unknown, calledTools = false): string | null {
  if (typeof finishReason !== 'string') return null;
  if (finishReason === 'STOP' && calledTools) return 'tool_calls';
  return FINISH_REASONS[finishReason] ?? finishReason;
}

/**
 * Returns canonical usage. Thinking tokens are billed as output, so they count as completion
 * tokens as OpenAI counts reasoning tokens; tool-use prompt tokens (e.g. search results) are
 * billed as input. Gemini's prompt count already includes cached tokens.
 */
export function usageOf(usage: GeminiUsage): Usage {
  const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const completion = (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
  const result: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.totalTokenCount ?? prompt + completion,
  };
  if (typeof usage.cachedContentTokenCount === 'number') {
    result.prompt_tokens_details = { cached_tokens: usage.cachedContentTokenCount };
  }
  return result;
}

/** Returns the canonical id for a Gemini responseId (`chatcmpl-` + responseId). */
export function completionIdOf(responseId: unknown): string {
  return `chatcmpl-${typeof responseId === 'string' ? responseId : 'gemini'}`;
}

/** Returns a candidate's choice index: its `index`, else its position. */
export function choiceIndexOf(candidate: GeminiCandidate, position: number): number {
  return typeof candidate.index === 'number' ? candidate.index : position;
}

/** Returns the answer text of a candidate: its text parts in order, thought summaries left out. */
export function candidateTextOf(candidate: GeminiCandidate | undefined): string {
  const parts = candidate?.content?.parts;
  if (!Array.isArray(parts)) return '';
  let text = '';
  for (const part of parts) {
    if (part.thought !== true && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/**
 * Returns the tool calls of a candidate's `functionCall` parts. `firstCall` is how many calls
 * of this choice came before (earlier stream events), which keeps derived ids unique.
 */
export function candidateToolCallsOf(candidate: GeminiCandidate | undefined, responseId: unknown, choiceIndex: number, firstCall = 0): CanonicalToolCall[] {
  const parts = candidate?.content?.parts;
  if (!Array.isArray(parts)) return [];
  const calls: CanonicalToolCall[] = [];
  for (const part of parts) {
    const call = part.functionCall;
    if (call === null || typeof call !== 'object' || typeof call.name !== 'string') continue;
    const args = JSON.stringify(call.args ?? {});
    const id = typeof call.id === 'string' && call.id !== ''
      ? call.id
      : derivedCallId(responseId, choiceIndex, firstCall + calls.length, call.name, args);
    const toolCall: CanonicalToolCall = { id, type: 'function', function: { name: call.name, arguments: args } };
    if (typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '') {
      toolCall.extra_content = { google: { thought_signature: part.thoughtSignature } };
    }
    calls.push(toolCall);
  }
  return calls;
}

// `call_` and 24 hex digits: short enough for any provider's id limit should the conversation
// later go to another one.
function derivedCallId(responseId: unknown, choiceIndex: number, callIndex: number, name: string, args: string): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([typeof responseId === 'string' ? responseId : '', choiceIndex, callIndex, name, args]))
    .digest('hex');
  return `call_${digest.slice(0, 24)}`;
}

/** Returns OpenAI's `logprobs.content` entries for a LogprobsResult (empty when it has none). */
export function tokenLogprobsOf(result: GeminiLogprobsResult | undefined): TokenLogprob[] {
  const chosen = result?.chosenCandidates;
  if (!Array.isArray(chosen)) return [];
  return chosen.map((candidate, i) => {
    const top = result?.topCandidates?.[i]?.candidates;
    return {
      ...tokenOf(candidate),
      top_logprobs: Array.isArray(top) ? top.map(tokenOf) : [],
    };
  });
}

function tokenOf(candidate: { token?: unknown; logProbability?: unknown }): { token: string; logprob: number; bytes: number[] } {
  const token = typeof candidate.token === 'string' ? candidate.token : '';
  return {
    token,
    logprob: typeof candidate.logProbability === 'number' ? candidate.logProbability : 0,
    bytes: [...Buffer.from(token, 'utf8')],
  };
}

/** Maps a generateContent body to a canonical completion: one choice per candidate. */
export function fromResponse(body: unknown, target: UpstreamTarget): ChatCompletion {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw malformedBodyError('gemini', 'a 200 body that is not a JSON object');
  }
  const response = body as GeminiResponse;
  const candidates = Array.isArray(response.candidates) ? response.candidates : [];
  const choices: ChatCompletion['choices'] = candidates.map((candidate, position) => {
    const index = choiceIndexOf(candidate, position);
    const text = candidateTextOf(candidate);
    const toolCalls = candidateToolCallsOf(candidate, response.responseId, index);
    const message: ChatCompletion['choices'][number]['message'] = {
      role: 'assistant',
      content: text === '' && toolCalls.length > 0 ? null : text,
    };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    return {
      index,
      message,
      finish_reason: finishReasonOf(candidate.finishReason, toolCalls.length > 0),
      logprobs: candidate.logprobsResult === undefined ? null : { content: tokenLogprobsOf(candidate.logprobsResult), refusal: null },
    };
  });
  choices.sort((a, b) => a.index - b.index);
  if (choices.length === 0) {
    // A blocked prompt has no candidate, hence no content at all.
    const blocked = response.promptFeedback?.blockReason !== undefined;
    choices.push({ index: 0, message: { role: 'assistant', content: null }, finish_reason: blocked ? 'content_filter' : null, logprobs: null });
  }
  const completion: ChatCompletion = {
    id: completionIdOf(response.responseId),
    object: 'chat.completion',
    created: unixNow(),
    model: typeof response.modelVersion === 'string' ? response.modelVersion : target.upstreamModel,
    choices,
  };
  if (response.usageMetadata != null) completion.usage = usageOf(response.usageMetadata);
  return completion;
}
