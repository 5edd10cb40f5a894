/**
 * Exact token counts for OpenAI's o200k_base and cl100k_base, computed in the WebAssembly core
 * (engine/assembly/tokenizer.ts): the count tiktoken's `encode_ordinary` gives, for any text.
 * The vocabularies are the binaries engine/gen/vocab.mjs writes to engine/build at build time;
 * each core instance loads them once.
 */
import { readFileSync, existsSync } from 'node:fs';
import type { CoreExports } from './abi.js';
import { EngineError } from './errors.js';
import { packagePath } from './package-root.js';
import { instantiateCore } from './wasm.js';

/** A BPE encoding the core counts exactly. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/** Every encoding the core counts, in the order of their ids in the core. */
export const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/** The core's id for each encoding (ENCODING_O200K, ENCODING_CL100K in the core). */
export const ENCODING_IDS: Record<EncodingName, number> = { o200k_base: 0, cl100k_base: 1 };

/** The core's countTokens answer (as u32) when that encoding's vocabulary is not loaded. */
export const TOKENS_UNAVAILABLE = 0xffffffff;

/** Why the core's loadVocab refused a binary: its VOCAB_* codes (engine/assembly/vocab.ts). */
export const VOCAB_LOAD_ERRORS: Readonly<Record<number, string>> = {
  1: 'unknown encoding',
  2: 'no buffer was reserved for it',
  3: 'truncated, or its sizes do not add up',
  4: 'not a vocabulary binary (bad magic)',
  5: 'written for another layout version',
  6: 'a binary of the other encoding',
  7: 'its hash table is corrupt',
  8: 'its checksum does not match',
};

/** The exports the tokenizer calls; the core has them whether or not abi.ts lists them yet. */
interface TokenizerExports {
  memory: WebAssembly.Memory;
  reserveText(len: number): number;
  reserveVocab(encoding: number, len: number): number;
  loadVocab(encoding: number, len: number): number;
  countTokens(encoding: number, ptr: number, len: number): number;
}

const binaries = new Map<EncodingName, Uint8Array>();
let shared: TokenizerExports | undefined;
const encoder = new TextEncoder();

/** The vocabulary binary of `encoding`, read from engine/build once per process. */
function vocabularyBinary(encoding: EncodingName): Uint8Array {
  let binary = binaries.get(encoding);
  if (binary === undefined) {
    const path = packagePath('engine', 'build', `${encoding}.bin`);
    if (!existsSync(path)) {
      throw new EngineError('SY_ENGINE_MISSING', `engine/build/${encoding}.bin not found: run \`npm run build\``);
    }
    binary = readFileSync(path);
    binaries.set(encoding, binary);
  }
  return binary;
}

/** Loads every encoding's vocabulary into `core`; throws an EngineError if the core refuses one. */
export function loadVocabularies(core: CoreExports): void {
  const t = core as unknown as TokenizerExports;
  for (const encoding of ENCODINGS) {
    const binary = vocabularyBinary(encoding);
    const id = ENCODING_IDS[encoding];
    const ptr = t.reserveVocab(id, binary.length) >>> 0;
    if (ptr === 0) throw new EngineError('SY_ENGINE_ABI', `the core has no vocabulary slot for ${encoding}`);
    new Uint8Array(t.memory.buffer, ptr, binary.length).set(binary);
    const status = t.loadVocab(id, binary.length) >>> 0;
    if (status !== 0) {
      const why = VOCAB_LOAD_ERRORS[status] ?? `code ${status}`;
      throw new EngineError('SY_ENGINE_ABI', `the core refused engine/build/${encoding}.bin (${why}): rebuild with \`npm run build\``);
    }
  }
}

/** The process-wide core instance this module counts with, created and loaded on first use. */
function sharedCore(): TokenizerExports {
  if (shared === undefined) {
    const core = instantiateCore();
    loadVocabularies(core);
    shared = core as unknown as TokenizerExports;
  }
  return shared;
}

/** Number of tokens `text` has under `encoding`, exactly as tiktoken's `encode_ordinary` counts them. */
export function countTokens(text: string, encoding: EncodingName): number {
  const id = ENCODING_IDS[encoding];
  if (id === undefined) throw new TypeError(`unknown encoding ${String(encoding)}`);
  if (text.length === 0) return 0;
  const core = sharedCore();
  // UTF-8 never needs more than 3 bytes per UTF-16 unit (a surrogate pair is 2 units, 4 bytes).
  const capacity = text.length * 3;
  const ptr = core.reserveText(capacity) >>> 0;
  // Lone surrogates become U+FFFD here, as they do in tiktoken's JS binding.
  const { written } = encoder.encodeInto(text, new Uint8Array(core.memory.buffer, ptr, capacity));
  const tokens = core.countTokens(id, ptr, written) >>> 0;
  if (tokens === TOKENS_UNAVAILABLE) throw new EngineError('SY_ENGINE_ABI', `the core has no ${encoding} vocabulary loaded`);
  return tokens;
}

// OpenAI's model families by encoding (as tiktoken's model table has them). A family name must
// end at a separator, so "o1" and "o1-mini" match but "o100" does not, and "gpt-4.1" is never
// taken for "gpt-4" (a version dot is only accepted in the o200k families, e.g. "gpt-5.1").
const MODEL_FAMILIES: ReadonlyArray<readonly [RegExp, EncodingName]> = [
  [/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4)([-.:]|$)/, 'o200k_base'],
  [/^(gpt-4|gpt-3\.5-turbo|gpt-35-turbo)([-:]|$)/, 'cl100k_base'],
  [/^text-embedding-(3-|ada-002)/, 'cl100k_base'],
];

/**
 * The encoding OpenAI's model `model` counts with, or null for a model this table does not know
 * (another provider's, or an OpenAI model of an older encoding). Accepts dated and suffixed names
 * (`gpt-4o-mini-2024-07-18`), fine-tunes (`ft:gpt-4o-mini:org::id`) and a routing prefix
 * (`openai/gpt-4.1`).
 */
export function encodingForModel(model: string): EncodingName | null {
  let name = model.trim().toLowerCase();
  name = name.slice(name.lastIndexOf('/') + 1);
  if (name.startsWith('ft:')) name = name.slice(3);
  for (const [family, encoding] of MODEL_FAMILIES) if (family.test(name)) return encoding;
  return null;
}
