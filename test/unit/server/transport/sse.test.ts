import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SseEvent } from '../../../../server/adapters/types.js';
import { createSseParser } from '../../../../server/transport/sse.js';

const utf8 = new TextEncoder();

function parseAll(chunks: Array<Uint8Array | string>): SseEvent[] {
  const parser = createSseParser();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}

describe('createSseParser: one stream, fed whole', () => {
  it.each<[string, string, SseEvent[]]>([
    ['a data line', 'data: hello\n\n', [{ data: 'hello' }]],
    ['no space after the colon', 'data:hello\n\n', [{ data: 'hello' }]],
    ['only one leading space is stripped', 'data:  two\n\n', [{ data: ' two' }]],
    ['an event field names the type', 'event: add\ndata: 7\n\n', [{ event: 'add', data: '7' }]],
    ['multi-line data joins with LF', 'data: a\ndata: b\ndata: c\n\n', [{ data: 'a\nb\nc' }]],
    ['an empty data line is an empty line of data', 'data\ndata\n\n', [{ data: '\n' }]],
    ['`data:` alone is an event with empty data', 'data:\n\n', [{ data: '' }]],
    ['comments are ignored', ': keep-alive\ndata: x\n: more\n\n', [{ data: 'x' }]],
    ['a comment alone dispatches nothing', ':ping\n\n', []],
    ['an event without data is not dispatched and its type is reset', 'event: a\n\ndata: b\n\n', [{ data: 'b' }]],
    ['an empty event field means the default type', 'event:\ndata: b\n\n', [{ data: 'b' }]],
    ['the last event field wins', 'event: a\nevent: b\ndata: x\n\n', [{ event: 'b', data: 'x' }]],
    ['id, retry and unknown fields are ignored', 'id: 1\nretry: 10\nfoo: bar\ndata: x\n\n', [{ data: 'x' }]],
    ['field names are case-sensitive', 'Data: x\n\n', []],
    ['a colon inside the value is kept', 'data: {"a":"b:c"}\n\n', [{ data: '{"a":"b:c"}' }]],
    ['CRLF line endings', 'event: e\r\ndata: a\r\ndata: b\r\n\r\n', [{ event: 'e', data: 'a\nb' }]],
    ['CR line endings', 'data: a\rdata: b\r\r', [{ data: 'a\nb' }]],
    ['mixed line endings', 'data: a\r\ndata: b\rdata: c\n\r\n', [{ data: 'a\nb\nc' }]],
    ['several events', 'data: 1\n\ndata: 2\n\n\n\ndata: 3\n\n', [{ data: '1' }, { data: '2' }, { data: '3' }]],
    ['a leading byte order mark is dropped', '\uFEFFdata: x\n\n', [{ data: 'x' }]],
    ['a byte order mark inside a value is kept', 'data: \uFEFFx\n\n', [{ data: '\uFEFFx' }]],
    ['an event not closed by a blank line is discarded at the end', 'data: 1\n\ndata: cut', [{ data: '1' }]],
    ['a terminated line without the blank line is discarded at the end', 'data: 1\n\ndata: 2\n', [{ data: '1' }]],
    ['the OpenAI end sentinel', 'data: {"x":1}\n\ndata: [DONE]\n\n', [{ data: '{"x":1}' }, { data: '[DONE]' }]],
  ])('%s', (_name, stream, expected) => {
    expect(parseAll([stream])).toEqual(expected);
    expect(parseAll([utf8.encode(stream)])).toEqual(expected);
  });
});

