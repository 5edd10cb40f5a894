/**
 * Semantic checks the schema cannot express: names that must refer to declared things, names
 * that must be unique, routes that can never be reached, and credentials pasted where only an
 * environment variable name belongs.
 */
import { PolicyError } from '../errors.js';
import { formatPath, locate, scalarSource } from './parse.js';
import type { ParsedPolicy, PathSegment } from './parse.js';
import { closestName } from './schema.js';
import type { RawPolicy, RawRoute } from './schema.js';

/** What the semantic checks found. */
export interface CheckResult {
  errors: PolicyError[];
  warnings: PolicyError[];
}

/** The match of a route as the core compares it: model aliases and metadata pairs as strings. */
export interface RouteMatch {
  /** Empty: any requested model. */
  models: string[];
  metadata: Array<[key: string, value: string]>;
}

// Prefixes real providers put on their keys: OpenAI/DeepSeek sk-, Anthropic sk-ant-, Google
// AIza, Groq gsk_, xAI xai-, Hugging Face hf_, GitHub ghp_, and a pasted Authorization header.
const KEY_PREFIX = /^(?:sk|pk|rk)[-_]|^(?:AIza|gsk_|xai-|hf_|ghp_|Bearer\s)/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
/** Long enough that a name-shaped value this long without word structure is a generated key. */
const MIN_KEY_LENGTH = 20;

/** True when a value written where an environment variable name belongs looks like a credential. */
export function looksLikeSecret(value: string): boolean {
  if (KEY_PREFIX.test(value)) return true;
  if (ENV_NAME.test(value)) return false;
  // openai_api_key is a misspelt variable name (the schema says so), not a key: keys are not words.
  const wordy = value.split('_').every((part) => /^[A-Za-z]+[0-9]*$/.test(part));
  return value.length >= MIN_KEY_LENGTH && !wordy;
}

/**
 * Inline credentials in providers, found on the unvalidated document so a pasted key is named
 * for what it is even though the schema also rejects it. The value is never repeated.
 */
