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

/** A function call the assistant made (`message.tool_calls[i]`), in the canonical (OpenAI) shape. */
export interface ToolCall {
  id: string;
  type: 'function';
  /** `arguments` is JSON text, as the model wrote it. */
  function: { name: string; arguments: string };
}

/**
 * One streamed piece of a tool call (`delta.tool_calls[i]`): `index` says which call it extends;
 * `id`, `type` and `function.name` come on the call's first piece only, and the concatenated
 * `function.arguments` pieces are the call's arguments.
 */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** Token usage in the canonical (OpenAI) shape. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /**
   * cached_tokens: prompt tokens read from the provider's cache (OpenAI's field).
   * cache_write_tokens: prompt tokens written to it, which Anthropic bills above the input price
   * (its cache_creation_input_tokens); not an OpenAI field, so absent for OpenAI upstreams.
   */
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number };
  /**
   * Gateway-internal: where these numbers come from. Absent means the upstream reported them.
   * The gateway strips it before a client sees the usage; recording reads it.
   */
  switchyard_usage_source?: UsageSource;
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
    logprobs?: unknown;
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
  /** The prompt's tokens for this model as the decision counted them: what a stream without usage is billed for. */
  promptTokens?: number;
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
  /** Starts a decoder for one upstream stream; `context` carries what the gateway knows of the request. */
  createStreamDecoder(target: UpstreamTarget, context?: StreamDecoderContext): StreamDecoder;
  /** Maps an upstream error body (parsed JSON, or text when not JSON) to OpenAI terms. */
  fromError(status: number, body: unknown): UpstreamErrorInfo;
}

/**
 * Where a usage's numbers come from: `reported` by the upstream, or `counted` by the gateway
 * (o200k_base over what was streamed) because the upstream reported none.
 */
export type UsageSource = 'reported' | 'counted';

/** What the gateway knows of a request that a stream decoder cannot see in the stream itself. */
export interface StreamDecoderContext {
  /**
   * Prompt tokens of the request as the gateway counted them for its decision (o200k_base, chat
   * overhead included: `Decision.promptTokens`). Used only when the upstream reports no usage.
   */
  promptTokens: number;
}
