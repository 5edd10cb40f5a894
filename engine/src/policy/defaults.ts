/**
 * Defaults the compiler fills in for fields a policy leaves out, each with its source. Kept in
 * one place so README, the schema's descriptions and the compiler cannot disagree.
 */
import { encodingForModel } from '../tokenizer.js';
import type { Capability, ProviderKind, ResilienceSpec, TokenizerKind } from './types.js';

/** Output tokens assumed when a request leaves max_tokens open and its route sets no expectation. */
export const DEFAULT_EXPECTED_OUTPUT_TOKENS = 256;

/** Share of the prompt assumed served from the provider's cache when a route sets no expectation: none. */
export const DEFAULT_EXPECTED_CACHED_SHARE = 0;

/**
 * Characters per token for providers whose tokenizers are not public, from their own docs:
 * Anthropic "about 3.5 English characters per token"; Google "a token is about 4 characters";
 * 4 is OpenAI's rule of thumb, used for every other OpenAI-compatible model.
 */
export const CHARS_PER_TOKEN: Record<ProviderKind, number> = { anthropic: 3.5, gemini: 4, openai: 4 };

/** OpenAI's image formula for GPT-4o: 85 tokens per image plus 170 per 512-px tile. */
export const IMAGE_BASE_TOKENS = 85;
export const IMAGE_TILE_TOKENS = 170;

/** How a model's tokens are counted when its policy entry does not say. */
export function defaultTokenizer(kind: ProviderKind, upstream: string): TokenizerKind {
  return kind === 'openai' ? (encodingForModel(upstream) ?? 'estimate') : 'estimate';
}

/**
 * What each provider kind's adapter can express (server/adapters/<kind>/request.ts): a model
 * whose entry does not list capabilities has its kind's, and a model may not claim one its kind
 * lacks. Anthropic's Messages API has tools and images but no response_format, logprobs or n
 * (the adapter refuses them); Gemini's adapter maps all five (responseMimeType/responseJsonSchema,
 * responseLogprobs, candidateCount); OpenAI-compatible servers take the request as it is.
 */
export const KIND_CAPABILITIES: Readonly<Record<ProviderKind, readonly Capability[]>> = {
  openai: ['tools', 'vision', 'json_mode', 'logprobs', 'multiple_choices'],
  gemini: ['tools', 'vision', 'json_mode', 'logprobs', 'multiple_choices'],
  anthropic: ['tools', 'vision'],
};

/** Quality tier of a model whose entry does not set one: the middle of 1..5. */
export const DEFAULT_QUALITY = 3;

/** Retries of one candidate when neither the route nor `defaults.retries` says. */
export const DEFAULT_RETRIES = 1;

/** Worst-case upstream calls per request a policy may allow when its `limits` do not say. */
export const DEFAULT_MAX_ATTEMPTS_PER_REQUEST = 12;

/**
 * Resilience defaults. Timeouts are sized for LLM calls: a long first-byte wait because a large
 * prompt can take a model a minute to start answering, a connect limit short enough that a dead
 * host fails over quickly. The retry budget (20% of a provider's requests over 10 s, at least 3)
 * keeps an outage from multiplying traffic, as gRPC's and Finagle's budgets do.
 */
export const DEFAULT_RESILIENCE: ResilienceSpec = {
  timeouts: { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000, totalMs: 600_000 },
  retry: { baseMs: 200, maxMs: 5_000, budgetRatio: 0.2, budgetWindowS: 10, budgetFloor: 3 },
  breaker: { windowS: 30, minRequests: 10, failureRate: 0.5, openS: 30, halfOpenProbes: 1 },
};
