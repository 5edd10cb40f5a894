import { get_encoding } from 'tiktoken';
import { afterAll, describe, expect, it } from 'vitest';
import { countChatTokens } from '../../../../engine/src/chat-tokens.js';

const o200k = get_encoding('o200k_base');
const cl100k = get_encoding('cl100k_base');
afterAll(() => {
  o200k.free();
  cl100k.free();
});

/** The OpenAI cookbook's num_tokens_from_messages, with tiktoken itself as the counter. */
function cookbook(enc: typeof o200k, messages: Array<Record<string, string>>): number {
  let n = 3;
  for (const m of messages) {
    n += 3;
    for (const [key, value] of Object.entries(m)) {
      n += enc.encode_ordinary(value).length;
      if (key === 'name') n += 1;
    }
  }
  return n;
}

/** A data URL holding just a PNG header of `width` x `height`: enough for the size. */
function png(width: number, height: number): string {
  const b = Buffer.alloc(33);
  b.writeUInt32BE(0x89504e47, 0);
  b.writeUInt32BE(0x0d0a1a0a, 4);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return `data:image/png;base64,${b.toString('base64')}`;
}

/** Image tokens of one image on `model`: the count with it minus the count of the same text alone. */
function imageTokensOn(model: string, url: string, detail?: string): { tokens: number; exact: boolean } {
  const text = { type: 'text', text: 'What is this?' };
  const plain = countChatTokens([{ role: 'user', content: [text] }], model);
  const withImage = countChatTokens([{ role: 'user', content: [text, { type: 'image_url', image_url: { url, ...(detail ? { detail } : {}) } }] }], model);
  return { tokens: withImage.tokens - plain.tokens, exact: withImage.exact };
}

const conversation = [
  { role: 'system', content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.' },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
  { role: 'user', content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];

describe('countChatTokens', () => {
  it('matches the OpenAI cookbook count for gpt-4o (o200k_base) and gpt-4 (cl100k_base)', () => {
    expect(countChatTokens(conversation, 'gpt-4o')).toEqual({ tokens: cookbook(o200k, conversation), exact: true, tokenizer: 'o200k_base' });
    expect(countChatTokens(conversation, 'gpt-4-0613')).toEqual({ tokens: cookbook(cl100k, conversation), exact: true, tokenizer: 'cl100k_base' });
  });

  it('counts text parts and images', () => {
    const withImage = [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] }];
    const plain = countChatTokens([{ role: 'user', content: 'What is this?' }], 'gpt-4o');
    expect(countChatTokens(withImage, 'gpt-4o')).toEqual({ ...plain, tokens: plain.tokens + 85 });
    const remote = countChatTokens([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }], 'gpt-4o');
    expect(remote.exact).toBe(false);
  });

  // OpenAI "Images and vision", Calculating costs: base + tile per 512-px tile. A 1024 x 1024 image
  // at high detail scales to 768 x 768, which is 4 tiles.
  it.each([
    ['gpt-4o', 85, 170],
    ['gpt-4.1', 85, 170],
    ['gpt-4o-mini', 2833, 5667],
    ['gpt-4o-mini-2024-07-18', 2833, 5667],
    ['o3', 75, 150],
    ['o1', 75, 150],
    ['gpt-5', 70, 140],
    ['gpt-5-chat-latest', 70, 140],
  ])('prices images on %s by its own tile formula (%i + %i per tile)', (model, base, tile) => {
    expect(imageTokensOn(model, png(1024, 1024), 'low')).toEqual({ tokens: base, exact: true });
    expect(imageTokensOn(model, png(1024, 1024), 'high')).toEqual({ tokens: base + 4 * tile, exact: true });
    // The guide's 2048 x 4096 example: 768 x 1536, 6 tiles.
    expect(imageTokensOn(model, png(2048, 4096), 'high')).toEqual({ tokens: base + 6 * tile, exact: true });
  });

  it('prices gpt-4.1-mini images by 32-px patches times 1.62 (the guide\'s worked examples)', () => {
    // 1024 x 1024: 32 x 32 = 1024 patches, under the 1,536 budget; ceil(1024 x 1.62) = 1659.
    expect(imageTokensOn('gpt-4.1-mini', png(1024, 1024), 'high')).toEqual({ tokens: 1659, exact: true });
    // 1800 x 2400: 57 x 75 = 4275 patches, shrunk to 1056 x 1408 = 33 x 44 = 1452; ceil(1452 x 1.62) = 2353.
    expect(imageTokensOn('gpt-4.1-mini', png(1800, 2400), 'high')).toEqual({ tokens: 2353, exact: true });
    // Other patch models differ only in the multiplier.
    expect(imageTokensOn('gpt-4.1-nano', png(1024, 1024), 'high').tokens).toBe(Math.ceil(1024 * 2.46));
    expect(imageTokensOn('o4-mini', png(1024, 1024), 'high').tokens).toBe(Math.ceil(1024 * 1.72));
    expect(imageTokensOn('gpt-5-mini', png(1024, 1024), 'high').tokens).toBe(1659);
    expect(imageTokensOn('gpt-5-nano', png(1024, 1024), 'high').tokens).toBe(Math.ceil(1024 * 2.46));
  });

  it('counts detail auto (and no detail) as high, but as an estimate: OpenAI picks the detail', () => {
    expect(imageTokensOn('gpt-4o', png(1024, 1024), 'auto')).toEqual({ tokens: 765, exact: false });
    expect(imageTokensOn('gpt-4o', png(1024, 1024))).toEqual({ tokens: 765, exact: false });
    expect(imageTokensOn('gpt-4.1-mini', png(1024, 1024), 'auto')).toEqual({ tokens: 1659, exact: false });
  });

  it('prices images on a model the table does not know by the GPT-4o formula, as an estimate', () => {
    // gpt-5.2 is a patch model the table leaves out; the `gpt-5` row must not swallow it.
    expect(imageTokensOn('gpt-5.2', png(1024, 1024), 'high')).toEqual({ tokens: 765, exact: false });
    expect(imageTokensOn('gpt-4-turbo', png(1024, 1024), 'low')).toEqual({ tokens: 85, exact: false });
    // Without images the text count of such a model stays exact.
    expect(countChatTokens([{ role: 'user', content: 'hi' }], 'gpt-5.2').exact).toBe(true);
  });

  it('adds tool definitions', () => {
    const tools = [{ type: 'function', function: { name: 'get_time', description: 'Current time.', parameters: { type: 'object', properties: {} } } }];
    const without = countChatTokens([{ role: 'user', content: 'time?' }], 'gpt-4o').tokens;
    expect(countChatTokens([{ role: 'user', content: 'time?' }], 'gpt-4o', { tools }).tokens).toBe(without + 7 + o200k.encode_ordinary('get_time:Current time').length + 12);
  });

  it('estimates Claude and Gemini from characters, and says so', () => {
    const text = 'x'.repeat(350);
    const claude = countChatTokens([{ role: 'user', content: text }], 'claude-sonnet-4-5');
    expect(claude).toEqual({ tokens: Math.ceil((350 + 4) / 3.5) + 3 + 3, exact: false, tokenizer: 'estimate' });
    expect(countChatTokens([{ role: 'user', content: text }], 'gemini-2.5-pro').tokens).toBe(Math.ceil((350 + 4) / 4) + 3 + 3);
  });
});
