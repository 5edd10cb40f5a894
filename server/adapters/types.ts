/**
 * The adapter contract. An adapter is a set of pure mapping functions between the canonical
 * request (the OpenAI chat schema) and one provider's wire format; it never does I/O. The one
 * undici transport (server/transport) sends what `toRequest` builds and feeds back what arrives.
 */

/** A chat message in the canonical (OpenAI) schema; content may be text or typed parts. */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string | null | Array<Record<string, unknown>>;
  name?: string;
  [extra: string]: unknown;
}

/** The canonical request: an OpenAI chat completion request body, already validated. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  user?: string;
  [extra: string]: unknown;
}

/** Token usage in the canonical (OpenAI) shape. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

/** A non-streamed answer in the canonical shape (`chat.completion`). */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; [extra: string]: unknown };
    finish_reason: string | null;
    logprobs?: unknown;
  }>;
  usage?: Usage;
  [extra: string]: unknown;
}

/** One streamed chunk in the canonical shape (`chat.completion.chunk`). */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string | null; [extra: string]: unknown };
    finish_reason: string | null;
  }>;
  usage?: Usage | null;
}

/** Where one attempt goes: resolved from the policy's provider and model. */
export interface UpstreamTarget {
  /** Provider base URL as the provider's own SDK spells it (no trailing slash). */
  baseUrl: string;
  apiKey: string;
  /** The model name the provider knows. */
  upstreamModel: string;
}

/** An HTTP request an adapter wants sent; the transport owns the connection. */
export interface UpstreamHttpRequest {
  /** Absolute URL. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One server-sent event as the SSE parser yields it. */
export interface SseEvent {
  event?: string;
  data: string;
}

/** What an upstream error body says, mapped to the OpenAI error vocabulary. */
export interface UpstreamErrorInfo {
  message: string;
  type: string;
  code: string | null;
}

/** Turns one provider's stream events into canonical chunks; holds only per-stream state. */
export interface StreamDecoder {
  /** Canonical chunks for one upstream event (zero or more). */
  push(event: SseEvent): ChatCompletionChunk[];
  /** True once the upstream said the answer is complete (e.g. `[DONE]`, `message_stop`). */
  readonly done: boolean;
  /** Usage as reported by the upstream stream, when it reported any. */
  readonly usage: Usage | null;
}

/** One provider kind's mapping functions. */
export interface Adapter {
  readonly kind: string;
  /** Builds the upstream HTTP request for a canonical chat request. */
  toRequest(req: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest;
  /** Maps a successful upstream JSON body to a canonical completion. */
  fromResponse(body: unknown, target: UpstreamTarget): ChatCompletion;
  /** Starts a decoder for one upstream stream. */
  createStreamDecoder(target: UpstreamTarget): StreamDecoder;
  /** Maps an upstream error body (parsed JSON, or text when not JSON) to OpenAI terms. */
  fromError(status: number, body: unknown): UpstreamErrorInfo;
}
