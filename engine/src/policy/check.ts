/**
 * Semantic checks the schema cannot express: names that must refer to declared things, names
 * that must be unique, routes that can never be reached, and credentials pasted where only an
 * environment variable name belongs. Warnings (the policy still serves) name what can never
 * happen but harms nothing: candidates their route always excludes, providers nothing calls.
 */
import { PolicyError } from '../errors.js';
import { formatPath, locate, scalarSource } from './parse.js';
import type { ParsedPolicy, PathSegment } from './parse.js';
import { closestName } from './schema.js';
import type { RawModel, RawPolicy, RawRoute } from './schema.js';
import { DEFAULT_QUALITY, KIND_CAPABILITIES } from './defaults.js';

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
  complexity: [min: number, max: number];
  promptTokens: [min: number, max: number];
  /** The route's condition text, or null. */
  when: string | null;
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
    if (model.type === 'embedding' && raw.providers[model.provider]?.kind === 'anthropic') {
      fail('SY_POLICY_BAD_VALUE', `model ${JSON.stringify(name)} is an embedding model, but provider ${JSON.stringify(model.provider)} speaks the Anthropic API, which has no embeddings`, ['models', name, 'type']);
    }
    if (model.image_tokens) checkImageTokens(name, model.image_tokens, fail);
    const kind = raw.providers[model.provider]?.kind;
    // A capability the adapter cannot express would pass the decision and fail at dispatch.
    model.capabilities?.forEach((capability, i) => {
      if (kind === undefined || KIND_CAPABILITIES[kind].includes(capability)) return;
      fail('SY_POLICY_BAD_VALUE', `model ${JSON.stringify(name)} lists capability ${capability}, but provider ${JSON.stringify(model.provider)} is of kind ${kind}, whose adapter cannot express it; ${kind} models can have ${KIND_CAPABILITIES[kind].join(', ')}`, ['models', name, 'capabilities', i]);
    });
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
    // An error, not a warning: a route that can never match is a policy that does not say what
    // its author meant, and serving it would hide that.
    fail('SY_POLICY_SHADOWED_ROUTE', `route ${JSON.stringify(route.name)} can never match: ${by} every request this one matches; move it up or narrow the earlier match`, ['routes', j]);
  });
  checkStrategies(raw, fail);
  checkFallbacks(raw, parsed, fail);
  checkBudgets(raw, fail);
  const warn: Fail = (code, message, path, at = 'value') => {
    warnings.push(new PolicyError(code, message, locate(parsed, path, at), { path: formatPath(path), severity: 'warning' }));
  };
  warnNeverEligible(raw, warn);
  warnUnusedProviders(raw, warn);
  return { errors, warnings };
}

type Fail = (code: PolicyError['code'], message: string, path: PathSegment[], at?: 'value' | 'key') => void;

/** Settings that only one strategy reads must come with it, and weights must cover the candidates. */
/**
 * image_tokens is one of OpenAI's two formulas: `{ base, tile }` or `{ patch_multiplier }`. The
 * schema only types the fields (an anyOf of two maps would report "must be a map or a map").
 * The multiplier is kept in hundredths in the program, so finer ones would be silently rounded.
 */
function checkImageTokens(name: string, image: NonNullable<RawModel['image_tokens']>, fail: Fail): void {
  const at = ['models', name, 'image_tokens'];
  const tileFields = (['base', 'tile'] as const).filter((f) => image[f] !== undefined);
  if (image.patch_multiplier !== undefined) {
    if (tileFields.length > 0) {
      fail('SY_POLICY_BAD_VALUE', `model ${JSON.stringify(name)}: image_tokens has both the patch form (patch_multiplier) and the tile form (${tileFields.join(', ')}); write one of them`, [...at, tileFields[0]!], 'key');
    }
    const hundredths = image.patch_multiplier * 100;
    if (Math.abs(hundredths - Math.round(hundredths)) > 1e-6) {
      fail('SY_POLICY_BAD_VALUE', `model ${JSON.stringify(name)}: image_tokens.patch_multiplier ${image.patch_multiplier} has more than two decimals; write it in hundredths (like 1.62)`, [...at, 'patch_multiplier']);
    }
    return;
  }
  if (tileFields.length < 2) {
    const missing = tileFields.length === 0 ? 'base and tile (the tile form), or patch_multiplier (the patch form)' : tileFields[0] === 'base' ? 'tile' : 'base';
    fail('SY_POLICY_MISSING_FIELD', `models.${name}.image_tokens is missing ${missing}`, at, 'key');
  }
}

