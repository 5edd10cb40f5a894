/**
 * Appends traffic lines to a file in batches, off the request path, rotating by size: when the
 * next batch would take the file past `maxBytes`, it becomes FILE.1 (FILE.1 becomes FILE.2, ...,
 * up to `keep` old files). A line is never split across files. `close` writes everything left.
 */
import { mkdirSync, statSync } from 'node:fs';
import { appendFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WriterOptions {
  path: string;
  /** Rotate before the file would exceed this many bytes. */
  maxBytes: number;
  /** Rotated files kept (FILE.1 .. FILE.keep). */
  keep: number;
  /** Longest a line waits before it is written. */
  flushMs?: number;
}

/** Pending bytes past which a batch is written without waiting for the timer. */
const BATCH_BYTES = 256 * 1024;

export class TrafficWriter {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #flushMs: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  #size: number;
  #timer: NodeJS.Timeout | null = null;
  /** The write in progress; batches are written one after another, in order. */
  #chain: Promise<void> = Promise.resolve();
  #failure: Error | null = null;

  constructor(opts: WriterOptions) {
    this.path = opts.path;
    this.#maxBytes = opts.maxBytes;
    this.#keep = opts.keep;
    this.#flushMs = opts.flushMs ?? 200;
    mkdirSync(dirname(opts.path), { recursive: true });
    let size = 0;
    try {
      size = statSync(opts.path).size;
    } catch {
      // A new file.
    }
    this.#size = size;
  }

  /** The last write error, if any (the writer keeps the lines and retries on the next flush). */
  get failure(): Error | null {
    return this.#failure;
  }

  /** Queues one line (without its newline). */
  append(line: string): void {
    this.#pending.push(`${line}\n`);
    this.#pendingBytes += Buffer.byteLength(line) + 1;
    if (this.#pendingBytes >= BATCH_BYTES) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs);
  }

  /** Writes every queued line; resolves when they are in the file. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const lines = this.#pending;
    const bytes = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (lines.length > 0) this.#chain = this.#chain.then(() => this.#write(lines, bytes));
    return this.#chain;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  async #write(lines: string[], bytes: number): Promise<void> {
    try {
      if (this.#size > 0 && this.#size + bytes > this.#maxBytes) await this.#rotate();
      await appendFile(this.path, lines.join(''));
      this.#size += bytes;
      this.#failure = null;
    } catch (e) {
      // Keep the lines: a full disk or a moved directory must not lose records silently.
      this.#failure = e as Error;
      this.#pending = [...lines, ...this.#pending];
      this.#pendingBytes += bytes;
    }
  }

  async #rotate(): Promise<void> {
    await rm(`${this.path}.${this.#keep}`, { force: true });
    for (let i = this.#keep - 1; i >= 1; i--) {
      await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
    if (this.#keep > 0) await rename(this.path, `${this.path}.1`);
    else await rm(this.path, { force: true });
    this.#size = 0;
  }
}
