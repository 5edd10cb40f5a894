/**
 * Defaults the compiler fills in for fields a policy leaves out, each with its source. Kept in
 * one place so README, the schema's descriptions and the compiler cannot disagree.
 */
import type { ProviderKind, TokenizerKind } from './types.js';

/** Output tokens assumed when a request leaves max_tokens open and its route sets no expectation. */
export const DEFAULT_EXPECTED_OUTPUT_TOKENS = 256;

/**
 * Characters per token for providers whose tokenizers are not public, from their own docs:
 * Anthropic "about 3.5 English characters per token"; Google "a token is about 4 characters";
 * 4 is OpenAI's rule of thumb, used for every other OpenAI-compatible model.
 */
export const CHARS_PER_TOKEN: Record<ProviderKind, number> = { anthropic: 3.5, gemini: 4, openai: 4 };

/** OpenAI's image formula for GPT-4o: 85 tokens per image plus 170 per 512-px tile. */
export const IMAGE_BASE_TOKENS = 85;
export const IMAGE_TILE_TOKENS = 170;

const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss)/;
const CL100K = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/;

/** The OpenAI encoding of an OpenAI model name, or null when it is not an OpenAI model. */
export function encodingForModel(model: string): 'o200k_base' | 'cl100k_base' | null {
  // Order matters: gpt-4o and gpt-4.1 start with gpt-4 too.
  if (O200K.test(model)) return 'o200k_base';
  if (CL100K.test(model)) return 'cl100k_base';
  return null;
}

/** How a model's tokens are counted when its policy entry does not say. */
export function defaultTokenizer(kind: ProviderKind, upstream: string): TokenizerKind {
  return kind === 'openai' ? (encodingForModel(upstream) ?? 'estimate') : 'estimate';
}
