/** Gemini error bodies (`{error:{code,message,status}}`, the google.rpc.Status shape) in OpenAI terms. */
import type { UpstreamErrorInfo } from '../types.js';
import { errorFromText, errorTypeForStatus, MAX_UPSTREAM_MESSAGE_CHARS } from '../openai/error.js';

interface GeminiErrorBody {
  code?: unknown;
  message?: unknown;
  status?: unknown;
  details?: unknown;
}

/**
 * Maps a Gemini error body to OpenAI terms; the gRPC status (`INVALID_ARGUMENT`) is kept as
 * `code`. Gemini answers a bad API key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID,
 * which is an authentication error in OpenAI terms.
 */
export function fromError(status: number, body: unknown): UpstreamErrorInfo {
  // The JSON (non-SSE) stream endpoint wraps everything, errors too, in an array.
  const first = Array.isArray(body) ? body[0] : body;
  if (typeof first === 'string') return errorFromText(status, first);
  const error = first !== null && typeof first === 'object' ? (first as { error?: unknown }).error : undefined;
  if (error === null || typeof error !== 'object') return errorFromText(status, '');
  const { code, message, status: rpcStatus, details } = error as GeminiErrorBody;
  if (typeof message !== 'string' || message.trim() === '') return errorFromText(status, '');
  return {
    message: message.slice(0, MAX_UPSTREAM_MESSAGE_CHARS),
    type: isInvalidKey(details)
      ? 'authentication_error'
      : errorTypeForStatus(typeof code === 'number' ? code : status),
    code: typeof rpcStatus === 'string' ? rpcStatus : null,
  };
}

function isInvalidKey(details: unknown): boolean {
  return (
    Array.isArray(details) &&
    details.some((detail) => (detail as { reason?: unknown } | null)?.reason === 'API_KEY_INVALID')
  );
}
