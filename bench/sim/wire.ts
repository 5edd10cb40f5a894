// Writing the sim's answers onto the socket: JSON bodies, event streams (with chunk delays and
// mid-stream cuts) and resets. The provider modules decide what to say; this module says it.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Header on every sim response, so nothing downstream can mistake it for a real provider. */
export const SIMULATED_HEADER = 'x-simulated';

/** A complete JSON answer: status and serialized body. */
export interface JsonReply {
  kind: 'json';
  status: number;
  body: string;
}

/** A streamed answer, already framed in the provider's wire format. */
export interface StreamReply {
  kind: 'stream';
  contentType: string;
  /** Frames before the content (OpenAI role chunk; Anthropic message_start, content_block_start, ping). */
  head: string;
  /** One frame per completion token. */
  content: string[];
  /** Frames after the content (finish, usage, [DONE]; content_block_stop, message_delta, message_stop). */
  tail: string;
}

/** What a provider module answers to one request. */
export type Reply = JsonReply | StreamReply;

/** Per-request inputs a provider module needs besides the body. */
export interface ReplyContext {
  /** Unique suffix for the response id (chatcmpl-…, msg_…). */
  id: string;
  /** Unix time in seconds, for OpenAI `created`. */
  nowS: number;
  /** Completion length when the request sets no token limit. */
  replyTokens: number;
}

/** Timers the sim owns, so close() can cancel every pending answer. */
export interface TimerSet {
  add(t: NodeJS.Timeout): void;
  delete(t: NodeJS.Timeout): void;
}

/** Returns a JSON reply with the given status and body (serialized unless already a string). */
export function jsonReply(status: number, body: unknown): JsonReply {
  return { kind: 'json', status, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** Runs `fn` after `ms`, registered in `timers` so that closing the sim cancels it. */
export function later(timers: TimerSet, ms: number, fn: () => void): void {
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
}

/** Writes a JSON reply; with `cut`, sends the headers and half the body, then drops the socket. */
export function sendJson(res: ServerResponse, reply: JsonReply, extra: OutgoingHttpHeaders | undefined, cut = false): void {
  const bytes = Buffer.byteLength(reply.body, 'utf8');
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': bytes,
    [SIMULATED_HEADER]: 'true',
    ...extra,
  });
  if (!cut) {
    res.end(reply.body);
    return;
  }
  const buf = Buffer.from(reply.body, 'utf8');
  res.write(buf.subarray(0, buf.length >> 1), () => res.destroy());
}

/**
 * Writes a streamed reply. With no chunk delay the whole stream goes out in one write (one
 * syscall: the cheapest for benchmarks); with a delay, each content frame is its own write,
 * which goes out at once because the socket has Nagle off. `cutAfter` >= 0 sends that many
 * content frames, then destroys the socket once they are flushed, never sending the tail.
 * `stallAfter` >= 0 sends that many, then nothing more, leaving the connection open (until the
 * client gives up or the sim closes).
 */
export function sendStream(
  res: ServerResponse,
  reply: StreamReply,
  extra: OutgoingHttpHeaders | undefined,
  chunkDelayMs: number,
  cutAfter: number,
  timers: TimerSet,
  stallAfter = -1,
): void {
  res.writeHead(200, {
    'content-type': reply.contentType,
    'cache-control': 'no-cache',
    [SIMULATED_HEADER]: 'true',
    ...extra,
  });
  res.socket?.setNoDelay(true);
  const content = reply.content;
  const cutAt = cutAfter >= 0 && cutAfter < content.length ? cutAfter : -1;
  const stallAt = cutAt < 0 && stallAfter >= 0 && stallAfter < content.length ? stallAfter : -1;

  if (chunkDelayMs <= 0) {
    if (stallAt >= 0) {
      const text = reply.head + content.slice(0, stallAt).join('');
      if (text === '') res.flushHeaders();
      else res.write(text);
    } else if (cutAt < 0) {
      res.end(reply.head + content.join('') + reply.tail);
    } else {
      writeThenCut(res, reply.head + content.slice(0, cutAt).join(''));
    }
    return;
  }

  // The head frame is written with the headers, so the client sees the stream open at once.
  if (cutAt === 0) {
    writeThenCut(res, reply.head);
    return;
  }
  if (reply.head === '') res.flushHeaders();
  else res.write(reply.head);
  let next = 0;
  const step = (): void => {
    if (res.destroyed || next === stallAt) return;
    if (next < content.length) {
      const frame = content[next++] as string;
      if (next === cutAt) {
        writeThenCut(res, frame);
        return;
      }
      res.write(frame);
      later(timers, chunkDelayMs, step);
      return;
    }
    res.end(reply.tail);
  };
  later(timers, chunkDelayMs, step);
}

/** Drops the connection with a TCP RST before any byte of a response is written. */
export function resetSocket(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

// Sends `text` (and the headers, if not yet sent), then drops the connection once it is flushed,
// so the client gets a response that stops mid-body: no [DONE], no message_stop.
function writeThenCut(res: ServerResponse, text: string): void {
  if (text !== '') {
    res.write(text, () => res.destroy());
    return;
  }
  // Nothing to write but the headers: end the socket after them (a write of '' has no flush to wait for).
  res.flushHeaders();
  res.socket?.end();
}
