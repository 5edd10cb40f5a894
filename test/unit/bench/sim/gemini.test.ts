import { describe, expect, it } from 'vitest';
import { geminiAuth, geminiFault, geminiGenerate } from '../../../../bench/sim/gemini.js';
import type { JsonReply, StreamReply } from '../../../../bench/sim/wire.js';

const ctx = { id: 'g1', nowS: 1_800_000_000, replyTokens: 16 };
const body = { contents: [{ role: 'user', parts: [{ text: 'hello' }] }], generationConfig: { maxOutputTokens: 3 } };

describe('geminiGenerate', () => {
  it('answers generateContent with candidates, finishReason and usageMetadata', () => {
    const r = geminiGenerate('gemini-2.0-flash', { ...body, systemInstruction: { parts: [{ text: 'sys' }] } }, 'none', ctx) as JsonReply;
    expect(r.status).toBe(200);
    const b = JSON.parse(r.body);
    expect(b).toMatchObject({
      candidates: [{ content: { role: 'model', parts: [{ text: expect.stringMatching(/^\[simulated gemini-2.0-flash\] \w+ \w+ \w+$/) }] }, finishReason: 'MAX_TOKENS', index: 0 }],
      usageMetadata: { promptTokenCount: 4 + 5, candidatesTokenCount: 3, totalTokenCount: 12 },
      modelVersion: 'gemini-2.0-flash',
      responseId: 'simg1',
    });
    const natural = JSON.parse((geminiGenerate('g', { contents: body.contents }, 'none', ctx) as JsonReply).body);
    expect(natural.candidates[0].finishReason).toBe('STOP');
    expect(natural.usageMetadata.candidatesTokenCount).toBe(16);
  });

  it('streams SSE records with cumulative usage and finishReason on the last', () => {
    const s = geminiGenerate('g', body, 'sse', ctx) as StreamReply;
    expect(s.contentType).toBe('text/event-stream');
    expect(s.content).toHaveLength(3);
    const records = s.content.map((frame) => {
      expect(frame).toMatch(/^data: .*\r\n\r\n$/s);
      return JSON.parse(frame.slice(6));
    });
    expect(records.map((r) => r.usageMetadata.candidatesTokenCount)).toEqual([1, 2, 3]);
    expect(records.map((r) => r.candidates[0].finishReason)).toEqual([undefined, undefined, 'MAX_TOKENS']);
    expect(s.head + s.tail).toBe('');
  });

  it('streams a JSON array without alt=sse', () => {
    const s = geminiGenerate('g', body, 'array', ctx) as StreamReply;
    const parsed = JSON.parse(s.head + s.content.join('') + s.tail);
    expect(parsed).toHaveLength(3);
    expect(parsed[2].candidates[0].finishReason).toBe('MAX_TOKENS');
  });

  it('rejects missing contents and bad maxOutputTokens with INVALID_ARGUMENT', () => {
    for (const bad of [{}, { contents: [] }, { contents: body.contents, generationConfig: { maxOutputTokens: 'x' } }]) {
      const r = geminiGenerate('g', bad, 'none', ctx) as JsonReply;
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: expect.any(String) });
    }
  });
});

describe('Gemini errors and auth', () => {
  it('pairs statuses with google.rpc names', () => {
    expect(JSON.parse(geminiFault(429).body)).toEqual({ error: { code: 429, message: expect.stringMatching(/^\[simulated\]/), status: 'RESOURCE_EXHAUSTED' } });
    expect(JSON.parse(geminiFault(503).body).error.status).toBe('UNAVAILABLE');
    expect(JSON.parse(geminiFault(500).body).error.status).toBe('INTERNAL');
  });

  it('accepts the key by header or query and answers like Gemini otherwise', () => {
    expect(geminiAuth({ 'x-goog-api-key': 'k' }, '', 'k')).toBeUndefined();
    expect(geminiAuth({}, 'alt=sse&key=k', 'k')).toBeUndefined();
    const wrong = geminiAuth({ 'x-goog-api-key': 'bad' }, '', 'k')!;
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] });
    const missing = geminiAuth({}, '', 'k')!;
    expect(missing.status).toBe(403);
    expect(JSON.parse(missing.body).error.status).toBe('PERMISSION_DENIED');
  });
});
