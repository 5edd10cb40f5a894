/**
 * The policy compiler front end, stage by stage: parse (YAML, positions) -> schema (structure)
 * -> check (meaning) -> build the checked Policy. Each stage runs only on what the one before
 * accepted, so a user never sees errors that are echoes of an earlier one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PolicyError } from '../errors.js';
import { checkPolicy, findInlineSecrets, routeMatch } from './check.js';
import { checkLimits } from './analyze.js';
import { locate, parsePolicy } from './parse.js';
import type { ParsedPolicy } from './parse.js';
import { validatePolicySchema } from './schema.js';
import type { RawPolicy } from './schema.js';
import type { BudgetWindowSpec, ModelSpec, Policy, PolicyBudget, ProviderSpec, ResilienceSpec, RouteSpec, SourceLocation } from './types.js';
import { lowerPolicy, type CompiledPolicy } from './lower.js';
import { complexityWeightVector } from '../features.js';
import {
  CHARS_PER_TOKEN, KIND_CAPABILITIES, DEFAULT_EXPECTED_CACHED_SHARE, DEFAULT_EXPECTED_OUTPUT_TOKENS, DEFAULT_MAX_ATTEMPTS_PER_REQUEST, DEFAULT_QUALITY,
  DEFAULT_RESILIENCE, DEFAULT_RETRIES, IMAGE_BASE_TOKENS, IMAGE_TILE_TOKENS, defaultTokenizer,
} from './defaults.js';
import { compileConditions, type ConditionsResult } from './conditions.js';

const MAX_U32 = 0xffffffff;

/** A checked policy with its warnings, or every error (sorted by position, capped) and warnings. */
export type CompileResult =
  | { ok: true; policy: Policy; warnings: PolicyError[] }
  | { ok: false; errors: PolicyError[]; warnings: PolicyError[] };

/** Most errors (and warnings) reported at once; past it the last slot says how many more there are. */
export const MAX_REPORTED = 20;

/** Checks policy source text and builds the Policy; pure: no I/O, same answer for the same text. */
export function checkPolicySource(source: string, file: string): CompileResult {
  const result = parsePolicy(source, file);
  const warnings = [...result.warnings];
  const failed = (errors: PolicyError[]): CompileResult => ({ ok: false, errors: report(errors), warnings: report(warnings) });
  if (result.errors.length > 0) return failed(result.errors);

  const doc = result.parsed;
  // Before the schema: a pasted key must be reported as a secret, not as a malformed name that
  // the schema's message would quote back.
  const secrets = findInlineSecrets(doc);
  const schema = validatePolicySchema(doc);
  if (!schema.ok) {
    const secretPaths = new Set(secrets.map((e) => e.path));
    return failed([...secrets, ...schema.errors.filter((e) => !secretPaths.has(e.path))]);
  }

  const checked = checkPolicy(schema.value, doc);
  warnings.push(...checked.warnings);
  const conditions = compileConditions(schema.value, doc);
  const errors = [...secrets, ...checked.errors, ...conditions.errors];
  if (errors.length > 0) return failed(errors);
  const policy = buildPolicy(schema.value, doc, conditions);
  // Limits need the whole policy (prices, fallbacks), so they are checked on the built one.
  const limits = checkLimits(policy, doc);
  if (limits.length > 0) return failed(limits);
  return { ok: true, policy, warnings: report(warnings) };
}

/** Reads and checks a policy file; an unreadable file is an SY_POLICY_READ error at file:1:1. */
export function checkPolicyFile(path: string): CompileResult {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    const error = new PolicyError('SY_POLICY_READ', `cannot read the policy: ${reason}`, { file: path, line: 1, col: 1 });
    return { ok: false, errors: [error], warnings: [] };
  }
  return checkPolicySource(source, path);
}

