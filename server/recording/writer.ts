/**
 * Appends traffic lines to a file in batches, off the request path, rotating by size: when the
 * next batch would take the file past `maxBytes`, it becomes FILE.1 (FILE.1 becomes FILE.2, ...,
 * up to `keep` old files). A line is never split across files.
 *
 * A write that fails (a full disk, the file replaced by a directory, a removed directory) keeps
 * its lines, in order, and is retried on a timer with backoff; each distinct error is logged
 * once, and so is the recovery. What waits is bounded (`maxPendingBytes`): past it the oldest
 * lines are dropped and counted, because a gateway that cannot write its log must keep serving.
 * `close` tries once more and reports the lines it could not write, without waiting forever.
 */
import { mkdirSync, statSync } from 'node:fs';
import { appendFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WriterOptions {
  path: string;
  /** Rotate before the file would exceed this many bytes. */
  maxBytes: number;
  /** Rotated files kept (FILE.1 .. FILE.keep). */
  keep: number;
  /** Longest a line waits before it is written. */
  flushMs?: number;
  /** Bytes of lines kept while the file cannot be written; past it the oldest are dropped. */
  maxPendingBytes?: number;
  /** First retry after a failed write, doubling on each failure up to `retryMaxMs`. */
  retryMs?: number;
  retryMaxMs?: number;
  /** Longest `close` waits for its last write. */
  closeTimeoutMs?: number;
}

/** Where the writer says what went wrong: the server's logger (and metrics) once the app exists. */
export interface WriterSink {
  log: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
  /** Lines dropped because the queue was full. */
  dropped?(lines: number): void;
}

/** Pending bytes past which a batch is written without waiting for the timer. */
const BATCH_BYTES = 256 * 1024;
/** 64 MiB: some 40,000 records of a few KB, under a minute of a busy gateway, hours of a quiet one. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;
const DEFAULT_RETRY_MS = 1000;
const DEFAULT_RETRY_MAX_MS = 30_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

/** Until the server hands over its logger: standard error, so no failure is silent. */
const STDERR_SINK: WriterSink = {
  log: {
    info: (msg) => process.stderr.write(`switchyard: ${msg}\n`),
    warn: (msg) => process.stderr.write(`switchyard: ${msg}\n`),
    error: (msg) => process.stderr.write(`switchyard: ${msg}\n`),
  },
};

const errorKey = (e: Error): string => `${(e as NodeJS.ErrnoException).code ?? ''}:${e.message}`;

export class TrafficWriter {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #flushMs: number;
  readonly #maxPendingBytes: number;
  readonly #retryMs: number;
  readonly #retryMaxMs: number;
  readonly #closeTimeoutMs: number;
  #sink: WriterSink = STDERR_SINK;
  #pending: string[] = [];
  #pendingBytes = 0;
  /** Lines taken by the write in progress. */
  #inFlight = 0;
  #size: number;
  /** The next flush: after flushMs, or the next retry while the file cannot be written. */
  #timer: NodeJS.Timeout | null = null;
  /** The write in progress; each write takes every line queued when it starts, so order holds across retries. */
  #chain: Promise<void> = Promise.resolve();
  #failure: Error | null = null;
  /** The failure last logged, so a retry failing the same way says nothing new. */
  #loggedFailure: string | null = null;
  #failedWrites = 0;
  #backoffMs: number;
  /** Lines dropped since the last successful write (logged on recovery), and ever. */
  #droppedSinceWrite = 0;
  #dropped = 0;
  #closed = false;

  constructor(opts: WriterOptions) {
    this.path = opts.path;
    this.#maxBytes = opts.maxBytes;
    this.#keep = opts.keep;
    this.#flushMs = opts.flushMs ?? 200;
    this.#maxPendingBytes = opts.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.#retryMs = opts.retryMs ?? DEFAULT_RETRY_MS;
    this.#retryMaxMs = opts.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
    this.#closeTimeoutMs = opts.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.#backoffMs = this.#retryMs;
    mkdirSync(dirname(opts.path), { recursive: true });
    let size = 0;
    try {
      const stat = statSync(opts.path);
      if (stat.isFile()) size = stat.size;
    } catch {
      // A new file.
    }
    this.#size = size;
  }

  /** Reports failures and dropped lines to `sink` from now on. */
  reportTo(sink: WriterSink): void {
    this.#sink = sink;
  }

  /** The last write error; null once a write succeeds again. */
  get failure(): Error | null {
    return this.#failure;
  }

  /** Lines waiting to be written. */
  get pending(): number {
    return this.#pending.length + this.#inFlight;
  }

  /** Lines dropped because the queue was full, since the writer started. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues one line (without its newline). */
  append(line: string): void {
    this.#pending.push(`${line}\n`);
    this.#pendingBytes += Buffer.byteLength(line) + 1;
    if (this.#failure) {
      // The retry timer writes them; until then the queue must stay within its bound.
      this.#bound();
      this.#schedule(this.#backoffMs);
    } else if (this.#pendingBytes >= BATCH_BYTES) void this.flush();
    else this.#schedule(this.#flushMs);
  }

  /** Writes every queued line; resolves when the attempt is over (see `failure`, `pending`). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#chain = this.#chain.then(() => this.#write());
    return this.#chain;
  }

  /**
   * Writes what is left, trying once more if the file could not be written, and resolves with
   * the number of lines that could not be (logged). Waits at most closeTimeoutMs for the write.
   */
  async close(): Promise<number> {
    this.#closed = true;
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.flush().then(() => false),
      new Promise<boolean>((resolve) => { timeout = setTimeout(() => resolve(true), this.#closeTimeoutMs); }),
    ]);
    clearTimeout(timeout);
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const unwritten = this.pending;
    if (unwritten > 0) {
      const why = timedOut ? `the write did not finish within ${this.#closeTimeoutMs} ms` : this.#failure?.message ?? 'unknown error';
      this.#sink.log.error(`traffic log: ${unwritten} record(s) could not be written to ${this.path} at shutdown and are lost (${why})`);
    }
    if (this.#dropped > 0) this.#sink.log.error(`traffic log: ${this.#dropped} record(s) were dropped while ${this.path} could not be written`);
    return unwritten;
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), ms);
      // A retry alone must not keep a process alive; close() tries once more.
      if (this.#failure) this.#timer.unref();
    }
  }

  /** Drops the oldest lines while the queue is past its bound. */
  #bound(): void {
    if (this.#pendingBytes <= this.#maxPendingBytes) return;
    let n = 0;
    while (n < this.#pending.length && this.#pendingBytes > this.#maxPendingBytes) this.#pendingBytes -= Buffer.byteLength(this.#pending[n++]!);
    this.#pending.splice(0, n);
    if (this.#droppedSinceWrite === 0) {
      this.#sink.log.error(`traffic log: more than ${this.#maxPendingBytes} bytes of records wait for ${this.path}; dropping the oldest until it can be written`);
    }
    this.#droppedSinceWrite += n;
    this.#dropped += n;
    this.#sink.dropped?.(n);
  }

  async #write(): Promise<void> {
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    const bytes = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#inFlight = lines.length;
    try {
      // A removed directory comes back; anything else is for the operator to fix.
      if ((this.#failure as NodeJS.ErrnoException | null)?.code === 'ENOENT') await mkdir(dirname(this.path), { recursive: true });
      if (this.#size > 0 && this.#size + bytes > this.#maxBytes) await this.#rotate();
      await appendFile(this.path, lines.join(''));
      this.#size += bytes;
    } catch (e) {
      // Keep the lines, ahead of any queued since: a full disk or a moved file must not lose
      // records silently, and a retry must not reorder them.
      this.#inFlight = 0;
      this.#pending = [...lines, ...this.#pending];
      this.#pendingBytes += bytes;
      this.#failed(e as Error);
      return;
    }
    this.#inFlight = 0;
    if (this.#failure) this.#recovered(lines.length);
  }

  #failed(e: Error): void {
    this.#failure = e;
    this.#failedWrites++;
    if (errorKey(e) !== this.#loggedFailure) {
      this.#loggedFailure = errorKey(e);
      this.#sink.log.error(`traffic log: cannot write ${this.path}: ${e.message}; keeping ${this.pending} record(s) and retrying`);
    }
    this.#bound();
    // The next attempt is the retry, not a flush timer set by lines queued meanwhile.
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#schedule(this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#retryMaxMs);
  }

  #recovered(written: number): void {
    const dropped = this.#droppedSinceWrite > 0 ? `; ${this.#droppedSinceWrite} record(s) were dropped meanwhile` : '';
    this.#sink.log.warn(`traffic log: ${this.path} is writable again after ${this.#failedWrites} failed attempt(s): ${written} record(s) written${dropped}`);
    this.#failure = null;
    this.#loggedFailure = null;
    this.#failedWrites = 0;
    this.#droppedSinceWrite = 0;
    this.#backoffMs = this.#retryMs;
    if (this.#pending.length > 0) this.#schedule(this.#flushMs);
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
