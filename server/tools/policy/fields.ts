/**
 * Validation of the plain data in test files, snapshots and callers. Problems carry the path to
 * the offending value, so a YAML test file can name file:line:col (locate) and a JSON input its
 * path; both read them the way the policy compiler reports.
 */
import type { PolicyErrorCode } from '../../../engine/src/errors.js';
import { PolicyError } from '../../../engine/src/errors.js';
import { formatPath, locate, type ParsedPolicy, type PathSegment } from '../../../engine/src/policy/parse.js';
import { closestName } from '../../../engine/src/policy/schema.js';

/** One thing wrong with an input, at a path inside it. */
export interface Problem {
  path: PathSegment[];
  code: PolicyErrorCode;
  message: string;
  /** Point at the key rather than the value (unknown fields). */
  at?: 'key';
}

/** Collects problems while reading one input. */
export class Problems {
  readonly list: Problem[] = [];

  add(path: PathSegment[], code: PolicyErrorCode, message: string, at?: 'key'): void {
    this.list.push(at === undefined ? { path, code, message } : { path, code, message, at });
  }

  /** The value as a record, or a BAD_TYPE problem and undefined. */
  record(value: unknown, path: PathSegment[], what: string): Record<string, unknown> | undefined {
    if (isRecord(value)) return value;
    this.add(path, 'SY_POLICY_BAD_TYPE', `${what} must be a map, got ${typeName(value)}`);
    return undefined;
  }

  /** Reports every key of `value` outside `allowed`, with the nearest allowed name. */
  onlyKeys(value: Record<string, unknown>, allowed: readonly string[], path: PathSegment[], what: string): void {
    for (const key of Object.keys(value)) {
      if (allowed.includes(key)) continue;
      const near = closestName(key, allowed);
      const hint = near === undefined ? `; allowed: ${allowed.join(', ')}` : `; did you mean "${near}"?`;
      this.add([...path, key], 'SY_POLICY_UNKNOWN_FIELD', `${what} has no field "${key}"${hint}`, 'key');
    }
  }

  string(value: unknown, path: PathSegment[]): string | undefined {
    if (typeof value === 'string') return value;
    this.add(path, 'SY_POLICY_BAD_TYPE', `${formatPath(path)} must be text, got ${typeName(value)}`);
    return undefined;
  }

  /** A finite number within [min, max]. */
  number(value: unknown, path: PathSegment[], min = -Infinity, max = Infinity, integer = false): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      this.add(path, 'SY_POLICY_BAD_TYPE', `${formatPath(path)} must be ${integer ? 'an integer' : 'a number'}, got ${typeName(value)}`);
      return undefined;
    }
    if (value < min || value > max) {
      const range = max === Infinity ? `at least ${min}` : `between ${min} and ${max}`;
      this.add(path, 'SY_POLICY_OUT_OF_RANGE', `${formatPath(path)} must be ${range}, got ${value}`);
      return undefined;
    }
    return value;
  }

  /** One of `allowed`. */
  oneOf<T extends string>(value: unknown, allowed: readonly T[], path: PathSegment[]): T | undefined {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.add(path, 'SY_POLICY_BAD_VALUE', `${formatPath(path)} must be one of ${allowed.join(', ')}, got ${showRaw(value)}`);
    return undefined;
  }

  /** A list of strings. */
  strings(value: unknown, path: PathSegment[]): string[] | undefined {
    if (!Array.isArray(value)) {
      this.add(path, 'SY_POLICY_BAD_TYPE', `${formatPath(path)} must be a list, got ${typeName(value)}`);
      return undefined;
    }
    const out: string[] = [];
    value.forEach((item: unknown, i) => {
      const s = this.string(item, [...path, i]);
      if (s !== undefined) out.push(s);
    });
    return out.length === value.length ? out : undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a value is, in the words of an error message. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `text ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function showRaw(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeName(value);
}

/** Problems in a YAML file as located PolicyErrors. */
export function locateProblems(parsed: ParsedPolicy, problems: readonly Problem[]): PolicyError[] {
  return problems.map((p) => new PolicyError(p.code, p.message, locate(parsed, p.path, p.at === 'key' ? 'key' : 'value'), { path: formatPath(p.path) }));
}

/** Problems in a JSON input as `file: path: message` lines. */
export function describeProblems(file: string, problems: readonly Problem[]): string[] {
  return problems.map((p) => `${file}: ${p.path.length === 0 ? '' : `${formatPath(p.path)}: `}${p.code}: ${p.message}`);
}
