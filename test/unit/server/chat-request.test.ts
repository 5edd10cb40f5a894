import { describe, expect, it } from 'vitest';
import { parseChatRequest, requestFeatures } from '../../../server/chat-request.js';
import { GatewayError } from '../../../server/errors.js';
import { readFileSync } from 'node:fs';
import { compilePolicySource } from '../../../engine/src/policy/compile.js';
import { Decider } from '../../../engine/src/decide.js';
import { countChatTokens } from '../../../engine/src/chat-tokens.js';
import { patchesFor } from '../../../engine/src/image-tokens.js';
import { packagePath } from '../../../engine/src/package-root.js';

describe('parseChatRequest', () => {
  it('accepts a minimal request and passes unknown fields through', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'x' }], seed: 7 };
    expect(parseChatRequest(body)).toBe(body);
  });

  it.each([
    [null, 'body'],
    [[1], 'body'],
    [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
    [{ model: '', messages: [{ role: 'user', content: 'x' }] }, 'model'],
    [{ model: 'm' }, 'messages'],
    [{ model: 'm', messages: ['hi'] }, 'messages[0]'],
    [{ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 1.5 }, 'max_completion_tokens'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], metadata: [] }, 'metadata'],
  ])('rejects %j naming %s', (body, param) => {
    const err = (() => {
      try {
        parseChatRequest(body);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).param).toBe(param);
    expect((err as GatewayError).status).toBe(400);
  });
});

describe('requestFeatures', () => {
  it('keeps each message with its text parts joined, and counts image tiles', () => {
    const f = requestFeatures(parseChatRequest({
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:x' } }, { type: 'text', text: ' here' }] },
        { role: 'assistant', content: null, tool_calls: [] },
      ],
    }));
    expect(f.messages).toEqual([
      { role: 'system', content: 'be brief', name: undefined },
      { role: 'user', content: 'look here', name: undefined },
      { role: 'assistant', content: '', name: undefined },
    ]);
    // A remote image of unknown size is assumed 1024 x 1024: 768 x 768 after scaling, 4 tiles;
    // and 32 x 32 = 1024 patches of 32 px, within the 1536-patch budget.
    expect(f.images).toEqual({ count: 1, tiles: 4, patches: 1024, sizesKnown: false, patchesKnown: false });
  });

  it('prefers max_completion_tokens over max_tokens and reads stream and metadata', () => {
    const f = requestFeatures(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 10, max_completion_tokens: 20, stream: true, metadata: { tier: 3, vip: true } }));
    expect(f.maxTokens).toBe(20);
    expect(f.stream).toBe(true);
    expect(f.metadata).toEqual({ tier: '3', vip: 'true' });
  });

  it('leaves max tokens open when the client does', () => {
    expect(requestFeatures(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).maxTokens).toBeNull();
  });

  it('marks what the decision must find a capable model for: JSON mode, log probabilities, several choices', () => {
    const of = (extra: Record<string, unknown>) => {
      const f = requestFeatures(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], ...extra }));
      return { jsonMode: f.jsonMode, logprobs: f.logprobs, choices: f.choices };
    };
    expect(of({})).toEqual({ jsonMode: false, logprobs: false, choices: undefined });
    expect(of({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }).jsonMode).toBe(true);
    expect(of({ logprobs: true }).logprobs).toBe(true);
    expect(of({ logprobs: true, top_logprobs: 2 }).logprobs).toBe(true);
    // The values that ask for nothing (server/adapters/unsupported.ts NO_OP_VALUES) mark nothing.
    expect(of({ logprobs: false, top_logprobs: 0 }).logprobs).toBe(false);
    expect(of({ n: 3 }).choices).toBe(3);
  });
});

