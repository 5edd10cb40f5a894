/** Gemini GenerateContentResponse -> canonical completion; the stream decoder reuses the field maps. */
import type { ChatCompletion, Usage, UpstreamTarget } from '../types.js';
import { malformedBodyError } from '../openai/error.js';
import { unixNow } from '../openai/response.js';

/** The parts of a GenerateContentResponse this mapping reads. */
export interface GeminiResponse {
  responseId?: unknown;
  modelVersion?: unknown;
  candidates?: Array<{
    content?: { parts?: Array<{ text?: unknown; thought?: unknown }> };
    finishReason?: unknown;
  }>;
  promptFeedback?: { blockReason?: unknown };
  usageMetadata?: GeminiUsage | null;
  error?: unknown;
}

/** usageMetadata as Gemini reports it. */
export interface GeminiUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
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
};

/** Returns the canonical finish_reason for a Gemini finishReason; one with no OpenAI equivalent (`OTHER`, `LANGUAGE`) passes through as Gemini spells it. */
export function finishReasonOf(finishReason: unknown): string | null {
  if (typeof finishReason !== 'string') return null;
  return FINISH_REASONS[finishReason] ?? finishReason;
}

/**
 * Returns canonical usage. Thinking tokens are billed as output, so they count as completion
 * tokens as OpenAI counts reasoning tokens; Gemini's prompt count already includes cached tokens.
 */
export function usageOf(usage: GeminiUsage): Usage {
  const prompt = usage.promptTokenCount ?? 0;
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

/** Returns the answer text of a response's first candidate: its text parts in order, thought summaries left out. */
export function candidateTextOf(response: GeminiResponse): string {
  const parts = response.candidates?.[0]?.content?.parts;
  if (!Array.isArray(parts)) return '';
  let text = '';
  for (const part of parts) {
    if (part.thought !== true && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/** Returns the finish_reason a response carries: its first candidate's, or `content_filter` when the prompt itself was blocked. */
export function responseFinishReasonOf(response: GeminiResponse): string | null {
  const candidate = response.candidates?.[0];
  if (candidate !== undefined) return finishReasonOf(candidate.finishReason);
  return response.promptFeedback?.blockReason !== undefined ? 'content_filter' : null;
}

/** Maps a generateContent body to a canonical completion (one choice: the request never asks for more candidates). */
export function fromResponse(body: unknown, target: UpstreamTarget): ChatCompletion {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw malformedBodyError('gemini', 'a 200 body that is not a JSON object');
  }
  const response = body as GeminiResponse;
  const hasCandidate = Array.isArray(response.candidates) && response.candidates.length > 0;
  const completion: ChatCompletion = {
    id: completionIdOf(response.responseId),
    object: 'chat.completion',
    created: unixNow(),
    model: typeof response.modelVersion === 'string' ? response.modelVersion : target.upstreamModel,
    choices: [
      {
        index: 0,
        // A blocked prompt has no candidate, hence no content at all.
        message: { role: 'assistant', content: hasCandidate ? candidateTextOf(response) : null },
        finish_reason: responseFinishReasonOf(response),
        logprobs: null,
      },
    ],
  };
  if (response.usageMetadata != null) completion.usage = usageOf(response.usageMetadata);
  return completion;
}
