/**
 * Strict structural check of a parsed policy against policies/schema.json (the same file editors
 * use to autocomplete), turning each Ajv error into one PolicyError at the node it is about.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import policySchema from '../../../policies/schema.json' with { type: 'json' };
import { PolicyError } from '../errors.js';
import type { PolicyErrorCode } from '../errors.js';
import { formatPath, locate } from './parse.js';
import type { ParsedPolicy, PathSegment } from './parse.js';
import type { ProviderKind } from './types.js';

/** A provider exactly as written in a schema-valid policy. */
export interface RawProvider {
  kind: ProviderKind;
  base_url: string;
  base_url_env?: string;
  api_key_env: string;
  batch_discount?: number;
}

/** A model exactly as written in a schema-valid policy. */
export interface RawModel {
  provider: string;
  upstream?: string;
  price: { input: number; output: number; cached_input?: number; cache_write?: number; batch_discount?: number };
  context_window: number;
  tokenizer?: 'o200k_base' | 'cl100k_base' | 'estimate';
  chars_per_token?: number;
  /** The tile form (base and tile) or the patch form (patch_multiplier); check.ts enforces one. */
  image_tokens?: { base?: number; tile?: number; patch_multiplier?: number };
  max_output_tokens?: number;
  capabilities?: Array<'tools' | 'vision' | 'json_mode' | 'logprobs' | 'multiple_choices'>;
  quality?: number;
  type?: 'chat' | 'embedding';
}

/** A route exactly as written in a schema-valid policy. */
export interface RawRoute {
  name: string;
  match?: {
    model?: string | string[];
    metadata?: Record<string, string | number | boolean>;
    complexity?: { min?: number; max?: number };
    prompt_tokens?: { min?: number; max?: number };
  };
  when?: string;
  strategy?: 'ordered' | 'cheapest' | 'fastest' | 'weighted';
  require?: { min_quality?: number; max_cost_usd?: number; max_latency_ms?: number; capabilities?: Array<'tools' | 'vision' | 'json_mode' | 'logprobs' | 'multiple_choices'> };
  weights?: Record<string, number>;
  split_by?: 'caller' | 'user' | 'session';
  max_tokens?: { default?: number; max?: number };
  retries?: number;
  fallback?: string;
  tier?: 'realtime' | 'batch';
  candidates: string[];
  expected_output_tokens?: number;
  expected_cached_share?: number;
}

export type BudgetScopeName = 'key' | 'user' | 'team' | 'session' | 'model' | 'route' | 'global';

/** A policy document that passed the schema: every field has its declared type. */
export interface RawPolicy {
  version: 1;
  providers: Record<string, RawProvider>;
  models: Record<string, RawModel>;
  routes: RawRoute[];
  complexity?: { weights?: Record<string, number>; bias?: number };
  limits?: { max_attempts_per_request?: number; max_cost_per_request_usd?: number };
  defaults?: { retries?: number };
  recording?: { path?: string; redaction?: 'counts' | 'hashed' | 'full'; max_mb?: number; keep?: number };
  budgets?: Array<{
    name: string; scope: BudgetScopeName; match?: string; limit_usd?: number; limit_tokens?: number; window: string;
    on_exceed?: 'reject' | 'downgrade' | 'alert'; downgrade_to?: string; alert_at?: number[];
  }>;
  budget_store?: { on_unreachable?: 'closed' | 'open'; reservation_ttl_s?: number };
  resilience?: {
    timeouts?: { connect_ms?: number; first_byte_ms?: number; idle_ms?: number; total_ms?: number };
    retry?: { base_ms?: number; max_ms?: number; budget_ratio?: number; budget_window_s?: number; budget_floor?: number };
    breaker?: { window_s?: number; min_requests?: number; failure_rate?: number; open_s?: number; half_open_probes?: number };
  };
}

/** The outcome of the schema check. */
export type SchemaResult = { ok: true; value: RawPolicy } | { ok: false; errors: PolicyError[] };