describe('createSseParser: chunk boundaries', () => {
  it.each<[string, Array<Uint8Array | string>, SseEvent[]]>([
    ['a CRLF split between chunks is one line break', ['data: a\r', '\ndata: b\r\n\r\n'], [{ data: 'a\nb' }]],
    ['a CR at a chunk end followed by a non-LF', ['data: a\r', 'data: b\r\r'], [{ data: 'a\nb' }]],
    ['a CR, an empty chunk, then the LF', ['data: a\r', '', '\n\n'], [{ data: 'a' }]],
    ['a field name split between chunks', ['da', 'ta: x\n', '\n'], [{ data: 'x' }]],
    ['a byte order mark split across byte chunks', [Uint8Array.of(0xef, 0xbb), Uint8Array.of(0xbf), 'data: x\n\n'], [{ data: 'x' }]],
    [
      'a 4-byte character split inside its bytes',
      [Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xf0, 0x9f), Uint8Array.of(0x98), Uint8Array.of(0x80, 0x0a, 0x0a)],
      [{ data: '\u{1F600}' }],
    ],
    [
      'a 2-byte character split inside its bytes',
      [Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xc3), Uint8Array.of(0xa9, 0x0a, 0x0a)],
      [{ data: 'é' }],
    ],
    ['invalid UTF-8 becomes U+FFFD', [Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a)], [{ data: '\uFFFD' }]],
    ['an incomplete character at the end is discarded with its event', [Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xf0)], []],
  ])('%s', (_name, chunks, expected) => {
    expect(parseAll(chunks)).toEqual(expected);
  });

  it('returns each event from the push that completes it', () => {
    const parser = createSseParser();
    expect(parser.push('data: a\n')).toEqual([]);
    expect(parser.push('\ndata: b')).toEqual([{ data: 'a' }]);
    expect(parser.push('\n\n')).toEqual([{ data: 'b' }]);
    expect(parser.end()).toEqual([]);
  });
});

// A valid stream built from events, written with every variation the format allows; any way of
// cutting it into chunks must give back exactly the events.
const lineText = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
const eventArb = fc.record({
  event: fc.option(lineText.filter((s) => s !== ''), { nil: undefined }),
  lines: fc.array(lineText, { minLength: 1, maxLength: 4 }),
});
const newlineArb = fc.constantFrom('\n', '\r', '\r\n');
const streamArb = fc
  .array(
    fc.record({
      event: eventArb,
      newlines: fc.array(newlineArb, { minLength: 8, maxLength: 8 }),
      comment: fc.option(lineText, { nil: undefined }),
      spaceAfterColon: fc.boolean(),
    }),
    { maxLength: 6 },
  )
  .map((items) => {
    let text = '';
    const expected: SseEvent[] = [];
    for (const { event, newlines, comment, spaceAfterColon } of items) {
      const nl = (k: number) => newlines[k % newlines.length] as string;
      let k = 0;
      if (comment !== undefined) text += `:${comment}${nl(k++)}`;
      if (event.event !== undefined) text += `event: ${event.event}${nl(k++)}`;
      for (const line of event.lines) {
        // A value that starts with a space needs the separator space, or the parser eats its own.
        const sep = spaceAfterColon || line.startsWith(' ') ? ' ' : '';
        text += `data:${sep}${line}${nl(k++)}`;
      }
      // The blank line that ends the event: an LF right after a CR would only finish a CRLF.
      const blank = nl(k++);
      text += text.endsWith('\r') && blank === '\n' ? '\r\n' : blank;
      const out: SseEvent = { data: event.lines.join('\n') };
      if (event.event !== undefined) out.event = event.event;
      expected.push(out);
    }
    return { text, expected };
  });

function cutAt<T extends { slice(a: number, b?: number): T; length: number }>(whole: T, cuts: number[]): T[] {
  const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(whole.slice(from, point));
    from = point;
  }
  pieces.push(whole.slice(from));
  return pieces;
}

describe('createSseParser: properties', () => {
  it('any split of the UTF-8 bytes yields the same events', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 20 }), ({ text, expected }, cuts) => {
        const bytes = utf8.encode(text);
        expect(parseAll(cutAt(bytes, cuts))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('any split of the text yields the same events', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 20 }), ({ text, expected }, cuts) => {
        expect(parseAll(cutAt(text, cuts))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('byte-at-a-time feeding equals feeding the whole stream', () => {
    fc.assert(
      fc.property(streamArb, ({ text }) => {
        const bytes = utf8.encode(text);
        const oneByOne = Array.from(bytes, (b) => Uint8Array.of(b));
        expect(parseAll(oneByOne)).toEqual(parseAll([bytes]));
      }),
      { numRuns: 100 },
    );
  });
});
