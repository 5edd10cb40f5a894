import { describe, expect, it } from 'vitest';
import { parseChatRequest, requestFeatures } from '../../../server/chat-request.js';
import { GatewayError } from '../../../server/errors.js';

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
    // A remote image of unknown size is assumed 1024 x 1024: 768 x 768 after scaling, 4 tiles.
    expect(f.images).toEqual({ count: 1, tiles: 4, sizesKnown: false });
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
});
