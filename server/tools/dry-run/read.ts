/**
 * Streams traffic records from one or more logs, merged into one sequence in completion order
 * (each log is written in that order). One line per file is held at a time, so a log of any
 * size runs in bounded memory. A line that is not a record is skipped and counted; the first one
 * is reported as file:line.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { RECORD_VERSION, type TrafficRecord } from '../../recording/types.js';

export interface ReadStats {
  records: number;
  skipped: number;
  /** `file:line: why` of the first skipped line. */
  firstSkipped: string | null;
  /** Bytes read so far over all files, for progress. */
  bytes: number;
}

interface Source {
  file: string;
  lines: AsyncIterator<string>;
  line: number;
  head: TrafficRecord | null;
}

/** Why `value` is not a record this version reads, or null when it is. */
function invalid(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const r = value as Partial<TrafficRecord>;
  if (r.v !== RECORD_VERSION) return `record version ${String(r.v)} (this switchyard reads ${RECORD_VERSION})`;
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
    let value: unknown;
    let why: string | null;
    try {
      value = JSON.parse(next.value);
      why = invalid(value);
    } catch (e) {
      why = `not JSON (${(e as Error).message})`;
    }
    if (why === null) {
      source.head = value as TrafficRecord;
      return;
    }
    stats.skipped++;
    stats.firstSkipped ??= `${source.file}:${source.line}: ${why}`;
  }
}

/** Every record of `files`, in completion order across them. */
export async function* readTraffic(files: readonly string[], stats: ReadStats): AsyncGenerator<TrafficRecord> {
  const sources: Source[] = files.map((file) => ({
    file,
    lines: createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity })[Symbol.asyncIterator](),
    line: 0,
    head: null,
  }));
  await Promise.all(sources.map((s) => advance(s, stats)));
  for (;;) {
    let next: Source | null = null;
    for (const s of sources) if (s.head && (next === null || s.head.done < next.head!.done)) next = s;
    if (next === null) return;
    const record = next.head!;
    stats.records++;
    yield record;
    await advance(next, stats);
  }
}
