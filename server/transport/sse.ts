/**
 * An incremental server-sent-events parser, following "Parsing an event stream" and
 * "Interpreting an event stream" of the WHATWG HTML standard
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * Upstream bodies arrive in chunks cut anywhere: inside a line, between the CR and LF of a CRLF,
 * or inside a multi-byte UTF-8 character. The parser keeps only the unterminated tail of the
 * current line and the event being built, so its work is linear in the bytes received.
 */
import type { SseEvent } from '../adapters/types.js';

/** Feeds chunks in, takes complete events out. */
export interface SseParser {
  /** Events completed by this chunk (zero or more), in stream order. */
  push(chunk: Uint8Array | string): SseEvent[];
  /**
   * Marks the end of the stream. Per the standard an event not closed by a blank line is
   * discarded ("if the file ends in the middle of an event ... the incomplete event is not
   * dispatched"), so a stream cut mid-event never yields a half event; this returns no events
   * and exists so callers can treat every stream the same way.
   */
  end(): SseEvent[];
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = 0xfeff;

/** Returns a parser for one event stream. `id` and `retry` fields are read and ignored: the gateway never reconnects an upstream stream. */
export function createSseParser(): SseParser {
  // fatal: false is the standard's "UTF-8 decode": invalid bytes become U+FFFD, never a throw.
  // The decoder also drops a leading byte order mark, as the standard requires.
  const decoder = new TextDecoder('utf-8');
  let line = '';
  let data = '';
  let hasData = false;
  let eventType = '';
  // A CR ended the last line; an LF that starts the next chunk belongs to the same CRLF.
  let skipLeadingLf = false;
  let atStreamStart = true;

  function dispatch(out: SseEvent[]): void {
    if (hasData) {
      // The standard appends LF after every data line and removes the final one here.
      const event: SseEvent = { data: data.slice(0, -1) };
      if (eventType !== '') event.event = eventType;
      out.push(event);
    }
    data = '';
    hasData = false;
    eventType = '';
  }

  function processLine(text: string, out: SseEvent[]): void {
    if (text.length === 0) {
      dispatch(out);
      return;
    }
    if (text.charCodeAt(0) === COLON) return; // comment, e.g. a keep-alive
    const colon = text.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = text;
      value = '';
    } else {
      field = text.slice(0, colon);
      const valueStart = text.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
      value = text.slice(valueStart);
    }
    if (field === 'data') {
      data += value + '\n';
      hasData = true;
    } else if (field === 'event') {
      eventType = value;
    }
  }

  function push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (text.length === 0) return [];
    if (atStreamStart) {
      atStreamStart = false;
      // String input never went through the decoder, so its byte order mark is still there.
      if (typeof chunk === 'string' && text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    const out: SseEvent[] = [];
    let start = 0;
    if (skipLeadingLf) {
      skipLeadingLf = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    const length = text.length;
    for (let i = start; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      processLine(line === '' ? text.slice(start, i) : line + text.slice(start, i), out);
      line = '';
      if (c === CR) {
        if (i + 1 < length) {
          if (text.charCodeAt(i + 1) === LF) i++;
        } else {
          skipLeadingLf = true;
        }
      }
      start = i + 1;
    }
    if (start < length) line += text.slice(start);
    return out;
  }

  function end(): SseEvent[] {
    decoder.decode();
    line = '';
    data = '';
    hasData = false;
    eventType = '';
    return [];
  }

  return { push, end };
}
