/**
 * Classifies what went wrong in one upstream attempt: which gateway error it becomes and
 * whether the next candidate should be tried. The rule: fail over on anything that says the
 * provider (not the request) is the problem; never on a request the provider calls invalid,
 * since every other provider would reject it too.
 */
import { GatewayError } from '../errors.js';
import type { UpstreamErrorInfo } from '../adapters/types.js';
import { parseRetryWait, type RetryHints } from './backoff.js';

/** How a failure may be followed up: another candidate, the same one again, and whether it says the provider is unhealthy. */
export interface FailureKind {
  /** Another candidate may serve. */
  failover: boolean;
  /** The same candidate may be retried (connect errors, timeouts, 408, 409, 429, 5xx). */
  retryable: boolean;
  /** Counts against the model's circuit breaker: the provider, not the request or the key, failed. */
  unhealthy: boolean;
}

/** One failed attempt: the error it maps to, what may follow, and what the provider said about retrying. */
export class AttemptFailure extends Error {
  override readonly name = 'AttemptFailure';
  readonly failover: boolean;
  constructor(readonly error: GatewayError, readonly kind: FailureKind, readonly hints: RetryHints = { retryAfterMs: null, shouldRetry: null }) {
    super(error.message);
    this.failover = kind.failover;
  }
}

const PROVIDER_FAULT: FailureKind = { failover: true, retryable: true, unhealthy: true };

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The failure for an HTTP error status from the provider, with its Retry-After, retry-after-ms
 * and x-should-retry headers.
 */
export function failureFromStatus(status: number, info: UpstreamErrorInfo, where: string, retryAfter: string | undefined, shouldRetry?: string, retryAfterMs?: string): AttemptFailure {
  const failure = classifyStatus(status, info, where, retryAfter, shouldRetry, retryAfterMs);
  // `x-should-retry: true` makes any status worth another try on the same candidate (the OpenAI
  // SDKs check it before the status); whether another candidate may serve is still the status's call.
  if (failure.hints.shouldRetry === true && !failure.kind.retryable) return new AttemptFailure(failure.error, { ...failure.kind, retryable: true }, failure.hints);
  return failure;
}

function classifyStatus(status: number, info: UpstreamErrorInfo, where: string, retryAfter: string | undefined, shouldRetry: string | undefined, retryAfterMsHeader: string | undefined): AttemptFailure {
  const detail = `${where}: HTTP ${status}${info.type ? ` ${info.type}` : ''}: ${info.message}`;
  const retryAfterMs = parseRetryWait(retryAfterMsHeader, retryAfter);
  const hints: RetryHints = { retryAfterMs, shouldRetry: shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : null };
  if (status === 429) {
    const error = new GatewayError('SY_UPSTREAM_RATE_LIMITED', detail, { retryAfterS: retryAfterMs === null ? null : Math.ceil(retryAfterMs / 1000) });
    return new AttemptFailure(error, PROVIDER_FAULT, hints);
  }
  if (status === 408) return new AttemptFailure(new GatewayError('SY_UPSTREAM_TIMEOUT', detail), PROVIDER_FAULT, hints);
  // A conflict (e.g. a lock the provider could not take) is worth another try, but says nothing about its health.
  if (status === 409) return new AttemptFailure(new GatewayError('SY_UPSTREAM_FAILED', detail), { failover: true, retryable: true, unhealthy: false }, hints);
  // The provider refused the gateway's key: another provider may not, the same one will.
  if (status === 401 || status === 403) return new AttemptFailure(new GatewayError('SY_UPSTREAM_AUTH', detail), { failover: true, retryable: false, unhealthy: false }, hints);
  if (status >= 500) return new AttemptFailure(new GatewayError('SY_UPSTREAM_FAILED', detail), PROVIDER_FAULT, hints);
  return new AttemptFailure(new GatewayError('SY_UPSTREAM_REJECTED', info.message, { param: null }), { failover: false, retryable: false, unhealthy: false }, hints);
}

/** The failure for a thrown transport error (connection refused, reset, timeout). */
export function failureFromTransport(err: unknown, where: string): AttemptFailure {
  const code = (err as { code?: string }).code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (TIMEOUT_CODES.has(code) || (err as Error).name === 'TimeoutError') {
    return new AttemptFailure(new GatewayError('SY_UPSTREAM_TIMEOUT', `${where}: ${message}`, { cause: err }), PROVIDER_FAULT);
  }
  return new AttemptFailure(new GatewayError('SY_UPSTREAM_FAILED', `${where}: ${code ? `${code} ` : ''}${message}`, { cause: err }), PROVIDER_FAULT);
}
