import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../../../../../server/adapters/types.js';
import type { CompletedAttempt } from '../../../../../server/dispatch/attempt.js';
import type { Served } from '../../../../../server/dispatch/failover.js';
import { GatewayError } from '../../../../../server/errors.js';
import { clientUsage, createChunkEncoder, openaiChatWire } from '../../../../../server/ingress/openai/chat.js';

function chunk(content: string | null, usage?: ChatCompletionChunk['usage']): ChatCompletionChunk {
  const out: ChatCompletionChunk = { id: 'c1', object: 'chat.completion.chunk', created: 7, model: 'm', choices: content === null ? [] : [{ index: 0, delta: { content }, finish_reason: null }] };
  if (usage !== undefined) out.usage = usage;
  return out;
}

const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

describe('the OpenAI chunk encoder', () => {
  it('writes content chunks without usage, then the usage chunk when asked, the cost comment and [DONE]', () => {
    const encoder = createChunkEncoder(true);
    const out = encoder.push([chunk('a', null), chunk('b'), chunk(null, usage)]) + encoder.end(usage, '0.00000001');
    expect(out).toBe([
      'data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}',
      'data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":"b"},"finish_reason":null}]}',
      'data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
      ': x-switchyard-cost-usd=0.00000001',
      'data: [DONE]',
      '',
    ].join('\n\n'));
  });

  it('sends no usage chunk unless asked, and never the gateway-internal usage source', () => {
    const encoder = createChunkEncoder(false);
    expect(encoder.push([chunk(null, usage)])).toBe('');
    expect(encoder.end(usage, null)).toBe('data: [DONE]\n\n');
    const asked = createChunkEncoder(true);
    asked.push([chunk('x')]);
    expect(asked.end({ ...usage, switchyard_usage_source: 'counted' }, null)).not.toContain('switchyard_usage_source');
    expect(clientUsage({ ...usage, switchyard_usage_source: 'reported' })).toEqual(usage);
  });

  it('ends a cut stream with the error body and no [DONE]', () => {
    const out = createChunkEncoder(false).fail(new GatewayError('SY_STREAM_INTERRUPTED', 'cut'));
    expect(out).toBe(`data: ${JSON.stringify({ error: { message: 'cut', type: 'api_error', param: null, code: 'stream_interrupted' } })}\n\n`);
  });

  it('passes an OpenAI upstream body on as received and serialises the others', () => {
    const completion = { id: 'x', object: 'chat.completion' as const, created: 1, model: 'm', choices: [], usage: { ...usage, switchyard_usage_source: 'reported' as const } };
    const served = (result: CompletedAttempt): Served<CompletedAttempt> => ({ result } as Served<CompletedAttempt>);
    expect(openaiChatWire.completion(served({ completion, canonicalBody: '{"raw":true}' }))).toBe('{"raw":true}');
    expect(JSON.parse(openaiChatWire.completion(served({ completion, canonicalBody: null })))).toEqual({ ...completion, usage });
  });
});
