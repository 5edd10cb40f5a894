import { describe, expect, it } from 'vitest';
import { withMalformedEvent } from '../../../../bench/sim/malformed.js';
import type { StreamReply } from '../../../../bench/sim/wire.js';
import { createSseParser } from '../../../../server/transport/sse.js';

const reply: StreamReply = { kind: 'stream', contentType: 'text/event-stream', head: 'data: {"h":1}\n\n', content: ['data: {"c":0}\n\n', 'data: {"c":1}\n\n'], tail: 'data: [DONE]\n\n' };

/** The events' data fields, and which of them is not JSON. */
function events(r: StreamReply): { data: string[]; broken: number[] } {
  const parser = createSseParser();
  const data = [...parser.push(new TextEncoder().encode(r.head + r.content.join('') + r.tail)), ...parser.end()].map((e) => e.data);
  const broken = data.flatMap((d, i) => {
    if (d === '[DONE]') return [];
    try {
      JSON.parse(d);
      return [];
    } catch {
      return [i];
    }
  });
  return { data, broken };
}

describe('withMalformedEvent', () => {
  it('puts one broken event after N content frames and keeps every other event whole', () => {
    for (const provider of ['openai', 'anthropic', 'gemini'] as const) {
      const { data, broken } = events(withMalformedEvent(reply, provider, 1));
      expect(data).toHaveLength(5);
      expect(broken).toEqual([2]);
      expect(data.filter((_, i) => i !== 2)).toEqual(['{"h":1}', '{"c":0}', '{"c":1}', '[DONE]']);
    }
  });

  it('with 0 the broken event comes first of all, before the head; past the content it precedes the tail', () => {
    expect(events(withMalformedEvent(reply, 'openai', 0)).broken).toEqual([0]);
    expect(events(withMalformedEvent(reply, 'anthropic', 9)).broken).toEqual([3]);
  });

  it('names the event as Anthropic does', () => {
    expect(withMalformedEvent(reply, 'anthropic', 0).head).toMatch(/^event: content_block_delta\n/);
  });
});
