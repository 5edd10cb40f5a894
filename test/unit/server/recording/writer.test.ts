import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrafficWriter } from '../../../../server/recording/writer.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'sy-writer-'));

describe('TrafficWriter', () => {
  it('writes every line, in order, by close', async () => {
    const path = join(dir(), 'a', 'traffic.jsonl');
    const writer = new TrafficWriter({ path, maxBytes: 1 << 20, keep: 2, flushMs: 10_000 });
    for (let i = 0; i < 1000; i++) writer.append(JSON.stringify({ i }));
    await writer.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).i as number);
    expect(lines).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('flushes on its own after flushMs, without close', async () => {
    const path = join(dir(), 'traffic.jsonl');
    const writer = new TrafficWriter({ path, maxBytes: 1 << 20, keep: 2, flushMs: 20 });
    writer.append('{"x":1}');
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(path, 'utf8')).toBe('{"x":1}\n');
    await writer.close();
  });

  it('rotates before a batch would pass maxBytes, keeps `keep` old files and never splits a line', async () => {
    const d = dir();
    const path = join(d, 'traffic.jsonl');
    const writer = new TrafficWriter({ path, maxBytes: 1000, keep: 2, flushMs: 10_000 });
    let written = 0;
    for (let batch = 0; batch < 12; batch++) {
      for (let i = 0; i < 3; i++) writer.append(JSON.stringify({ n: written++, pad: 'x'.repeat(80) }));
      await writer.flush();
    }
    await writer.close();
    expect(readdirSync(d).sort()).toEqual(['traffic.jsonl', 'traffic.jsonl.1', 'traffic.jsonl.2']);
    const all = ['traffic.jsonl.2', 'traffic.jsonl.1', 'traffic.jsonl'].flatMap((f) => readFileSync(join(d, f), 'utf8').trim().split('\n'));
    for (const f of ['traffic.jsonl', 'traffic.jsonl.1', 'traffic.jsonl.2']) expect(readFileSync(join(d, f)).length).toBeLessThanOrEqual(1000);
    const numbers = all.map((l) => JSON.parse(l).n as number);
    // The oldest files beyond `keep` are gone; what is kept is contiguous and ends with the last line.
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => written - numbers.length + i));
  });

  it('appends to an existing log and counts its size toward rotation', async () => {
    const d = dir();
    const path = join(d, 'traffic.jsonl');
    const first = new TrafficWriter({ path, maxBytes: 50, keep: 1 });
    first.append('{"a":"0123456789012345678901234567890"}');
    await first.close();
    const second = new TrafficWriter({ path, maxBytes: 50, keep: 1 });
    second.append('{"b":"0123456789012345678901234567890"}');
    await second.close();
    expect(readFileSync(`${path}.1`, 'utf8')).toContain('"a"');
    expect(readFileSync(path, 'utf8')).toContain('"b"');
  });
});
