/**
 * The registry of policy error codes and the error every policy stage reports. The engine never
 * throws these on user input: stages return them, sorted and capped, so a user sees every
 * problem in one run (see policy/compile.ts).
 */
import type { SourceLocation } from './policy/types.js';

/** Every policy error code, with a one-line description of when it is reported. */
export const POLICY_ERROR_CODES = {
  /** read */
  SY_POLICY_READ: 'the policy file could not be read',
  /** parse */
  SY_POLICY_YAML_SYNTAX: 'the file is not valid YAML',
  SY_POLICY_YAML_WARNING: 'the YAML parser found something suspicious but could go on',
  SY_POLICY_DUPLICATE_KEY: 'a key appears twice in the same map',
  /** schema */
  SY_POLICY_UNKNOWN_FIELD: 'a field the policy format does not define',
  SY_POLICY_MISSING_FIELD: 'a required field is absent',
  SY_POLICY_BAD_TYPE: 'a value has the wrong type (e.g. text where a number belongs)',
  SY_POLICY_BAD_VALUE: 'a value is not one of those allowed',
  SY_POLICY_BAD_FORMAT: 'a text value does not have the required form (URL, name, variable name)',
  SY_POLICY_OUT_OF_RANGE: 'a number is too small or too large',
  SY_POLICY_EMPTY: 'a list, map or text that must not be empty is empty',
  SY_POLICY_SCHEMA: 'the document breaks a rule of the policy schema',
  /** semantic checks */
  SY_POLICY_INLINE_SECRET: 'a credential is written in the policy instead of named by environment variable',
  SY_POLICY_UNKNOWN_PROVIDER: 'a model names a provider that is not declared',
  SY_POLICY_UNKNOWN_MODEL: 'a route lists a candidate model that is not declared',
  SY_POLICY_DUPLICATE_CANDIDATE: 'a route lists the same candidate model twice',
  SY_POLICY_DUPLICATE_ROUTE: 'two routes have the same name',
  SY_POLICY_SHADOWED_ROUTE: 'a route can never match because an earlier route matches all it would',
  SY_POLICY_UNKNOWN_ROUTE: 'a route falls back to a route that is not declared',
  SY_POLICY_FALLBACK_CYCLE: 'routes fall back to each other in a cycle',
  SY_POLICY_STRATEGY: 'a route\'s strategy settings do not fit together (e.g. weights on an ordered route)',
  SY_POLICY_BUDGET: 'a budget is incomplete or contradicts itself (two limits, no downgrade route, a reused name)',
  SY_POLICY_LIMIT_EXCEEDED: 'a route\'s worst-case attempts or cost per request is above the policy\'s limits',
  /** warnings (the policy serves; the author is told) */
  SY_POLICY_NEVER_ELIGIBLE: 'a route lists a candidate that its own requirements always exclude (a missing required capability, a quality below the floor)',
  SY_POLICY_UNUSED_PROVIDER: 'a provider is declared but no model uses it',
  /** conditions (the expression language) */
  SY_POLICY_EXPR_SYNTAX: 'a condition is not a well-formed expression',
  SY_POLICY_EXPR_UNKNOWN_FIELD: 'a condition reads a field that does not exist',
  SY_POLICY_EXPR_UNKNOWN_NAME: 'a condition names a model, provider, route or enum value that is not declared',
  SY_POLICY_EXPR_TYPE: 'a condition combines values of types that do not fit (e.g. a string compared with a number)',
  SY_POLICY_EXPR_OPERATOR: 'a condition uses an operator that does not exist or does not apply to its operands',
  SY_POLICY_EXPR_COST: 'a condition is larger than the compile-time cost bound allows',
  /** reporting */
  SY_POLICY_TOO_MANY_ERRORS: 'more errors were found than are shown',
} as const;

/** A code in POLICY_ERROR_CODES. */
export type PolicyErrorCode = keyof typeof POLICY_ERROR_CODES;

/** Errors refuse the policy; warnings let it serve and are shown to the author. */
export type Severity = 'error' | 'warning';

/** Optional parts of a PolicyError. */
export interface PolicyErrorOptions {
  /** Where in the document, e.g. `routes[2].candidates[0]`. */
  path?: string;
  severity?: Severity;
}

/** A problem in a policy, located at the file, line and column an editor shows. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly path: string | undefined;
  readonly severity: Severity;

  constructor(readonly code: PolicyErrorCode, message: string, loc: SourceLocation, options: PolicyErrorOptions = {}) {
    super(message);
    this.file = loc.file;
    this.line = loc.line;
    this.col = loc.col;
    this.path = options.path;
    this.severity = options.severity ?? 'error';
  }

  /** `file:line:col: CODE: message`, with `warning: ` before the code of a warning. */
  format(): string {
    const level = this.severity === 'warning' ? 'warning: ' : '';
    return `${this.file}:${this.line}:${this.col}: ${level}${this.code}: ${this.message}`;
  }

  /** A plain object for `--json` output; Error's own `message` is not enumerable. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      severity: this.severity,
      message: this.message,
      file: this.file,
      line: this.line,
      col: this.col,
      ...(this.path === undefined ? {} : { path: this.path }),
    };
  }
}

/** Codes of failures inside the engine itself (not the user's policy or request). */
export const ENGINE_ERROR_CODES = {
  SY_ENGINE_MISSING: 'the built WebAssembly core is not on disk',
  SY_ENGINE_ABI: 'the core and the host disagree on the binary interface',
  SY_ENGINE_ABORT: 'the core aborted (out of memory)',
  SY_ENGINE_PROGRAM: 'the core refused a compiled program',
} as const;

export type EngineErrorCode = keyof typeof ENGINE_ERROR_CODES;

/** A failure of the engine's own machinery; a bug or a broken build, never user input. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(readonly code: EngineErrorCode, message: string) {
    super(message);
  }
}