function checkStrategies(raw: RawPolicy, fail: Fail): void {
  raw.routes.forEach((route, i) => {
    const strategy = route.strategy ?? 'ordered';
    const name = JSON.stringify(route.name);
    if (strategy !== 'weighted') {
      if (route.weights !== undefined) fail('SY_POLICY_STRATEGY', `route ${name} sets weights but its strategy is ${strategy}; weights apply to strategy: weighted`, ['routes', i, 'weights'], 'key');
      if (route.split_by !== undefined) fail('SY_POLICY_STRATEGY', `route ${name} sets split_by but its strategy is ${strategy}; split_by applies to strategy: weighted`, ['routes', i, 'split_by'], 'key');
    } else if (route.weights === undefined) {
      fail('SY_POLICY_STRATEGY', `route ${name} has strategy weighted but no weights; give each candidate a weight, e.g. weights: { ${route.candidates[0]}: 90 }`, ['routes', i, 'strategy']);
    } else {
      const weights = route.weights;
      for (const model of Object.keys(weights)) {
        if (!route.candidates.includes(model)) fail('SY_POLICY_STRATEGY', `route ${name} weighs ${JSON.stringify(model)}, which is not one of its candidates`, ['routes', i, 'weights', model], 'key');
      }
      const missing = route.candidates.filter((c) => !Object.hasOwn(weights, c));
      if (missing.length > 0) fail('SY_POLICY_STRATEGY', `route ${name} has no weight for ${missing.map((m) => JSON.stringify(m)).join(', ')}; every candidate of a weighted route needs one (0 to keep it as failover only)`, ['routes', i, 'weights'], 'key');
      else if (route.candidates.every((c) => weights[c] === 0)) fail('SY_POLICY_STRATEGY', `route ${name} gives every candidate weight 0; at least one must be above 0`, ['routes', i, 'weights'], 'key');
    }
    const mt = route.max_tokens;
    if (mt?.default !== undefined && mt.max !== undefined && mt.default > mt.max) {
      fail('SY_POLICY_STRATEGY', `route ${name} sets max_tokens.default ${mt.default} above max_tokens.max ${mt.max}`, ['routes', i, 'max_tokens', 'default']);
    }
  });
}

/**
 * Candidates their own route always excludes, whatever the request and the snapshot: the core
 * checks a route's required capabilities and quality floor against the model's declared ones
 * (engine/assembly/decide.ts exclusion()), so such a candidate only lengthens the list. A
 * warning, not an error: a fallback route may still offer the model under its own requirements.
 */
function warnNeverEligible(raw: RawPolicy, warn: Fail): void {
  raw.routes.forEach((route, i) => {
    const required = route.require?.capabilities ?? [];
    const floor = route.require?.min_quality;
    route.candidates.forEach((candidate, j) => {
      const model = raw.models[candidate];
      if (model === undefined) return; // reported as SY_POLICY_UNKNOWN_MODEL
      const path = ['routes', i, 'candidates', j];
      const of = `route ${JSON.stringify(route.name)} can never use candidate ${JSON.stringify(candidate)}`;
      const has = capabilitiesOf(model, raw);
      if (has === undefined) return; // its provider is unknown: reported as SY_POLICY_UNKNOWN_PROVIDER
      const missing = required.filter((c) => !has.includes(c));
      if (missing.length > 0) {
        warn('SY_POLICY_NEVER_ELIGIBLE', `${of}: the route requires ${missing.join(', ')}, which the model does not list in its capabilities; add the capability to the model if it has it, or drop the candidate`, path);
      }
      const quality = model.quality ?? DEFAULT_QUALITY;
      if (floor !== undefined && quality < floor) {
        warn('SY_POLICY_NEVER_ELIGIBLE', `${of}: the route requires min_quality ${floor} and the model's quality is ${quality}${model.quality === undefined ? ' (the default)' : ''}`, path);
      }
    });
  });
}

/** The capabilities the compiler gives a model (compile.ts buildPolicy): its own, else its provider kind's. */
function capabilitiesOf(model: RawModel, raw: RawPolicy): readonly string[] | undefined {
  const kind = raw.providers[model.provider]?.kind;
  if (kind === undefined) return undefined;
  return model.capabilities ?? (model.type === 'embedding' ? [] : KIND_CAPABILITIES[kind]);
}

/**
 * Providers no model names: nothing can ever call them, which usually means a leftover from a
 * removed model. There is no such warning for models: every model is reachable through its
 * implicit `model:<name>` route (compile.ts withDirectRoutes), so none is unused.
 */
function warnUnusedProviders(raw: RawPolicy, warn: Fail): void {
  const used = new Set(Object.values(raw.models).map((m) => m.provider));
  for (const name of Object.keys(raw.providers)) {
    if (!used.has(name)) warn('SY_POLICY_UNUSED_PROVIDER', `provider ${JSON.stringify(name)} is declared but no model uses it; remove it or name it in a model's provider`, ['providers', name], 'key');
  }
}

