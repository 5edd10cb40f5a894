/**
 * One attempt against one candidate: send, then either a complete answer or, for streams, the
 * first decoded chunks plus an iterator over the rest. Nothing reaches the client from here, so
 * any failure in this function still allows failover.
 */
import type { Dispatcher } from 'undici';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, StreamDecoder, UpstreamTarget } from '../adapters/types.js';
import type { ResolvedProvider } from '../policy-runtime.js';
import type { Transport } from '../transport/pool.js';
import { createSseParser } from '../transport/sse.js';
import { UpstreamError } from '../adapters/openai/error.js';
import { AttemptFailure, failureFromStatus, failureFromTransport } from './upstream-error.js';

export interface CompletedAttempt {
  completion: ChatCompletion;
  /** The upstream body as received, when it is already in the canonical shape. */
  canonicalBody: string | null;
}

export interface StreamingAttempt {
  /** Chunks decoded before anything was sent to the client. */
  first: ChatCompletionChunk[];
  /** The remaining chunks; throws when the upstream cuts the stream before it is complete. */
  rest: AsyncGenerator<ChatCompletionChunk[], void, void>;
  decoder: StreamDecoder;
}

/** A failed stream after its first bytes reached the client: it can no longer fail over. */
export class StreamCut extends Error {
  override readonly name = 'StreamCut';
}

async function send(transport: Transport, provider: ResolvedProvider, target: UpstreamTarget, request: ChatRequest, signal: AbortSignal, where: string): Promise<Dispatcher.ResponseData> {
  // Outside the try: a request this adapter cannot express (UnsupportedFeatureError) is not a
  // provider failure, and failover decides what it means.
  const upstreamRequest = provider.adapter.toRequest(request, target);
  let response: Dispatcher.ResponseData;
  try {
    response = await transport.send(upstreamRequest, signal, provider.timeouts);
  } catch (err) {
    if (signal.aborted) throw err;
    throw failureFromTransport(err, where);
  }
  if (response.statusCode >= 400) {
    let text = '';
    try {
      text = await response.body.text();
    } catch {
      // The status already says it failed; a body that will not read adds nothing.
    }
    const header = (name: string): string | undefined => {
      const v = response.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    throw failureFromStatus(response.statusCode, provider.adapter.fromError(response.statusCode, parseMaybeJson(text)), where, header('retry-after'), header('x-should-retry'), header('retry-after-ms'));
  }
  return response;
}

/** Sends a non-streaming request and reads the whole answer. */
export async function attemptComplete(transport: Transport, provider: ResolvedProvider, target: UpstreamTarget, request: ChatRequest, signal: AbortSignal, where: string): Promise<CompletedAttempt> {
  const response = await send(transport, provider, target, request, signal, where);
  let text: string;
  try {
    text = await response.body.text();
  } catch (err) {
    if (signal.aborted) throw err;
    throw failureFromTransport(err, where);
  }
  const body = parseMaybeJson(text);
  if (typeof body !== 'object' || body === null) {
    throw failureFromStatus(502, { message: 'the provider answered with a body that is not JSON', type: 'invalid_response', code: null }, where, undefined);
  }
  let completion: ChatCompletion;
  try {
    completion = provider.adapter.fromResponse(body, target);
  } catch (err) {
    // A 200 whose body breaks the provider's own wire format is the provider's failure.
    if (err instanceof UpstreamError) throw failureFromStatus(502, err.info, where, undefined);
    throw err;
  }
  return { completion, canonicalBody: provider.adapter.kind === 'openai' ? text : null };
}

/** Sends a streaming request and waits for its first decoded chunks. */
export async function attemptStream(transport: Transport, provider: ResolvedProvider, target: UpstreamTarget, request: ChatRequest, signal: AbortSignal, where: string): Promise<StreamingAttempt> {
  const response = await send(transport, provider, target, request, signal, where);
  // Providers that send no usage in streams are billed for what the decision counted and what streamed.
  const decoder = provider.adapter.createStreamDecoder(target, target.promptTokens === undefined ? undefined : { promptTokens: target.promptTokens });
  const rest = decodeStream(response.body, decoder, where);
  let first: IteratorResult<ChatCompletionChunk[], void>;
  try {
    first = await rest.next();
  } catch (err) {
    if (signal.aborted) throw err;
    throw err instanceof StreamCut ? failureFromTransport(err, where) : err;
  }
  return { first: first.done ? [] : first.value, rest, decoder };
}

async function* decodeStream(body: AsyncIterable<Uint8Array>, decoder: StreamDecoder, where: string): AsyncGenerator<ChatCompletionChunk[], void, void> {
  const parser = createSseParser();
  try {
    for await (const bytes of body) {
      const out: ChatCompletionChunk[] = [];
      for (const event of parser.push(bytes)) out.push(...decoder.push(event));
      if (out.length > 0) yield out;
    }
  } catch (err) {
    throw new StreamCut(`${where}: the stream broke: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const tail: ChatCompletionChunk[] = [];
  for (const event of parser.end()) tail.push(...decoder.push(event));
  if (tail.length > 0) yield tail;
  if (!decoder.done) throw new StreamCut(`${where}: the stream ended before the provider said it was complete`);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export { AttemptFailure };
