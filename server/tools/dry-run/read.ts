/**
 * Streams traffic records from one or more logs in arrival order. Each log is written in
 * completion order, so the logs are merged by `done` first (one line per file held at a time),
 * then put back into arrival order by `at` within a bounded window (arrival-order.ts). Memory
 * stays bounded for a log of any size. A line that is not a record is skipped and counted; the
 * first one is reported as file:line.
 */
import { createReadStream } from 'node:fs';
import { READABLE_RECORD_VERSIONS, type TrafficRecord } from '../../recording/types.js';
import { expandRecord } from '../../recording/line.js';
import { ArrivalOrder, type ArrivalOrderOptions } from './arrival-order.js';

export interface ReadStats {
  records: number;
  skipped: number;
  /** `file:line: why` of the first skipped line. */
  firstSkipped: string | null;
  /** Bytes read so far over all files, for progress. */
  bytes: number;
  /** Records emitted after one that arrived later (slower than the reorder window, or the buffer was full). */
  outOfOrder: number;
}

export const emptyReadStats = (): ReadStats => ({ records: 0, skipped: 0, firstSkipped: null, bytes: 0, outOfOrder: 0 });

/**
 * A line held for reordering. Held lines are kept as the text they are when the recorder's
 * prefix gives their times (a flat string costs the garbage collector far less, over the minutes
 * a line may wait, than the many objects of a parsed record); parsed when emitted.
 */
interface Pending {
  at: number;
  done: number;
  text: string | null;
  record: TrafficRecord | null;
  file: string;
  line: number;
}

interface Source {
  file: string;
  lines: AsyncIterator<string>;
  line: number;
  head: Pending | null;
}

/** How the recorder (and bench/traffic/replicate.ts) starts every line: the version, id and both times. */
const PREFIX = new RegExp(`^\\{"v":(?:${READABLE_RECORD_VERSIONS.join('|')}),"id":"(?:[^"\\\\]|\\\\.)*","at":(-?\\d+(?:\\.\\d+)?),"done":(-?\\d+(?:\\.\\d+)?),`);

/**
 * The lines of a file, without their \n (or \r\n). Not node:readline: its per-line regular
 * expression and event plumbing were a sixth of dry-run's time, and a log has no lone \r.
 */
async function* linesOf(file: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

/** Why `value` is not a record this version reads, or null when it is. */
function invalid(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const r = value as Partial<TrafficRecord>;
  if (!READABLE_RECORD_VERSIONS.includes(r.v as number)) return `record version ${String(r.v)} (this switchyard reads ${READABLE_RECORD_VERSIONS.join(' and ')})`;
  if (typeof r.done !== 'number' || typeof r.at !== 'number') return 'no `at`/`done` times';
  if (typeof r.request?.counts?.o200k !== 'number') return 'no request counts';
  if (typeof r.outcome !== 'object' || r.outcome === null) return 'no outcome';
  return null;
}

async function advance(source: Source, stats: ReadStats): Promise<void> {
  source.head = null;
  for (;;) {
    const next = await source.lines.next();
    if (next.done) return;
    source.line++;
    stats.bytes += Buffer.byteLength(next.value) + 1;
    if (next.value.trim() === '') continue;
    const times = PREFIX.exec(next.value);
    if (times) {
      source.head = { at: Number(times[1]), done: Number(times[2]), text: next.value, record: null, file: source.file, line: source.line };
      return;
    }
    // Not the recorder's own prefix (written by something else): read it whole now.
    const record = parse(next.value, source.file, source.line, stats);
    if (record) {
      source.head = { at: record.at, done: record.done, text: null, record, file: source.file, line: source.line };
      return;
    }
  }
}

/** The record a line holds, or null (counted as skipped, the first one with file:line) when it holds none. */
function parse(text: string, file: string, line: number, stats: ReadStats): TrafficRecord | null {
  let value: unknown;
  let why: string | null;
  try {
    value = JSON.parse(text);
    why = invalid(value);
  } catch (e) {
    why = `not JSON (${(e as Error).message})`;
  }
  if (why === null) return expandRecord(value as TrafficRecord);
  stats.skipped++;
  stats.firstSkipped ??= `${file}:${line}: ${why}`;
  return null;
}

const recordOf = (p: Pending, stats: ReadStats): TrafficRecord | null => p.record ?? parse(p.text!, p.file, p.line, stats);

/**
 * Every record of `files`, in arrival order across them: merged by completion (each log's own
 * order), then reordered by arrival within the bounds of arrival-order.ts. One generator, not
 * two stacked, as every record passes through it.
 */
export async function* readTraffic(files: readonly string[], stats: ReadStats, order?: ArrivalOrderOptions): AsyncGenerator<TrafficRecord> {
  const sources: Source[] = files.map((file) => ({
    file,
    lines: linesOf(file),
    line: 0,
    head: null,
  }));
  await Promise.all(sources.map((s) => advance(s, stats)));
  const arrival = new ArrivalOrder<Pending>(order);
  const ready: Pending[] = [];
  for (let reading = true; reading;) {
    let next: Source | null = null;
    for (const s of sources) if (s.head && (next === null || s.head.done < next.head!.done)) next = s;
    if (next === null) {
      // Every log is read: what the reorder still holds goes out, in arrival order.
      arrival.flush(ready);
      reading = false;
    } else {
      arrival.push(next.head!, ready);
      await advance(next, stats);
    }
    if (ready.length === 0) continue;
    stats.outOfOrder = arrival.outOfOrder;
    for (const p of ready) {
      const record = recordOf(p, stats);
      if (record === null) continue;
      stats.records++;
      yield record;
    }
    ready.length = 0;
  }
  stats.outOfOrder = arrival.outOfOrder;
}