export function findInlineSecrets(parsed: ParsedPolicy): PolicyError[] {
  const providers = asRecord(asRecord(parsed.data)?.providers);
  if (providers === undefined) return [];
  const errors: PolicyError[] = [];
  for (const [name, value] of Object.entries(providers)) {
    const provider = asRecord(value);
    if (provider === undefined) continue;
    for (const field of ['api_key_env', 'base_url_env']) {
      const text = provider[field];
      if (typeof text !== 'string' || !looksLikeSecret(text)) continue;
      const path = ['providers', name, field];
      errors.push(new PolicyError(
        'SY_POLICY_INLINE_SECRET',
        `${field} of provider ${JSON.stringify(name)} looks like a credential, not a variable name; credentials come from environment variable names only (e.g. ${field}: ${envNameFor(name, field)}), never from the policy file`,
        locate(parsed, path),
        { path: formatPath(path) },
      ));
    }
    const url = provider.base_url;
    if (typeof url === 'string' && /^[a-z]+:\/\/[^/?#\s]*@|[?&](?:api_?key|key|token)=/i.test(url)) {
      const path = ['providers', name, 'base_url'];
      errors.push(new PolicyError(
        'SY_POLICY_INLINE_SECRET',
        `base_url of provider ${JSON.stringify(name)} carries a credential; credentials come from environment variable names only (api_key_env)`,
        locate(parsed, path),
        { path: formatPath(path) },
      ));
    }
  }
  return errors;
}

/** Checks what the schema cannot on a schema-valid policy: references, uniqueness, reachability. */
export function checkPolicy(raw: RawPolicy, parsed: ParsedPolicy): CheckResult {
  const errors: PolicyError[] = [];
  const warnings: PolicyError[] = [];
  const fail = (code: PolicyError['code'], message: string, path: PathSegment[], at: 'value' | 'key' = 'value'): void => {
    errors.push(new PolicyError(code, message, locate(parsed, path, at), { path: formatPath(path) }));
  };

  const providerNames = Object.keys(raw.providers);
  for (const [name, model] of Object.entries(raw.models)) {
    if (Object.hasOwn(raw.providers, model.provider)) continue;
    fail('SY_POLICY_UNKNOWN_PROVIDER',
      `model ${JSON.stringify(name)} names provider ${JSON.stringify(model.provider)}, which is not declared under providers${suggest(model.provider, providerNames)}`,
      ['models', name, 'provider']);
  }

  const modelNames = Object.keys(raw.models);
  const firstByName = new Map<string, number>();
  raw.routes.forEach((route, i) => {
    const seen = new Set<string>();
    route.candidates.forEach((candidate, j) => {
      const path = ['routes', i, 'candidates', j];
      if (!Object.hasOwn(raw.models, candidate)) {
        fail('SY_POLICY_UNKNOWN_MODEL',
          `route ${JSON.stringify(route.name)} lists candidate ${JSON.stringify(candidate)}, which is not declared under models${suggest(candidate, modelNames)}`,
          path);
      } else if (seen.has(candidate)) {
        fail('SY_POLICY_DUPLICATE_CANDIDATE', `route ${JSON.stringify(route.name)} lists candidate ${JSON.stringify(candidate)} twice`, path);
      }
      seen.add(candidate);
    });

    const first = firstByName.get(route.name);
    if (first === undefined) firstByName.set(route.name, i);
    else {
      const line = locate(parsed, ['routes', first]).line;
      fail('SY_POLICY_DUPLICATE_ROUTE', `route name ${JSON.stringify(route.name)} is already used by the route at line ${line}`, ['routes', i, 'name']);
    }
  });

  const matches = raw.routes.map((route, i) => routeMatch(route, i, parsed));
  raw.routes.forEach((route, j) => {
    const shadows = shadowedBy(matches, j);
    if (shadows.length === 0) return;
    const named = shadows.map((i) => `${JSON.stringify(raw.routes[i]?.name)} (line ${locate(parsed, ['routes', i]).line})`);
    const by = named.length === 1
      ? `route ${named[0]} comes first and matches`
      : `routes ${named.join(', ')} come first and between them match`;
    const path = ['routes', j];
    warnings.push(new PolicyError(
      'SY_POLICY_SHADOWED_ROUTE',
      `route ${JSON.stringify(route.name)} can never match: ${by} every request this one matches`,
      locate(parsed, path),
      { path: formatPath(path), severity: 'warning' },
    ));
  });
  return { errors, warnings };
}

/**
 * The match of routes[index] with a missing `model` as [] and metadata values as strings;
 * numbers and booleans keep the spelling they have in the file (`007` stays "007", not "7").
 */
export function routeMatch(route: RawRoute, index: number, parsed: ParsedPolicy): RouteMatch {
  const model = route.match?.model;
  const models = model === undefined ? [] : typeof model === 'string' ? [model] : [...new Set(model)];
  const metadata = Object.entries(route.match?.metadata ?? {}).map(([key, value]): [string, string] => [
    key,
    typeof value === 'string' ? value : scalarSource(parsed, ['routes', index, 'match', 'metadata', key]) ?? String(value),
  ]);
  return { models, metadata };
}

/**
 * Indices of earlier routes that together match every request routes[j] would, or [] if it can
 * still match something. A list of aliases is covered alias by alias, so [a, b] is shadowed by
 * one route for a and another for b.
 */
function shadowedBy(matches: readonly RouteMatch[], j: number): number[] {
  const later = matches[j] as RouteMatch;
  const firstCovering = (target: RouteMatch): number => matches.findIndex((m, i) => i < j && covers(m, target));
  if (later.models.length === 0) {
    const i = firstCovering(later);
    return i < 0 ? [] : [i];
  }
  const found = later.models.map((model) => firstCovering({ models: [model], metadata: later.metadata }));
  return found.includes(-1) ? [] : [...new Set(found)].sort((a, b) => a - b);
}

/** True when every request `later` matches is also matched by `earlier`. */
function covers(earlier: RouteMatch, later: RouteMatch): boolean {
  const models = earlier.models.length === 0
    || (later.models.length > 0 && later.models.every((m) => earlier.models.includes(m)));
  return models && earlier.metadata.every(([k, v]) => later.metadata.some(([k2, v2]) => k === k2 && v === v2));
}

function suggest(name: string, declared: readonly string[]): string {
  const guess = closestName(name, declared);
  if (guess !== undefined) return ` (did you mean ${JSON.stringify(guess)}?)`;
  return declared.length <= 8 ? ` (declared: ${declared.join(', ')})` : '';
}

function envNameFor(provider: string, field: string): string {
  const stem = provider.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^[^A-Z]+/, '') || 'PROVIDER';
  return `${stem}_${field === 'api_key_env' ? 'API_KEY' : 'BASE_URL'}`;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
