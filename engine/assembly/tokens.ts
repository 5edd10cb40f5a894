// Prompt token estimate. Exact BPE counting (o200k_base / cl100k_base) replaces this in the
// next step of the core (issue 3); until then the decision marks the count as an estimate.
// 4 UTF-8 bytes per token is OpenAI's published rule of thumb for English text.
const BYTES_PER_TOKEN: u32 = 4;

/** Estimated tokens in `len` bytes of UTF-8 prompt text. */
export function estimatePromptTokens(len: u32): u32 {
  return (len + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
}
