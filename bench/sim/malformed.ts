// A malformed event inside an otherwise valid stream: the event a provider's encoder might emit
// when it breaks mid-record. Each wire format gets an event that looks like its own (the right
// SSE `event:` name, the start of the right JSON record) but whose JSON never closes.
import type { Provider } from './route.js';
import type { StreamReply } from './wire.js';

/** Returns `reply` with one malformed event after `afterChunks` content frames (0: before the head). */
export function withMalformedEvent(reply: StreamReply, provider: Provider, afterChunks: number): StreamReply {
  const bad = malformedFrame(provider, reply.contentType);
  if (afterChunks === 0) return { ...reply, head: bad + reply.head };
  // Sent with the next frame, not the last good one, so with a chunk delay the good frames
  // reach the client before the broken one does.
  if (afterChunks >= reply.content.length) return { ...reply, tail: bad + reply.tail };
  const content = reply.content.slice();
  content[afterChunks] = bad + (content[afterChunks] as string);
  return { ...reply, content };
}

function malformedFrame(provider: Provider, contentType: string): string {
  if (provider === 'anthropic') {
    return 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"bro\n\n';
  }
  if (provider === 'gemini') {
    // Gemini without alt=sse streams one JSON array; a broken record breaks the array.
    if (!contentType.startsWith('text/event-stream')) return '{"candidates":[{"content":,\r\n';
    return 'data: {"candidates":[{"content":{"parts":[{"text":"bro\r\n\r\n';
  }
  return 'data: {"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"bro\n\n';
}
