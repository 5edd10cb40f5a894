import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORD_VERSION } from '../../../../../server/recording/types.js';
import { emptyReadStats, readTraffic } from '../../../../../server/tools/dry-run/read.js';
import type { ArrivalOrderOptions } from '../../../../../server/tools/dry-run/arrival-order.js';

const T0 = Date.UTC(2026, 10, 20, 12);
/** The least a line needs to be read as a record. */
const line = (id: string, at: number, done: number): string =>
  JSON.stringify({ v: RECORD_VERSION, id, at: T0 + at, done: T0 + done, request: { counts: { o200k: 1 } }, outcome: {} });

/** A log as the recorder writes it: one line per request, appended when it completes. */
function log(records: Array<[id: string, at: number, done: number]>): string {
  const sorted = [...records].sort((a, b) => a[2] - b[2]);
  const file = join(mkdtempSync(join(tmpdir(), 'sy-read-')), 'traffic.jsonl');
  writeFileSync(file, `${sorted.map(([id, at, done]) => line(id, at, done)).join('\n')}\n`);
  return file;
}

async function read(files: string[], order?: ArrivalOrderOptions): Promise<{ ids: string[]; outOfOrder: number; records: number }> {
  const stats = emptyReadStats();
  const ids: string[] = [];
  for await (const r of readTraffic(files, stats, order)) ids.push(r.id);
  return { ids, outOfOrder: stats.outOfOrder, records: stats.records };
}

describe('readTraffic', () => {
  it('replays one log, written in completion order, in arrival order', async () => {
    // a is slow: it arrives first and completes last.
    const file = log([['a', 0, 9_000], ['b', 1_000, 1_200], ['c', 2_000, 2_100], ['d', 10_000, 10_050]]);
    expect(await read([file])).toEqual({ ids: ['a', 'b', 'c', 'd'], outOfOrder: 0, records: 4 });
  });

  it('reads \\r\\n line ends, blank lines and a last line without a newline', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sy-read-')), 'traffic.jsonl');
    writeFileSync(file, `${line('a', 0, 10)}\r\n\r\n${line('b', 20, 30)}\n${line('c', 40, 50)}`);
    expect(await read([file])).toEqual({ ids: ['a', 'b', 'c'], outOfOrder: 0, records: 3 });
  });

  it('merges two logs into one arrival order', async () => {
    const one = log([['b', 100, 200], ['a', 0, 500], ['e', 20 * 60_000, 20 * 60_000 + 10]]);
    const two = log([['c', 50, 300], ['d', 600, 700], ['f', 20 * 60_000 + 5, 20 * 60_000 + 6]]);
    expect(await read([one, two])).toEqual({ ids: ['a', 'c', 'b', 'd', 'e', 'f'], outOfOrder: 0, records: 6 });
  });

  it('emits a record once completions are a window past its arrival, and counts what then comes out of order', async () => {
    // b completes 200 ms after it arrived; a completes 500 ms after. With a 100 ms window b is
    // emitted before a is read: a is out of order, and said to be.
    const file = log([['a', 0, 500], ['b', 100, 300]]);
    expect(await read([file], { windowMs: 100 })).toEqual({ ids: ['b', 'a'], outOfOrder: 1, records: 2 });
    expect(await read([file])).toEqual({ ids: ['a', 'b'], outOfOrder: 0, records: 2 });
  });

  it('holds at most maxBuffered records, emitting the earliest when full', async () => {
    const file = log([['a', 0, 900], ['b', 100, 200], ['c', 300, 400], ['d', 50, 950]]);
    // Done order b, c, a, d. With one record held, reading the next emits the earliest held: b
    // (when c is read), then a, then d; both arrived before b, so they are counted out of order.
    expect(await read([file], { maxBuffered: 1 })).toEqual({ ids: ['b', 'a', 'd', 'c'], outOfOrder: 2, records: 4 });
    expect((await read([file])).ids).toEqual(['a', 'd', 'b', 'c']);
  });
});

describe('readTraffic: lines held as text until emitted', () => {
  it('skips a line with the recorder\'s prefix that is not a whole record, saying where', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sy-read-')), 'traffic.jsonl');
    // The second line was cut short (a crash mid-write): its times parse, the rest does not.
    writeFileSync(file, `${line('a', 0, 10)}\n${line('b', 5, 20).slice(0, 60)}\n${line('c', 30, 40)}\n`);
    const stats = emptyReadStats();
    const ids: string[] = [];
    for await (const r of readTraffic([file], stats)) ids.push(r.id);
    expect(ids).toEqual(['a', 'c']);
    expect(stats).toMatchObject({ records: 2, skipped: 1, firstSkipped: expect.stringMatching(/traffic\.jsonl:2: not JSON/) });
  });
});
