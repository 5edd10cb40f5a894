/**
 * Upstream error bodies in OpenAI terms. The canonical error vocabulary is OpenAI's, so the
 * pieces every adapter shares to speak it (the type for a status, the text-body fallback, the
 * error a stream throws) live here and the other adapters import them.
 */
import type { UpstreamErrorInfo } from '../types.js';

/**
 * Longest upstream error message passed on, in UTF-16 units. Proxies in front of providers
 * answer errors with whole HTML pages; the message travels to clients and logs, where a page
 * is noise.
 */
export const MAX_UPSTREAM_MESSAGE_CHARS = 1000;

/** An error the upstream reported after a 200 (a stream error event) or a 200 body that breaks the wire format. */
export class UpstreamError extends Error {
  readonly info: UpstreamErrorInfo;

  constructor(info: UpstreamErrorInfo) {
    super(info.message);
    this.name = 'UpstreamError';
    this.info = info;
  }
}

/** Returns the OpenAI error `type` for an HTTP status, for bodies that name none. */
export function errorTypeForStatus(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 429:
      return 'rate_limit_error';
    default:
      return status >= 400 && status < 500 ? 'invalid_request_error' : 'server_error';
  }
}

/** Returns the error info for a body that is text, not JSON (or JSON with nothing usable in it). */
export function errorFromText(status: number, text: string): UpstreamErrorInfo {
  const trimmed = text.trim();
  return {
    message:
      trimmed === ''
        ? `upstream answered HTTP ${status} with no error message`
        : trimmed.slice(0, MAX_UPSTREAM_MESSAGE_CHARS),
    type: errorTypeForStatus(status),
    code: null,
  };
}

/** Returns the error to throw for a 200 body (or stream event) that breaks the provider's wire format. */
export function malformedBodyError(provider: string, what: string): UpstreamError {
  return new UpstreamError({
    message: `${provider} upstream sent ${what}`,
    type: 'server_error',
    code: 'upstream_malformed_response',
  });
}

/** One stream event's data parsed as a JSON object; anything else is the provider's malformed answer. */
export function parseStreamEvent<T extends object>(provider: string, data: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw malformedBodyError(provider, 'a stream event that is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object') {
    throw malformedBodyError(provider, 'a stream event that is not a JSON object');
  }
  return parsed as T;
}

/**
 * Maps an OpenAI-compatible error body to OpenAI terms. Servers differ in shape:
 * OpenAI `{error:{message,type,code}}`, Ollama `{error:"text"}`, Mistral and older vLLM
 * `{object:"error",message,type,code}`, FastAPI-based servers `{detail:"text"}`, and some
 * compatibility layers wrap the body in a one-element array.
 */
export function fromError(status: number, body: unknown): UpstreamErrorInfo {
  const first = Array.isArray(body) ? body[0] : body;
  if (typeof first === 'string') return errorFromText(status, first);
  if (first === null || typeof first !== 'object') return errorFromText(status, '');
  const record = first as Record<string, unknown>;
  const nested = record.error;
  if (typeof nested === 'string') return errorFromText(status, nested);
  const source =
    nested !== null && typeof nested === 'object' ? (nested as Record<string, unknown>) : record;
  const message = source.message ?? source.detail;
  if (typeof message !== 'string' || message.trim() === '') {
    return errorFromText(status, typeof record.detail === 'string' ? record.detail : '');
  }
  return {
    message: message.slice(0, MAX_UPSTREAM_MESSAGE_CHARS),
    type: typeof source.type === 'string' && source.type !== '' ? source.type : errorTypeForStatus(status),
    code: codeOf(source.code),
  };
}

function codeOf(code: unknown): string | null {
  if (typeof code === 'string') return code;
  if (typeof code === 'number') return String(code);
  return null;
}