/** Validates the parsed document against the policy schema; errors point at the offending nodes. */
export function validatePolicySchema(parsed: ParsedPolicy): SchemaResult {
  const validate = compiledSchema();
  if (validate(parsed.data)) return { ok: true, value: parsed.data as RawPolicy };
  const errors = collapseAlternatives(validate.errors ?? []);
  return { ok: false, errors: dedupe(explain(errors, parsed)) };
}

let validator: ValidateFunction | undefined;

function compiledSchema(): ValidateFunction {
  // Compiled once per process: Ajv generates code, a few ms we do not pay per policy.
  // verbose: errors carry their schema, so messages can list allowed fields and alternatives.
  validator ??= new Ajv({ strict: true, allErrors: true, verbose: true, allowUnionTypes: true }).compile(policySchema);
  return validator;
}

/** Patterns of the schema in words, for messages. */
const PATTERN_WORDS: Record<string, string> = {
  '^https?://[^\\s/?#]+([/?#]\\S*)?$': 'an http:// or https:// URL',
  '^[A-Z][A-Z0-9_]*$': 'an environment variable name (upper case letters, digits and _, like OPENAI_API_KEY)',
  '^[a-z0-9][a-z0-9_.-]*$': 'lower case letters, digits, "_", "." and "-", starting with a letter or digit',
};

/**
 * anyOf reports every branch's failure plus its own; the user needs one message. If the value
 * has the type one branch expects, that branch's errors are the real ones (e.g. a number inside
 * a list of strings); otherwise one "must be X or Y" replaces them all.
 */
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  let out = errors;
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  for (const combinator of combinators) {
    const prefix = `${combinator.schemaPath}/`;
    const branchOf = (e: ErrorObject): number => Number(e.schemaPath.slice(prefix.length).split('/')[0]);
    const here = combinator.instancePath;
    // The same anyOf fails once per list item it applies to: keep to this instance's errors.
    const inside = out.filter(
      (e) => e.schemaPath.startsWith(prefix) && (e.instancePath === here || e.instancePath.startsWith(`${here}/`)),
    );
    if (inside.length === 0) continue;
    const branches = [...new Set(inside.map(branchOf))];
    const typeFits = branches.find(
      (b) => !inside.some((e) => branchOf(e) === b && e.keyword === 'type' && e.instancePath === here),
    );
    const kept = typeFits === undefined ? [] : inside.filter((e) => branchOf(e) === typeFits);
    out = out.filter((e) => !inside.includes(e) && (e !== combinator || typeFits === undefined)).concat(kept);
  }
  return out;
}

