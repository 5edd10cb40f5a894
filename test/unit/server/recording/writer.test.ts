import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TrafficWriter, type WriterSink } from '../../../../server/recording/writer.js';

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

/** A sink that keeps what the writer says. */
function sink(): { lines: Array<[level: string, msg: string]>; dropped: number[]; sink: WriterSink } {
  const lines: Array<[string, string]> = [];
  const dropped: number[] = [];
  const at = (level: string) => (msg: string): void => { lines.push([level, msg]); };
  return { lines, dropped, sink: { log: { info: at('info'), warn: at('warn'), error: at('error') }, dropped: (n) => dropped.push(n) } };
}

describe('TrafficWriter when the file cannot be written', () => {
  it('keeps the lines and logs the failure once, not once per line or per retry', async () => {
    const path = join(dir(), 'traffic.jsonl');
    mkdirSync(path); // a directory where the file should be
    const writer = new TrafficWriter({ path, maxBytes: 1 << 20, keep: 1, flushMs: 10_000, retryMs: 5, retryMaxMs: 10 });
    const said = sink();
    writer.reportTo(said.sink);
    for (let i = 0; i < 3; i++) writer.append(JSON.stringify({ i }));
    await writer.flush();
    writer.append(JSON.stringify({ i: 3 }));
    await writer.flush();
    // Retries on the timer fail the same way: still one line.
    await vi.waitFor(() => expect(said.lines.length).toBe(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(writer.failure).not.toBeNull();
    expect(writer.pending).toBe(4);
    expect(said.lines).toHaveLength(1);
    expect(said.lines[0]![0]).toBe('error');
    expect(said.lines[0]![1]).toContain(path);
    expect(said.lines[0]![1]).toContain('EISDIR');
    rmSync(path, { recursive: true });
    await writer.close();
  });

  it('writes the kept lines, in order, on its own once the path is writable again, and says so', async () => {
    const path = join(dir(), 'traffic.jsonl');
    mkdirSync(path);
    const writer = new TrafficWriter({ path, maxBytes: 1 << 20, keep: 1, flushMs: 10_000, retryMs: 5, retryMaxMs: 20 });
    const said = sink();
    writer.reportTo(said.sink);
    for (let i = 0; i < 5; i++) writer.append(JSON.stringify({ i }));
    await writer.flush();
    for (let i = 5; i < 10; i++) writer.append(JSON.stringify({ i }));
    expect(writer.pending).toBe(10);
    rmSync(path, { recursive: true });
    // No append, no flush, no close: the retry timer writes them.
    await vi.waitFor(() => expect(existsSync(path) && writer.pending === 0).toBe(true), { timeout: 5000 });
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).i as number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(writer.failure).toBeNull();
    expect(said.lines.map(([level]) => level)).toEqual(['error', 'warn']);
    expect(said.lines[1]![1]).toMatch(/writable again.*10 record\(s\) written/);
    // Lines after the recovery follow the kept ones.
    writer.append(JSON.stringify({ i: 10 }));
    expect(await writer.close()).toBe(0);
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).i as number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('recreates a removed directory', async () => {
    const d = join(dir(), 'logs');
    const path = join(d, 'traffic.jsonl');
    const writer = new TrafficWriter({ path, maxBytes: 1 << 20, keep: 1, flushMs: 10_000, retryMs: 5 });
    writer.reportTo(sink().sink);
    rmSync(d, { recursive: true });
    writer.append('{"a":1}');
    await writer.flush();
    expect(writer.failure).not.toBeNull();
    await vi.waitFor(() => expect(writer.pending).toBe(0), { timeout: 5000 });
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n');
    await writer.close();
  });

  it('bounds what it keeps: drops the oldest lines past maxPendingBytes and counts them', async () => {
    const path = join(dir(), 'traffic.jsonl');
    mkdirSync(path);
    const writer = new TrafficWriter({ path, maxBytes: 1 << 20, keep: 1, flushMs: 10_000, retryMs: 60_000, maxPendingBytes: 33 });
    const said = sink();
    writer.reportTo(said.sink);
    const line = (i: number): string => JSON.stringify({ i: 1000 + i });
    expect(Buffer.byteLength(line(0)) + 1).toBe(11);
    writer.append(line(0));
    await writer.flush(); // fails: from now on every append is bounded
    for (let i = 1; i < 12; i++) writer.append(line(i));
    // 33 bytes hold 3 lines of 11: the 9 oldest are gone, each counted once.
    expect(writer.pending).toBe(3);
    expect(writer.dropped).toBe(9);
    expect(said.dropped.reduce((a, b) => a + b, 0)).toBe(9);
    // The first drop is said once, not once per line.
    expect(said.lines.filter(([, msg]) => /dropping the oldest/.test(msg))).toHaveLength(1);
    rmSync(path, { recursive: true });
    expect(await writer.close()).toBe(0);
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).i as number)).toEqual([1009, 1010, 1011]);
    expect(said.lines.some(([level, msg]) => level === 'error' && /9 record\(s\) were dropped/.test(msg))).toBe(true);
  });

  it('close with an unwritable path tries once more, then reports the lines it could not write, and returns', async () => {
    const path = join(dir(), 'traffic.jsonl');
    mkdirSync(path);
    const writer = new TrafficWriter({ path, maxBytes: 1 << 20, keep: 1, flushMs: 10_000, retryMs: 60_000 });
    const said = sink();
    writer.reportTo(said.sink);
    for (let i = 0; i < 3; i++) writer.append(JSON.stringify({ i }));
    expect(await writer.close()).toBe(3);
    expect(said.lines.at(-1)).toEqual(['error', expect.stringMatching(/3 record\(s\) could not be written to .*traffic\.jsonl at shutdown/)]);
    // Nothing was written anywhere, and nothing keeps the process waiting.
    expect(readdirSync(path)).toEqual([]);
  });
});
