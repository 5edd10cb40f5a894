// Deterministic reply text and token counts for the simulated providers.
//
// Every number here is the simulator's own approximation, NOT a real tokenizer: the sim must be
// cheap per request and predictable in tests, so one "token" is one generated word of the reply
// and a prompt is counted by bytes. Real token counting lives in the engine (exact BPE).

/** Words the simulated replies are made of: 64 entries, so a 6-bit draw picks one. */
export const SIM_WORDS: readonly string[] = [
  'route', 'cheap', 'model', 'token', 'answer', 'policy', 'cache', 'budget',
  'stream', 'latency', 'fallback', 'cascade', 'provider', 'request', 'reply', 'cost',
  'quick', 'small', 'large', 'steady', 'simple', 'clear', 'exact', 'plain',
  'river', 'stone', 'cloud', 'signal', 'switch', 'yard', 'track', 'train',
  'north', 'south', 'east', 'west', 'amber', 'green', 'blue', 'silver',
  'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight',
  'then', 'and', 'so', 'yet', 'also', 'still', 'here', 'there',
  'works', 'fits', 'holds', 'moves', 'waits', 'serves', 'counts', 'ends',
];

/** Returns the label every simulated reply starts with, e.g. `[simulated gpt-4o-mini]`. */
export function simulatedLabel(model: string): string {
  return `[simulated ${model}]`;
}

/** How long a completion is and whether the caller's token limit cut it short. */
export interface CompletionPlan {
  /** Completion tokens: reply words, one per streamed content chunk. */
  tokens: number;
  /** True when the requested limit was below the natural reply length (finish reason `length`). */
  truncated: boolean;
}

/** Returns the completion length: min(limit, replyTokens), truncated when the limit cut it. */
export function planCompletion(maxTokens: number | undefined, replyTokens: number): CompletionPlan {
  if (maxTokens === undefined || maxTokens >= replyTokens) return { tokens: replyTokens, truncated: false };
  return { tokens: maxTokens, truncated: true };
}

/**
 * Returns the reply as `tokens` pieces, one per token: the first is the label plus a word, each
 * later one a space and a word. Joined they are the reply text; streamed they are the content
 * chunks, so completion tokens always equal the number of content deltas. The words are drawn
 * from a PRNG seeded by the model and prompt, so the same request always gets the same reply.
 */
export function replyPieces(model: string, prompt: string, tokens: number): string[] {
  const pieces: string[] = new Array<string>(tokens);
  let state = seedOf(model, prompt);
  for (let i = 0; i < tokens; i++) {
    state = (state + 0x6d2b79f5) | 0;
    const word = SIM_WORDS[mulberry32(state) >>> 26] as string;
    pieces[i] = i === 0 ? `${simulatedLabel(model)} ${word}` : ` ${word}`;
  }
  return pieces;
}

/** Per-message overhead in the simulator's prompt count (OpenAI documents 3 for its chat format). */
export const PROMPT_TOKENS_PER_MESSAGE = 3;

/**
 * Returns the simulator's prompt token count: for each message, 3 plus ceil(UTF-8 bytes / 4) of
 * its text. An approximation of the usual ~4 bytes per token, not a real tokenizer.
 */
export function countPromptTokens(texts: readonly string[]): number {
  let total = 0;
  for (const text of texts) total += PROMPT_TOKENS_PER_MESSAGE + Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
  return total;
}

// FNV-1a over UTF-16 code units (http://www.isthe.com/chongo/tech/comp/fnv/): cheap, and stable
// across runs and machines, which is all a reply seed needs.
function seedOf(model: string, prompt: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < model.length; i++) h = Math.imul(h ^ model.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0, 0x01000193);
  for (let i = 0; i < prompt.length; i++) h = Math.imul(h ^ prompt.charCodeAt(i), 0x01000193);
  return h;
}

// The output function of mulberry32 (Tommy Ettinger's public-domain PRNG) for one state value.
function mulberry32(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
