/**
 * The gateway's one error registry: every error a client can receive, with its HTTP status and
 * its OpenAI error `type` and `code`. The status is the contract, because the OpenAI and
 * Anthropic SDKs choose their exception class by it. README's error table lists these codes
 * (test/unit/server/errors.test.ts keeps the two in step).
 */

interface ErrorSpec {
  status: number;
  /** OpenAI error `type`. */
  type: 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'not_found_error' | 'rate_limit_error' | 'api_error' | 'server_error';
  /** OpenAI error `code`: a stable snake_case name clients may branch on. */
  code: string;
  /** What the error means; the thrower supplies the specific message. */
  description: string;
}

export const GATEWAY_ERRORS = {
  SY_REQUEST_INVALID: { status: 400, type: 'invalid_request_error', code: 'invalid_request', description: 'the request body is not a valid chat completion request' },
  SY_REQUEST_UNSUPPORTED: { status: 400, type: 'invalid_request_error', code: 'unsupported_parameter', description: 'no candidate provider can express a parameter of the request' },
  SY_KEY_INVALID: { status: 401, type: 'authentication_error', code: 'invalid_api_key', description: 'the request carries no virtual key, or one that is unknown or revoked (or a wrong master key on the admin API)' },
  SY_KEY_MODEL_NOT_ALLOWED: { status: 403, type: 'permission_error', code: 'model_not_allowed', description: "the virtual key's allowed models do not include the requested model" },
  SY_KEY_ROUTE_NOT_ALLOWED: { status: 403, type: 'permission_error', code: 'route_not_allowed', description: "the virtual key's allowed routes do not include the route the policy chose" },
  SY_KEY_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'key_not_found', description: 'the admin API has no virtual key with this id' },
  SY_MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'model_not_found', description: 'no route of the policy answers the requested model' },
  SY_ROUTE_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'not_found', description: 'no such endpoint' },
  SY_BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error', code: 'request_too_large', description: 'the request body exceeds the gateway limit' },
  SY_PROVIDER_UNAVAILABLE: { status: 503, type: 'server_error', code: 'provider_unavailable', description: 'every candidate of the route is unavailable (missing credentials or open circuit)' },
  SY_UPSTREAM_REJECTED: { status: 400, type: 'invalid_request_error', code: 'upstream_rejected', description: 'the provider rejected the request as invalid' },
  SY_UPSTREAM_AUTH: { status: 502, type: 'api_error', code: 'upstream_auth_failed', description: "the provider rejected the gateway's credentials" },
  SY_UPSTREAM_RATE_LIMITED: { status: 429, type: 'rate_limit_error', code: 'upstream_rate_limited', description: 'every candidate provider answered 429' },
  SY_UPSTREAM_FAILED: { status: 502, type: 'api_error', code: 'upstream_error', description: 'every candidate provider failed (5xx or connection error)' },
  SY_UPSTREAM_TIMEOUT: { status: 504, type: 'api_error', code: 'upstream_timeout', description: 'the provider did not answer in time' },
  SY_BUDGET_EXCEEDED: { status: 429, type: 'rate_limit_error', code: 'budget_exceeded', description: 'a budget the request falls under would be exceeded by its worst case; error.budget (and the message) say what is left and when it resets' },
  SY_BUDGET_STORE_UNAVAILABLE: { status: 503, type: 'server_error', code: 'budget_store_unavailable', description: 'budgets cannot be checked (Redis unreachable) and the policy fails closed' },
  SY_STREAM_INTERRUPTED: { status: 502, type: 'api_error', code: 'stream_interrupted', description: 'the provider cut a stream after it had started; sent as an error event' },
  SY_INTERNAL: { status: 500, type: 'server_error', code: 'internal_error', description: 'a bug in the gateway' },
} as const satisfies Record<string, ErrorSpec>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/**
 * The budget a `budget_exceeded` error names, as `error.budget` of its body, so that a client can
 * act on it without parsing the message: amounts in the budget's unit (USD or tokens), and when
 * it resets (ISO 8601; null when it does not reset by itself).
 */
export interface BudgetErrorDetail {
  name: string;
  scope: string;
  unit: 'usd' | 'tokens';
  limit: number;
  remaining: number;
  resets_at: string | null;
}

/** The OpenAI error body, with the budget of a budget error. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string; budget?: BudgetErrorDetail };
}

/** An error the gateway answers with; the error-handler plugin renders it in the OpenAI shape. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly status: number;
  readonly type: string;
  readonly openaiCode: string;
  readonly param: string | null;
  /** Seconds the client should wait, sent as Retry-After when known. */
  readonly retryAfterS: number | null;
  /** The budget a budget error is about. */
  readonly budget: BudgetErrorDetail | null;
  /** Upstream calls made before this error, when it came from dispatching (for the traffic record). */
  attempts: number | null = null;

  constructor(readonly code: GatewayErrorCode, message: string, opts: { param?: string | null; retryAfterS?: number | null; budget?: BudgetErrorDetail; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    const spec = GATEWAY_ERRORS[code];
    this.status = spec.status;
    this.type = spec.type;
    this.openaiCode = spec.code;
    this.param = opts.param ?? null;
    this.retryAfterS = opts.retryAfterS ?? null;
    this.budget = opts.budget ?? null;
  }

  /** The OpenAI error body: `{"error":{"message","type","param","code"}}`, plus `budget` on a budget error. */
  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { message: this.message, type: this.type, param: this.param, code: this.openaiCode };
    if (this.budget !== null) error.budget = this.budget;
    return { error };
  }
}
