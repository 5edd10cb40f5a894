/** Provider kind -> embeddings adapter. Anthropic has no embeddings API, so no entry. */
import type { AdapterKind } from '../registry.js';
import { geminiEmbeddings } from './gemini.js';
import { openaiEmbeddings } from './openai.js';
import type { EmbeddingsAdapter } from './types.js';

const EMBEDDINGS: Partial<Record<AdapterKind, EmbeddingsAdapter>> = {
  openai: openaiEmbeddings,
  gemini: geminiEmbeddings,
};

/** The embeddings adapter for a provider kind; undefined when the kind has no embeddings API. */
export function getEmbeddingsAdapter(kind: string): EmbeddingsAdapter | undefined {
  return Object.hasOwn(EMBEDDINGS, kind) ? EMBEDDINGS[kind as AdapterKind] : undefined;
}