function buildPolicy(raw: RawPolicy, parsed: ParsedPolicy, conditions: ConditionsResult): Policy {
  const keyLoc = (section: string, name: string): SourceLocation => locate(parsed, [section, name], 'key');
  const providers = Object.entries(raw.providers).map(([name, p]): ProviderSpec => ({
    name,
    kind: p.kind,
    baseUrl: p.base_url,
    baseUrlEnv: p.base_url_env ?? null,
    apiKeyEnv: p.api_key_env,
    batchDiscount: p.batch_discount ?? 0,
    loc: keyLoc('providers', name),
  }));
  const models = Object.entries(raw.models).map(([name, m]): ModelSpec => {
    // The checker guarantees the provider exists.
    const provider = raw.providers[m.provider]!;
    const upstream = m.upstream ?? name;
    return {
      name,
      provider: m.provider,
      upstream,
      inputPerMTok: m.price.input,
      outputPerMTok: m.price.output,
      cachedInputPerMTok: m.price.cached_input ?? m.price.input,
      cacheWritePerMTok: m.price.cache_write ?? m.price.input,
      batchDiscount: m.price.batch_discount ?? provider.batch_discount ?? 0,
      contextWindow: m.context_window,
      maxOutputTokens: m.max_output_tokens ?? m.context_window,
      type: m.type ?? 'chat',
      // An embedding model does none of chat's extras; a chat model does what its kind's adapter can.
      capabilities: [...(m.capabilities ?? (m.type === 'embedding' ? [] : KIND_CAPABILITIES[provider.kind]))],
      quality: m.quality ?? DEFAULT_QUALITY,
      tokenizer: m.tokenizer ?? defaultTokenizer(provider.kind, upstream),
      charsPerToken: m.chars_per_token ?? CHARS_PER_TOKEN[provider.kind],
      // The checker allows one form: patch (no base or tile) or tile (both).
      imageBaseTokens: m.image_tokens?.patch_multiplier !== undefined ? 0 : m.image_tokens?.base ?? IMAGE_BASE_TOKENS,
      imageTileTokens: m.image_tokens?.patch_multiplier !== undefined ? 0 : m.image_tokens?.tile ?? IMAGE_TILE_TOKENS,
      ...(m.image_tokens?.patch_multiplier !== undefined ? { imagePatchMultiplier: Math.round(m.image_tokens.patch_multiplier * 100) } : {}),
      loc: keyLoc('models', name),
    };
  });
  const routes = raw.routes.map((r, i): RouteSpec => {
    const match = routeMatch(r, i, parsed);
    return {
      name: r.name,
      matchModels: match.models,
      matchMetadata: match.metadata,
      matchComplexity: [r.match?.complexity?.min ?? 0, r.match?.complexity?.max ?? 1],
      matchPromptTokens: [r.match?.prompt_tokens?.min ?? 0, r.match?.prompt_tokens?.max ?? MAX_U32],
      candidates: [...r.candidates],
      expectedOutputTokens: r.expected_output_tokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS,
      expectedCachedShare: r.expected_cached_share ?? DEFAULT_EXPECTED_CACHED_SHARE,
      when: r.when === undefined ? null : { source: r.when, index: conditions.indexes[i]! },
      strategy: r.strategy ?? 'ordered',
      minQuality: r.require?.min_quality ?? 1,
      maxCostUsd: r.require?.max_cost_usd ?? Infinity,
      requiredCapabilities: [...(r.require?.capabilities ?? [])],
      maxLatencyMs: r.require?.max_latency_ms ?? null,
      // The checker guarantees a weight for every candidate of a weighted route.
      weights: r.strategy === 'weighted' ? r.candidates.map((c) => r.weights?.[c] ?? 0) : [],
      splitBy: r.split_by ?? 'caller',
      maxTokensDefault: r.max_tokens?.default ?? null,
      maxTokensMax: r.max_tokens?.max ?? null,
      retries: r.retries ?? raw.defaults?.retries ?? DEFAULT_RETRIES,
      fallback: r.fallback ?? null,
      tier: r.tier ?? 'realtime',
      loc: locate(parsed, ['routes', i]),
    };
  });
  return {
    file: parsed.file,
    hash: createHash('sha256').update(parsed.source, 'utf8').digest('hex'),
    // Source order, not object-key order (which would put a model named "4" first).
    providers: providers.sort(bySource),
    models: models.sort(bySource),
    routes,
    complexityWeights: { ...raw.complexity?.weights, ...(raw.complexity?.bias === undefined ? {} : { bias: raw.complexity.bias }) },
    defaultRetries: raw.defaults?.retries ?? DEFAULT_RETRIES,
    conditions: conditions.compiled,
    resilience: resilienceOf(raw.resilience),
    budgets: (raw.budgets ?? []).map((b, i): PolicyBudget => ({
      name: b.name,
      scope: b.scope,
      match: b.match ?? null,
      // The checker guarantees exactly one of the two limits.
      unit: b.limit_usd !== undefined ? 'usd' : 'tokens',
      limit: b.limit_usd ?? b.limit_tokens!,
      window: budgetWindow(b.window),
      onExceed: b.on_exceed ?? 'reject',
      downgradeTo: b.downgrade_to ?? null,
      alertAt: [...(b.alert_at ?? [])].sort((x, y) => x - y),
      loc: locate(parsed, ['budgets', i]),
    })),
    budgetStore: { onUnreachable: raw.budget_store?.on_unreachable ?? 'closed', reservationTtlS: raw.budget_store?.reservation_ttl_s ?? 600 },
    recording: {
      // Relative to the policy, so a policy and its log can move together.
      path: raw.recording?.path === undefined ? null : resolve(dirname(parsed.file), raw.recording.path),
      redaction: raw.recording?.redaction ?? 'counts',
      maxBytes: Math.round((raw.recording?.max_mb ?? 100) * 1024 * 1024),
      keep: raw.recording?.keep ?? 5,
    },
    limits: {
      maxAttemptsPerRequest: raw.limits?.max_attempts_per_request ?? DEFAULT_MAX_ATTEMPTS_PER_REQUEST,
      maxCostPerRequestUsd: raw.limits?.max_cost_per_request_usd ?? Infinity,
    },
  };
}

