/**
 * The traffic recorder: the request path hands it what one request left behind and returns at
 * once; turning that into a record (redaction, the counts a replay needs) and writing it happen
 * later, in small batches, so a busy gateway spends its request time on requests.
 */
import { recordLine } from './line.js';
import { countChatTokens } from '../../engine/src/chat-tokens.js';
import { countTokens } from '../../engine/src/tokenizer.js';
import { toRecord, type RecordCounting, type ServedRequest } from './record.js';
import type { TrafficWriter, WriterSink } from './writer.js';

/** Counting with the core, as decide counts. */
export const coreCounting: RecordCounting = {
  o200k: (text) => countTokens(text, 'o200k_base'),
  // gpt-4 is counted with cl100k_base; text-only messages, so no image tokens are added.
  cl100kPrompt: (messages, tools) => countChatTokens(messages, 'gpt-4', { provider: 'openai', tools }).tokens,
  cl100k: (text) => countTokens(text, 'cl100k_base'),
};

/** Records turned into lines per turn of the event loop. */
const BATCH = 64;

export class TrafficRecorder {
  readonly writer: TrafficWriter;
  readonly #counting: RecordCounting;
  #queue: ServedRequest[] = [];
  #scheduled = false;

  constructor(writer: TrafficWriter, counting: RecordCounting = coreCounting) {
    this.writer = writer;
    this.#counting = counting;
  }

  /** Takes one served request; never throws into the request path. */
  record(served: ServedRequest): void {
    this.#queue.push(served);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  /**
   * Reports write failures and dropped records to the server's logger and metrics. The recorder
   * is made before the app (the app closes it), so they are handed over once the app exists.
   */
  reportTo(sink: WriterSink): void {
    this.writer.reportTo(sink);
  }

  /** Writes every record taken so far; resolves with how many could not be written (logged). */
  async close(): Promise<number> {
    while (this.#queue.length > 0) this.#process(this.#queue.length);
    return this.writer.close();
  }

  #drain(): void {
    this.#process(BATCH);
    if (this.#queue.length > 0) setImmediate(() => this.#drain());
    else this.#scheduled = false;
  }

  #process(n: number): void {
    const batch = this.#queue.splice(0, n);
    for (const served of batch) this.writer.append(recordLine(toRecord(served, this.#counting)));
  }
}