function explain(errors: ErrorObject[], parsed: ParsedPolicy): PolicyError[] {
  const out: PolicyError[] = [];
  for (const error of errors) {
    const path = toPath(error.instancePath, parsed.data);
    const where = formatPath(path) || 'the policy';
    const fail = (code: PolicyErrorCode, message: string, at = locate(parsed, path)): void => {
      out.push(new PolicyError(code, message, at, { path: formatPath(path) || undefined }));
    };
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const allowed = Object.keys((error.parentSchema?.properties ?? {}) as object);
        const guess = closestName(key, allowed);
        const owner = path.length === 0 ? 'at the top level' : `in ${where}`;
        let message = `unknown field ${JSON.stringify(key)} ${owner}`;
        if (guess !== undefined) message += ` (did you mean ${JSON.stringify(guess)}?)`;
        message += `; allowed fields: ${allowed.join(', ')}`;
        if (/^(api_?key|key|token|secret|password)$/i.test(key)) {
          message += '; credentials come from environment variable names only (api_key_env)';
        }
        const at = locate(parsed, [...path, key], 'key');
        out.push(new PolicyError('SY_POLICY_UNKNOWN_FIELD', message, at, { path: formatPath([...path, key]) }));
        break;
      }
      case 'required': {
        // One message per object, naming every missing field; a misspelt field is reported
        // once, as unknown with a suggestion, not also as missing.
        const siblings = errors.filter((e) => e.keyword === 'required' && e.instancePath === error.instancePath);
        if (siblings[0] !== error) break;
        const missing = siblings.map((e) => String(e.params.missingProperty)).filter((field) => !errors.some(
          (e) => e.keyword === 'additionalProperties' && e.instancePath === error.instancePath
            && closestName(String(e.params.additionalProperty), [field]) === field,
        ));
        if (missing.length === 0) break;
        const fields = joinAnd(missing.map((f) => JSON.stringify(f)));
        fail('SY_POLICY_MISSING_FIELD', `${where} is missing the required field${missing.length > 1 ? 's' : ''} ${fields}`, locate(parsed, path, 'key'));
        break;
      }
      case 'type':
        if (path.length === 0 && error.data === null) {
          fail('SY_POLICY_BAD_TYPE', 'the policy is empty: it must be a map with version, providers, models and routes');
          break;
        }
        fail('SY_POLICY_BAD_TYPE', `${where} must be ${typeWords(params.type)}${notValue(error.data, path)}`);
        break;
      case 'anyOf':
      case 'oneOf':
        fail('SY_POLICY_BAD_TYPE', `${where} must be ${alternativesWords(error.schema)}${notValue(error.data, path)}`);
        break;
      case 'enum':
        fail('SY_POLICY_BAD_VALUE', `${where} must be one of ${(params.allowedValues as unknown[]).join(', ')}${notValue(error.data, path)}`);
        break;
      case 'const':
        fail('SY_POLICY_BAD_VALUE', `${where} must be ${JSON.stringify(params.allowedValue)}${notValue(error.data, path)}`);
        break;
      case 'pattern': {
        const words = PATTERN_WORDS[String(params.pattern)] ?? `text matching ${String(params.pattern)}`;
        fail('SY_POLICY_BAD_FORMAT', `${where} must be ${words}${notValue(error.data, path)}`);
        break;
      }
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        fail('SY_POLICY_OUT_OF_RANGE', `${where} must be ${COMPARISON_WORDS[String(params.comparison)] ?? String(params.comparison)} ${String(params.limit)}${notValue(error.data, path)}`);
        break;
      case 'minItems':
      case 'minProperties':
      case 'minLength':
        if (params.limit === 1) fail('SY_POLICY_EMPTY', `${where} must not be empty`);
        else fail('SY_POLICY_OUT_OF_RANGE', `${where} ${error.message ?? 'is too short'}`);
        break;
      default:
        fail('SY_POLICY_SCHEMA', `${where} ${error.message ?? 'breaks the policy schema'}`);
    }
  }
  return out;
}

/** JSON pointer -> path segments, with list indices as numbers (walking the data to know which). */
function toPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const step: PathSegment = Array.isArray(node) ? Number(segment) : segment;
    path.push(step);
    node = node !== null && typeof node === 'object' ? (node as Record<PathSegment, unknown>)[step] : undefined;
  }
  return path;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true/false',
  array: 'a list',
  object: 'a map',
  null: 'empty',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return joinOr(types.map((t) => TYPE_WORDS[String(t)] ?? String(t)));
}

function alternativesWords(branches: unknown): string {
  if (!Array.isArray(branches)) return 'one of the allowed forms';
  return branches
    .map((b: { type?: unknown; items?: { type?: unknown } }) =>
      b.type === 'array' && b.items?.type !== undefined ? `a list of ${typeWords(b.items.type).replace(/^an? /, '')}s` : typeWords(b.type))
    .join(' or ');
}

/** `a`, `a or b`, `a, b or c`. */
function joinOr(words: readonly string[]): string {
  return joinLast(words, 'or');
}

/** `a`, `a and b`, `a, b and c`. */
function joinAnd(words: readonly string[]): string {
  return joinLast(words, 'and');
}

function joinLast(words: readonly string[], last: string): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}

const COMPARISON_WORDS: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'more than', '<': 'less than' };

/** `, not "x"` for a message; nothing for what sits under a credential-like key, never echoed. */
function notValue(value: unknown, path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && /key|secret|token|password/i.test(last)) return '';
  if (value === null || value === undefined) return ', not empty';
  if (Array.isArray(value)) return ', not a list';
  if (typeof value === 'object') return ', not a map';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `, not ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** The name within edit distance 2 (a third of its length for short names) of `word`, if any: for "did you mean". */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    const limit = Math.min(2, Math.floor(candidate.length / 3));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function dedupe(errors: PolicyError[]): PolicyError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = e.format();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
