/**
 * The local text embedding, the semantic cache's default embedder, and cosine similarity, both
 * computed in the core (engine/assembly/embed.ts describes the features and hashing).
 */
import { EMBED_DIM } from './features-abi.js';
import { coreBytes, textCore, writeText } from './text-core.js';

export { EMBED_DIM };

/** The EMBED_DIM-dimensional, L2-normalized embedding of `text` (all zeros for blank text). */
export function embed(text: string): Float32Array {
  const { ptr, len } = writeText(text);
  const at = textCore().embedText(ptr, len);
  const bytes = coreBytes();
  // A copy: the core reuses its vector on the next call.
  return new Float32Array(bytes.buffer.slice(at, at + EMBED_DIM * 4));
}

/**
 * Cosine similarity of two embeddings in [-1, 1]; 0 when either is all zeros. Throws a
 * RangeError unless both have EMBED_DIM components.
 */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== EMBED_DIM || b.length !== EMBED_DIM) {
    throw new RangeError(`embeddings must have ${EMBED_DIM} components, got ${a.length} and ${b.length}`);
  }
  const core = textCore();
  const pa = core.vectorPtr(0);
  const pb = core.vectorPtr(1);
  const memory = new Float32Array(coreBytes().buffer);
  memory.set(a, pa >>> 2);
  memory.set(b, pb >>> 2);
  return core.cosine(pa, pb);
}