/** `hour` | `day` | `month`, or a rolling span like `24h`, `7d`, `30m`. */
function budgetWindow(text: string): BudgetWindowSpec {
  if (text === 'hour' || text === 'day' || text === 'month') return { kind: 'calendar', unit: text };
  const unit = { m: 60, h: 3600, d: 86400 }[text.slice(-1) as 'm'];
  return { kind: 'rolling', seconds: Number(text.slice(0, -1)) * unit };
}

function resilienceOf(raw: RawPolicy['resilience']): ResilienceSpec {
  const d = DEFAULT_RESILIENCE;
  const t = raw?.timeouts;
  const r = raw?.retry;
  const b = raw?.breaker;
  return {
    timeouts: { connectMs: t?.connect_ms ?? d.timeouts.connectMs, firstByteMs: t?.first_byte_ms ?? d.timeouts.firstByteMs, idleMs: t?.idle_ms ?? d.timeouts.idleMs, totalMs: t?.total_ms ?? d.timeouts.totalMs },
    retry: { baseMs: r?.base_ms ?? d.retry.baseMs, maxMs: r?.max_ms ?? d.retry.maxMs, budgetRatio: r?.budget_ratio ?? d.retry.budgetRatio, budgetWindowS: r?.budget_window_s ?? d.retry.budgetWindowS, budgetFloor: r?.budget_floor ?? d.retry.budgetFloor },
    breaker: { windowS: b?.window_s ?? d.breaker.windowS, minRequests: b?.min_requests ?? d.breaker.minRequests, failureRate: b?.failure_rate ?? d.breaker.failureRate, openS: b?.open_s ?? d.breaker.openS, halfOpenProbes: b?.half_open_probes ?? d.breaker.halfOpenProbes },
  };
}

function bySource(a: { loc: SourceLocation }, b: { loc: SourceLocation }): number {
  return a.loc.line - b.loc.line || a.loc.col - b.loc.col;
}

/** Sorted by position; past MAX_REPORTED, the last slot counts what was left out. */
function report(errors: PolicyError[]): PolicyError[] {
  const sorted = [...errors].sort((a, b) => a.line - b.line || a.col - b.col);
  if (sorted.length <= MAX_REPORTED) return sorted;
  const shown = sorted.slice(0, MAX_REPORTED - 1);
  const next = sorted[MAX_REPORTED - 1] as PolicyError;
  const hidden = sorted.length - shown.length;
  shown.push(new PolicyError('SY_POLICY_TOO_MANY_ERRORS', `${hidden} more not shown; fix the ones above and check again`, next, { severity: next.severity }));
  return shown;
}

/** A policy ready to serve, or every error that stops it. */
export type BuildResult =
  | { ok: true; compiled: CompiledPolicy; warnings: PolicyError[] }
  | { ok: false; errors: PolicyError[]; warnings: PolicyError[] };

/** Checks, completes and lowers policy source into the program the core evaluates. */
export function compilePolicySource(source: string, file: string): BuildResult {
  return lowerChecked(checkPolicySource(source, file));
}

/** Reads a policy file and compiles it; see compilePolicySource. */
export function compilePolicyFile(path: string): BuildResult {
  return lowerChecked(checkPolicyFile(path));
}

function lowerChecked(result: CompileResult): BuildResult {
  if (!result.ok) return result;
  // After check: the implicit routes must not take part in the shadowing analysis, since any
  // catch-all route the operator writes shadows them on purpose.
  // The schema allows only known weight names, so the vector cannot be refused here.
  const weights = Object.keys(result.policy.complexityWeights).length > 0 ? complexityWeightVector(result.policy.complexityWeights) : [];
  return { ok: true, compiled: lowerPolicy(withDirectRoutes(result.policy), weights), warnings: result.warnings };
}

/**
 * Appends one route per model, named `model:<name>`, matching the model's own name: clients may
 * ask for any declared model directly. They come after the written routes, so a written route
 * that claims a model name wins. The `:` keeps them apart from written names, which the schema
 * restricts to [a-z0-9_.-].
 */
export function withDirectRoutes(policy: Policy): Policy {
  const direct = policy.models.map((m): RouteSpec => ({
    name: `model:${m.name}`,
    matchModels: [m.name],
    matchMetadata: [],
    matchComplexity: [0, 1],
    matchPromptTokens: [0, MAX_U32],
    candidates: [m.name],
    expectedOutputTokens: DEFAULT_EXPECTED_OUTPUT_TOKENS,
    expectedCachedShare: DEFAULT_EXPECTED_CACHED_SHARE,
    when: null,
    strategy: 'ordered',
    minQuality: 1,
    maxCostUsd: Infinity,
    requiredCapabilities: [],
    maxLatencyMs: null,
    weights: [],
    splitBy: 'caller',
    maxTokensDefault: null,
    maxTokensMax: null,
    retries: policy.defaultRetries,
    fallback: null,
    tier: 'realtime',
    loc: m.loc,
  }));
  return { ...policy, routes: [...policy.routes, ...direct] };
}
