/**
 * The error an adapter throws instead of dropping a request field it cannot express. Adapters
 * never drop or clamp silently: the caller gets a 400 that names the field (`param`), the way
 * OpenAI names a bad parameter, and can pick another model or remove the field.
 */

/** Thrown by `toRequest` when the canonical request uses a field the provider's adapter cannot express. */
export class UnsupportedFeatureError extends Error {
  /** The gateway error it becomes (server/errors.ts: HTTP 400, `unsupported_parameter`) when no candidate can express the field. */
  readonly code = 'SY_REQUEST_UNSUPPORTED';
  /** The request field, in OpenAI's dotted/indexed spelling (`tools`, `messages[2].name`, `messages[2].content[0]`). */
  readonly param: string;
  /** The adapter kind that cannot express it. */
  readonly provider: string;

  constructor(provider: string, param: string, detail?: string) {
    super(`${param} is not supported for ${provider} models${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedFeatureError';
    this.provider = provider;
    this.param = param;
  }
}

/**
 * Request fields whose value asks for nothing beyond the provider's default behaviour, so an
 * adapter that cannot express the field loses nothing by leaving it out. Any other value of a
 * field the adapter does not handle is refused.
 */
const NO_OP_VALUES: Readonly<Record<string, (value: unknown) => boolean>> = {
  n: (value) => value === 1,
  logprobs: (value) => value === false,
  top_logprobs: (value) => value === 0,
  frequency_penalty: (value) => value === 0,
  presence_penalty: (value) => value === 0,
  store: (value) => value === false,
  // Only means something alongside `tools`, which adapters that cannot call tools refuse.
  parallel_tool_calls: () => true,
  response_format: (value) =>
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'text',
};

/** Throws `UnsupportedFeatureError` for the first set field of `fields` that is neither in `handled` nor a no-op value. */
export function assertExpressible(
  provider: string,
  fields: Readonly<Record<string, unknown>>,
  handled: ReadonlySet<string>,
  paramPrefix = '',
): void {
  for (const key in fields) {
    if (handled.has(key)) continue;
    const value = fields[key];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    const isNoOp = NO_OP_VALUES[key];
    if (isNoOp !== undefined && isNoOp(value)) continue;
    throw new UnsupportedFeatureError(provider, paramPrefix + key);
  }
}
