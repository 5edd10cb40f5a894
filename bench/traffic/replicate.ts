/**
 * Makes a traffic log of any size from a sample: the sample's records over and over, each copy
 * with its own ids and shifted a sample's span later, so the log stays in completion order and
 * spans proportionally more time. For benchmarks and memory tests of dry-run and diff.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { TrafficRecord } from '../../server/recording/types.js';

export interface ReplicateTarget {
  /** Stop after this many records... */
  records?: number;
  /** ...or once the file has this many bytes (whichever comes first). */
  bytes?: number;
}

/** A sample record split around the fields each copy changes. */
interface Template {
  v: number;
  id: string;
  at: number;
  done: number;
  /** The record's JSON without v, id, at and done, from its first remaining key on. */
  rest: string;
}

function templates(sampleFile: string): { items: Template[]; period: number } {
  const records = readFileSync(sampleFile, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as TrafficRecord);
  if (records.length === 0) throw new Error(`${sampleFile} holds no records`);
  const items = records.map(({ v, id, at, done, ...rest }) => ({ v, id, at, done, rest: JSON.stringify(rest).slice(1) }));
  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    first = Math.min(first, r.at);
    last = Math.max(last, r.done);
  }
  // A second between copies, so one copy's last completion is before the next one's first.
  return { items, period: last - first + 1000 };
}

/** Writes the log to `outFile`; resolves with how many records and bytes it holds. */
export async function replicateLog(sampleFile: string, outFile: string, target: ReplicateTarget): Promise<{ records: number; bytes: number }> {
  const maxRecords = target.records ?? Infinity;
  const maxBytes = target.bytes ?? Infinity;
  if (!Number.isFinite(maxRecords) && !Number.isFinite(maxBytes)) throw new Error('replicateLog: give records or bytes');
  const { items, period } = templates(sampleFile);
  const out = createWriteStream(outFile);
  let records = 0;
  let bytes = 0;
  let chunk = '';
  for (let copy = 0; records < maxRecords && bytes < maxBytes; copy++) {
    const shift = copy * period;
    for (const t of items) {
      if (records >= maxRecords || bytes >= maxBytes) break;
      const line = `{"v":${t.v},"id":${JSON.stringify(`${t.id}-${copy}`)},"at":${t.at + shift},"done":${t.done + shift},${t.rest}\n`;
      chunk += line;
      bytes += Buffer.byteLength(line);
      records++;
      if (chunk.length >= 1 << 20) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return { records, bytes };
}
