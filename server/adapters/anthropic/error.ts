/** Anthropic error bodies (`{type:"error",error:{type,message}}`) in OpenAI terms. */
import type { UpstreamErrorInfo } from '../types.js';
import { errorFromText, errorTypeForStatus, MAX_UPSTREAM_MESSAGE_CHARS } from '../openai/error.js';

// Error types: https://docs.anthropic.com/en/api/errors. The Anthropic type is kept as `code`.
const OPENAI_TYPES: Readonly<Record<string, string>> = {
  invalid_request_error: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  authentication_error: 'authentication_error',
  billing_error: 'insufficient_quota',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_error: 'rate_limit_error',
  api_error: 'server_error',
  timeout_error: 'server_error',
  overloaded_error: 'server_error',
};

/** Maps an Anthropic error body (or a text body from a proxy in front of it) to OpenAI terms. */
export function fromError(status: number, body: unknown): UpstreamErrorInfo {
  if (typeof body === 'string') return errorFromText(status, body);
  const error = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  if (error === null || typeof error !== 'object') return errorFromText(status, '');
  const { type, message } = error as { type?: unknown; message?: unknown };
  if (typeof message !== 'string' || message.trim() === '') return errorFromText(status, '');
  const code = typeof type === 'string' ? type : null;
  return {
    message: message.slice(0, MAX_UPSTREAM_MESSAGE_CHARS),
    type: (code !== null ? OPENAI_TYPES[code] : undefined) ?? errorTypeForStatus(status),
    code,
  };
}
