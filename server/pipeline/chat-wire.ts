/**
 * What a chat ingress gives the pipeline: how to write canonical answers in its own wire
 * format. The pipeline decides, dispatches, records and writes the bytes; the wire only maps.
 */
import type { ChatCompletionChunk, ChatRequest, Usage } from '../adapters/types.js';
import type { CompletedAttempt, StreamingAttempt } from '../dispatch/attempt.js';
import type { Served } from '../dispatch/failover.js';
import type { GatewayError } from '../errors.js';

/** Writes one streamed answer, chunk by chunk, as server-sent-event text. */
export interface StreamEncoder {
  /** Event text for canonical chunks as they arrive; '' when they carry nothing for this client. */
  push(chunks: readonly ChatCompletionChunk[]): string;
  /**
   * Event text that ends a complete stream. `usage` is what the provider reported (null when
   * it reported none); `costUsd` the x-switchyard-cost-usd value, null when unknown.
   */
  end(usage: Usage | null, costUsd: string | null): string;
  /** Event text that ends a stream the provider cut after its first byte reached the client. */
  fail(error: GatewayError): string;
}

/** One ingress's wire format for chat answers. */
export interface ChatWire {
  /** The JSON body of a complete answer; may throw a GatewayError for an answer it cannot express. */
  completion(served: Served<CompletedAttempt>): string;
  /** An encoder for one streamed answer to `request`. */
  stream(request: ChatRequest, served: Served<StreamingAttempt>): StreamEncoder;
}