/** Each budget needs exactly one limit, a unique name, and a declared route to downgrade to when it downgrades. */
function checkBudgets(raw: RawPolicy, fail: Fail): void {
  const routes = raw.routes.map((r) => r.name);
  const seen = new Set<string>();
  (raw.budgets ?? []).forEach((b, i) => {
    const name = JSON.stringify(b.name);
    if ((b.limit_usd === undefined) === (b.limit_tokens === undefined)) {
      fail('SY_POLICY_BUDGET', `budget ${name} needs exactly one of limit_usd and limit_tokens`, ['budgets', i], 'value');
    }
    if (seen.has(b.name)) fail('SY_POLICY_BUDGET', `budget name ${name} is used twice`, ['budgets', i, 'name']);
    seen.add(b.name);
    if (b.scope === 'global' && b.match !== undefined) fail('SY_POLICY_BUDGET', `budget ${name} has scope global, which has no values to match`, ['budgets', i, 'match']);
    if ((b.on_exceed ?? 'reject') === 'downgrade') {
      if (b.downgrade_to === undefined) fail('SY_POLICY_BUDGET', `budget ${name} downgrades but names no route in downgrade_to`, ['budgets', i, 'on_exceed']);
      else if (!routes.includes(b.downgrade_to)) fail('SY_POLICY_UNKNOWN_ROUTE', `budget ${name} downgrades to ${JSON.stringify(b.downgrade_to)}, which is not a route of this policy${suggest(b.downgrade_to, routes)}`, ['budgets', i, 'downgrade_to']);
    } else if (b.downgrade_to !== undefined) {
      fail('SY_POLICY_BUDGET', `budget ${name} sets downgrade_to but on_exceed is ${b.on_exceed ?? 'reject'}`, ['budgets', i, 'downgrade_to'], 'key');
    }
  });
}

/** Fallbacks must name declared routes and must not lead back to where they started. */
function checkFallbacks(raw: RawPolicy, parsed: ParsedPolicy, fail: Fail): void {
  const index = new Map(raw.routes.map((r, i) => [r.name, i]));
  const names = raw.routes.map((r) => r.name);
  const reported = new Set<number>();
  raw.routes.forEach((route, i) => {
    if (route.fallback === undefined) return;
    if (!index.has(route.fallback)) {
      fail('SY_POLICY_UNKNOWN_ROUTE', `route ${JSON.stringify(route.name)} falls back to ${JSON.stringify(route.fallback)}, which is not a route of this policy${suggest(route.fallback, names)}`, ['routes', i, 'fallback']);
      return;
    }
    // Walk the chain from here; a cycle is reported once, at its first route in the file.
    const path = [i];
    for (let next = index.get(route.fallback); next !== undefined; next = fallbackIndex(raw, index, next)) {
      if (next === i) {
        if (path.some((p) => reported.has(p))) break;
        path.forEach((p) => reported.add(p));
        const cycle = [...path, i].map((p) => `${JSON.stringify(raw.routes[p]!.name)} (line ${locate(parsed, ['routes', p]).line})`).join(' -> ');
        fail('SY_POLICY_FALLBACK_CYCLE', `routes fall back in a cycle: ${cycle}; a request would never run out of candidates to try`, ['routes', i, 'fallback']);
        break;
      }
      if (path.includes(next)) break; // a cycle that does not pass through i: reported from its own start
      path.push(next);
    }
  });
}

function fallbackIndex(raw: RawPolicy, index: ReadonlyMap<string, number>, i: number): number | undefined {
  const fallback = raw.routes[i]?.fallback;
  return fallback === undefined ? undefined : index.get(fallback);
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
  const complexity: [number, number] = [route.match?.complexity?.min ?? 0, route.match?.complexity?.max ?? 1];
  const promptTokens: [number, number] = [route.match?.prompt_tokens?.min ?? 0, route.match?.prompt_tokens?.max ?? 0xffffffff];
  return { models, metadata, complexity, promptTokens, when: route.when ?? null };
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
  const found = later.models.map((model) => firstCovering({ ...later, models: [model] }));
  return found.includes(-1) ? [] : [...new Set(found)].sort((a, b) => a - b);
}

/**
 * True when every request `later` matches is also matched by `earlier`. A condition is opaque
 * here: an earlier route with one covers only a later route with the very same condition.
 */
function covers(earlier: RouteMatch, later: RouteMatch): boolean {
  const models = earlier.models.length === 0
    || (later.models.length > 0 && later.models.every((m) => earlier.models.includes(m)));
  const within = (outer: [number, number], inner: [number, number]): boolean => outer[0] <= inner[0] && inner[1] <= outer[1];
  return models
    && earlier.metadata.every(([k, v]) => later.metadata.some(([k2, v2]) => k === k2 && v === v2))
    && within(earlier.complexity, later.complexity)
    && within(earlier.promptTokens, later.promptTokens)
    && (earlier.when === null || earlier.when.replace(/\s+/g, ' ').trim() === later.when?.replace(/\s+/g, ' ').trim());
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