describe('requestFeatures: images priced as countChatTokens prices them', () => {
  // policies/default.yaml with one route listing the vision models of both formulas.
  const source = `${readFileSync(packagePath('policies', 'default.yaml'), 'utf8')}
  - { name: vision-check, match: { model: vision-check }, retries: 0, candidates: [gpt-4.1-mini, gpt-4.1-nano, o4-mini, gpt-5-mini, gpt-5-nano, gpt-5, o3, gpt-4o, gpt-4o-mini, gpt-4.1] }
`;
  const compiled = compilePolicySource(source, 'default.yaml');
  if (!compiled.ok) throw new Error(compiled.errors.map((e) => e.message).join('\n'));
  const decider = new Decider(compiled.compiled);

  /** A PNG data URL: the header is all the size reader needs. */
  const png = (width: number, height: number): string => {
    const b = Buffer.alloc(24);
    b.writeUInt32BE(0x89504e47, 0);
    b.writeUInt32BE(0x0d0a1a0a, 4);
    b.writeUInt32BE(13, 8);
    b.write('IHDR', 12, 'latin1');
    b.writeUInt32BE(width, 16);
    b.writeUInt32BE(height, 20);
    return `data:image/png;base64,${b.toString('base64')}`;
  };

  it.each([
    ['gpt-4.1-mini', 1659], // 1024 patches x 1.62
    ['gpt-4.1-nano', 2520], // 1024 x 2.46 = 2519.04
    ['o4-mini', 1762], // 1024 x 1.72 = 1761.28
    ['gpt-5-mini', 1659],
    ['gpt-5-nano', 2520],
    ['gpt-5', 70 + 4 * 140],
    ['o3', 75 + 4 * 150],
    ['gpt-4o', 85 + 4 * 170],
    ['gpt-4o-mini', 2833 + 4 * 5667],
    ['gpt-4.1', 85 + 4 * 170],
  ])('a 1024 x 1024 image on %s: the decision counts what countChatTokens counts (%i image tokens)', (model, imageTokens) => {
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: png(1024, 1024), detail: 'high' } }] }];
    const features = requestFeatures(parseChatRequest({ model: 'vision-check', messages }));
    const candidate = decider.decide(features).candidates.find((c) => c.model === model)!;
    const counted = countChatTokens(messages, model);
    expect(candidate.promptTokens).toBe(counted.tokens);
    expect(candidate.promptTokensExact).toBe(true);
    expect(counted.exact).toBe(true);
    const textOnly = countChatTokens([{ role: 'user', content: 'What is in this picture?' }], model);
    expect(candidate.promptTokens - textOnly.tokens).toBe(imageTokens);
  });

  it('marks a remote low-detail image exact on a tile model (the base only) and an estimate on a patch model', () => {
    const messages = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } }] }];
    const features = requestFeatures(parseChatRequest({ model: 'vision-check', messages }));
    expect(features.images).toEqual({ count: 1, tiles: 0, patches: 1024, sizesKnown: true, patchesKnown: false });
    const d = decider.decide(features);
    const exact = (model: string): boolean => d.candidates.find((c) => c.model === model)!.promptTokensExact;
    expect([exact('gpt-4o'), exact('gpt-5'), exact('gpt-4.1-mini'), exact('o4-mini')]).toEqual([true, true, false, false]);
    expect(countChatTokens(messages, 'gpt-4.1-mini').exact).toBe(false);
  });

  it('sums the patches of several images; a remote one is assumed 1024 x 1024 and marked an estimate', () => {
    const messages = [{ role: 'user', content: [
      { type: 'image_url', image_url: { url: png(4096, 4096) } }, // fitted to 2048 x 2048, shrunk to the 1536-patch budget
      { type: 'image_url', image_url: { url: png(100, 50) } }, // 4 x 2 patches
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
    ] }];
    const features = requestFeatures(parseChatRequest({ model: 'vision-check', messages }));
    expect(features.images).toMatchObject({ count: 3, patches: patchesFor(2048, 2048) + 8 + 1024, sizesKnown: false });
    const candidate = decider.decide(features).candidates.find((c) => c.model === 'gpt-4.1-mini')!;
    expect(candidate.promptTokensExact).toBe(false);
    // One rounding per request: within one token per extra image of the per-image sum.
    const counted = countChatTokens(messages, 'gpt-4.1-mini');
    expect(counted.tokens - candidate.promptTokens).toBeGreaterThanOrEqual(0);
    expect(counted.tokens - candidate.promptTokens).toBeLessThanOrEqual(2);
  });
});
