/**
 * Classifies what went wrong in one upstream attempt: which gateway error it becomes and
 * whether the next candidate should be tried. The rule: fail over on anything that says the
 * provider (not the request) is the problem; never on a request the provider calls invalid,
 * since every other provider would reject it too.
 */
import { GatewayError } from '../errors.js';
import type { UpstreamErrorInfo } from '../adapters/types.js';

/** One failed attempt: the error it maps to and whether another candidate may serve. */
export class AttemptFailure extends Error {
  override readonly name = 'AttemptFailure';
  constructor(readonly error: GatewayError, readonly failover: boolean) {
    super(error.message);
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** The failure for an HTTP error status from the provider. */
export function failureFromStatus(status: number, info: UpstreamErrorInfo, where: string, retryAfter: string | undefined): AttemptFailure {
  const detail = `${where}: HTTP ${status}${info.type ? ` ${info.type}` : ''}: ${info.message}`;
  if (status === 429) {
    const seconds = retryAfter !== undefined ? Number(retryAfter) : NaN;
    return new AttemptFailure(new GatewayError('SY_UPSTREAM_RATE_LIMITED', detail, { retryAfterS: Number.isFinite(seconds) ? seconds : null }), true);
  }
  if (status === 408) return new AttemptFailure(new GatewayError('SY_UPSTREAM_TIMEOUT', detail), true);
  if (status === 401 || status === 403) return new AttemptFailure(new GatewayError('SY_UPSTREAM_AUTH', detail), true);
  if (status >= 500) return new AttemptFailure(new GatewayError('SY_UPSTREAM_FAILED', detail), true);
  return new AttemptFailure(new GatewayError('SY_UPSTREAM_REJECTED', info.message, { param: null }), false);
}

/** The failure for a thrown transport error (connection refused, reset, timeout). */
export function failureFromTransport(err: unknown, where: string): AttemptFailure {
  const code = (err as { code?: string }).code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (TIMEOUT_CODES.has(code)) {
    return new AttemptFailure(new GatewayError('SY_UPSTREAM_TIMEOUT', `${where}: ${message}`, { cause: err }), true);
  }
  return new AttemptFailure(new GatewayError('SY_UPSTREAM_FAILED', `${where}: ${code ? `${code} ` : ''}${message}`, { cause: err }), true);
}
