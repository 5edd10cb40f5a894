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
