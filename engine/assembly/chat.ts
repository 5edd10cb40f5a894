// Prompt tokens of a chat request, per tokenizer, with the overhead OpenAI documents for chat
// models ("How to count tokens with tiktoken", OpenAI cookbook): 3 tokens per message, 1 more
// per `name`, and 3 that prime the reply (<|start|>assistant<|message|>). Tool definitions are
// counted by the host with this core's countTokens (their formula walks JSON schemas) and
// arrive as REQ_TOOL_TOKENS_*; images by the formula of the model's record (OpenAI's tiles or
// patches, engine/src/image-tokens.ts has the guide's rules).
import {
  REQ_SEGMENT_COUNT, REQ_MESSAGE_COUNT, REQ_IMAGE_COUNT, REQ_IMAGE_TILES, REQ_IMAGE_PATCHES, REQ_TOOL_TOKENS_O200K, REQ_TOOL_TOKENS_CL100K,
  REQ_TOOL_CHARS, SEG_OFFSET, SEG_LENGTH, SEG_KIND, SEGMENT_SIZE, SEG_ROLE, SEG_NAME, SEG_CONTENT, REQ_FLAGS, FLAG_EMBEDDING,
  TOKENIZER_O200K, TOKENIZER_CL100K, PM_IMAGE_BASE, PM_IMAGE_TILE, PM_IMAGE_PATCH_MULT, PM_CHARS_PER_TOKEN,
} from "./layout";
import { countTokens, ENCODING_O200K, ENCODING_CL100K } from "./tokenizer";
import { modelAt } from "./program";

const TOKENS_PER_MESSAGE: u32 = 3;
const TOKENS_PER_NAME: u32 = 1;
const REPLY_PRIMING_TOKENS: u32 = 3;

/**
 * The largest single content segment of the last count, in tokens (exactPromptTokens) and in
 * code points (promptChars): an embeddings request's inputs are embedded one by one, so the
 * longest, not the sum, must fit a model's window.
 */
export let largestTokens: u32 = 0;
export let largestChars: u32 = 0;

@inline function isEmbedding(req: usize): bool {
  return (load<u32>(req, REQ_FLAGS) & FLAG_EMBEDDING) != 0;
}

/**
 * Exact prompt tokens under an OpenAI encoding (TOKENIZER_O200K or TOKENIZER_CL100K), images
 * excluded. Embeddings inputs carry no chat overhead: their tokens are only their text's.
 */
export function exactPromptTokens(tokenizer: u32, req: usize, text: usize, segs: usize): u32 {
  const encoding = tokenizer == TOKENIZER_CL100K ? ENCODING_CL100K : ENCODING_O200K;
  const count = load<u32>(req, REQ_SEGMENT_COUNT);
  const embedding = isEmbedding(req);
  let total: u32 = embedding ? 0 : REPLY_PRIMING_TOKENS;
  largestTokens = 0;
  for (let i: u32 = 0; i < count; i++) {
    const seg = segs + <usize>(i * SEGMENT_SIZE);
    const kind = load<u32>(seg, SEG_KIND);
    if (embedding && kind != SEG_CONTENT) continue;
    if (kind == SEG_ROLE) total += TOKENS_PER_MESSAGE;
    else if (kind == SEG_NAME) total += TOKENS_PER_NAME;
    const len = load<u32>(seg, SEG_LENGTH);
    if (len == 0) continue;
    const tokens = countTokens(encoding, text + <usize>load<u32>(seg, SEG_OFFSET), len);
    total += tokens;
    if (kind == SEG_CONTENT && tokens > largestTokens) largestTokens = tokens;
  }
  if (!embedding) total += tokenizer == TOKENIZER_CL100K ? load<u32>(req, REQ_TOOL_TOKENS_CL100K) : load<u32>(req, REQ_TOOL_TOKENS_O200K);
  return total;
}

/** Unicode code points of every segment (contents only for embeddings), the basis of estimates. */
export function promptChars(req: usize, text: usize, segs: usize): u32 {
  const count = load<u32>(req, REQ_SEGMENT_COUNT);
  const embedding = isEmbedding(req);
  let chars: u32 = embedding ? 0 : load<u32>(req, REQ_TOOL_CHARS);
  largestChars = 0;
  for (let i: u32 = 0; i < count; i++) {
    const seg = segs + <usize>(i * SEGMENT_SIZE);
    const kind = load<u32>(seg, SEG_KIND);
    if (embedding && kind != SEG_CONTENT) continue;
    const start = text + <usize>load<u32>(seg, SEG_OFFSET);
    const end = start + <usize>load<u32>(seg, SEG_LENGTH);
    let n: u32 = 0;
    // A code point starts at every byte that is not a UTF-8 continuation byte (10xxxxxx).
    for (let p = start; p < end; p++) n += <u32>((load<u8>(p) & 0xc0) != 0x80);
    chars += n;
    if (kind == SEG_CONTENT && n > largestChars) largestChars = n;
  }
  return chars;
}

/** Estimated prompt tokens for model `m` from characters, with the same per-message overhead (none for embeddings). */
export function estimatedPromptTokens(m: u32, req: usize, chars: u32): u32 {
  const perToken = load<f64>(modelAt(m), PM_CHARS_PER_TOKEN);
  const text = <u32>Math.ceil(<f64>chars / perToken);
  if (isEmbedding(req)) return text;
  return text + load<u32>(req, REQ_MESSAGE_COUNT) * TOKENS_PER_MESSAGE + REPLY_PRIMING_TOKENS;
}

/**
 * Image tokens for model `m` by its OpenAI formula: with a patch multiplier (hundredths),
 * ceil(patches x multiplier); else base per image plus tile per 512-px tile. Patches arrive
 * summed over the request's images, so the rounding is per request where OpenAI's is per image:
 * at most one token less per image beyond the first.
 */
export function imageTokens(m: u32, req: usize): u32 {
  const model = modelAt(m);
  const mult = load<u32>(model, PM_IMAGE_PATCH_MULT);
  if (mult != 0) return <u32>((<u64>load<u32>(req, REQ_IMAGE_PATCHES) * <u64>mult + 99) / 100);
  return load<u32>(req, REQ_IMAGE_COUNT) * load<u32>(model, PM_IMAGE_BASE) + load<u32>(req, REQ_IMAGE_TILES) * load<u32>(model, PM_IMAGE_TILE);
}

export { TOKENIZER_O200K };
