/**
 * The checked policy: what the compiler front end (parse -> schema -> semantic checks) hands to
 * `lower`, which turns it into the program the WebAssembly core evaluates. Every field is
 * resolved; nothing here is optional that the core needs.
 */
import type { EnvLayout } from './expr/index.js';

/** A position in a policy file, 1-based, as editors show it. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export type ProviderKind = 'openai' | 'anthropic' | 'gemini';

export interface ProviderSpec {
  name: string;
  kind: ProviderKind;
  /** Used when `baseUrlEnv` is unset or empty in the environment. */
  baseUrl: string;
  /** Environment variable that overrides `baseUrl` (e.g. OPENAI_BASE_URL). */
  baseUrlEnv: string | null;
  /** Environment variable holding the API key (e.g. OPENAI_API_KEY); never the key itself. */
  apiKeyEnv: string;
  /** Share of the price the batch tier takes off (0 = no batch tier). */
  batchDiscount: number;
  loc: SourceLocation;
}

/** How a model's prompt tokens are counted: exactly by an OpenAI encoding, or estimated. */
export type TokenizerKind = 'o200k_base' | 'cl100k_base' | 'estimate';

export interface ModelSpec {
  /** The name clients may ask for and routes refer to. */
  name: string;
  provider: string;
  /** The name the provider knows the model by. */
  upstream: string;
  /** USD per million input tokens. */
  inputPerMTok: number;
  /** USD per million output tokens. */
  outputPerMTok: number;
  /** USD per million prompt tokens served from the provider's prompt cache. */
  cachedInputPerMTok: number;
  /** USD per million prompt tokens written to the provider's prompt cache (Anthropic bills writes above input). */
  cacheWritePerMTok: number;
  /** Share of the price the batch tier takes off (0 = no batch tier). */
  batchDiscount: number;
  /** Prompt + output tokens the model accepts. */
  contextWindow: number;
  /** Most output tokens one response may have. */
  maxOutputTokens: number;
  capabilities: Capability[];
  /** What the model serves: chat completions, or embeddings. */
  type: 'chat' | 'embedding';
  /** Quality tier, 1 (weakest) to 5 (best). */
  quality: number;
  tokenizer: TokenizerKind;
  /** Characters per token when `tokenizer` is `estimate`. */
  charsPerToken: number;
  /** OpenAI's tile formula for images: tokens per image, and per 512-px tile at high detail. */
  imageBaseTokens: number;
  imageTileTokens: number;
  /**
   * OpenAI's patch formula instead (image_tokens.patch_multiplier): tokens per 32-px patch, in
   * hundredths (162 = 1.62). Absent for a tile-formula model.
   */
  imagePatchMultiplier?: number | undefined;
  loc: SourceLocation;
}

/** What a model can do beyond text chat. */
export type Capability = 'tools' | 'vision' | 'json_mode' | 'logprobs' | 'multiple_choices';

export type Strategy = 'ordered' | 'cheapest' | 'fastest' | 'weighted';

/** A route condition: its text, and its index among the compiled conditions. */
export interface ConditionSpec {
  source: string;
  index: number;
}

/** Every condition of the policy compiled: the program's bytecode section and its slot table. */
export interface CompiledConditions {
  section: Uint8Array;
  layout: EnvLayout;
}

export interface RouteSpec {
  name: string;
  /** Requested model aliases this route answers; empty = any alias. */
  matchModels: string[];
  /** Every pair must equal the request's metadata value. */
  matchMetadata: Array<[key: string, value: string]>;
  /** Inclusive complexity range [min, max] the request must fall in; [0, 1] when unconstrained. */
  matchComplexity: [min: number, max: number];
  /** Inclusive prompt token range; [0, 2^32-1] when unconstrained. */
  matchPromptTokens: [min: number, max: number];
  /** Model names in failover order. */
  candidates: string[];
  /** Output tokens assumed when the request leaves max_tokens open. */
  expectedOutputTokens: number;
  /** Share of the prompt (0..1) the cost estimate assumes the provider serves from its prompt cache. */
  expectedCachedShare: number;
  /** The `when` condition, or null. */
  when: ConditionSpec | null;
  strategy: Strategy;
  /** Minimum quality tier (1 = any). */
  minQuality: number;
  /** Estimated cost cap per request in USD; Infinity when none. */
  maxCostUsd: number;
  requiredCapabilities: Capability[];
  /** Candidates whose latency EWMA is above this are excluded; null = no target. */
  maxLatencyMs: number | null;
  /** Weighted strategy: weight per candidate, in candidate order; [] for other strategies. */
  weights: number[];
  splitBy: 'caller' | 'user' | 'session';
  /** max_tokens rewrite: set when absent / clamp when above; null = leave. */
  maxTokensDefault: number | null;
  maxTokensMax: number | null;
  retries: number;
  /** Name of the route tried after this one's candidates, or null. */
  fallback: string | null;
  /** When its requests are served: now, or on the provider's batch tier. */
  tier: 'realtime' | 'batch';
  loc: SourceLocation;
}

export interface Policy {
  /** Path the policy was read from (as given), for error messages. */
  file: string;
  /** sha256 of the source bytes, hex; names the policy in every decision. */
  hash: string;
  providers: ProviderSpec[];
  models: ModelSpec[];
  routes: RouteSpec[];
  /** Overrides of the complexity score's default weights, by feature name ('bias' for the constant). */
  complexityWeights: Record<string, number>;
  limits: { maxAttemptsPerRequest: number; maxCostPerRequestUsd: number };
  /** Retries per candidate for routes that do not set their own (the direct model routes too). */
  defaultRetries: number;
  conditions: CompiledConditions;
  recording: RecordingSpec;
  resilience: ResilienceSpec;
  budgets: PolicyBudget[];
  budgetStore: { onUnreachable: 'closed' | 'open'; reservationTtlS: number };
}

/** A budget window: a UTC calendar period, or a rolling span in seconds. */
export type BudgetWindowSpec = { kind: 'calendar'; unit: 'hour' | 'day' | 'month' } | { kind: 'rolling'; seconds: number };

/** One spending limit, resolved. */
export interface PolicyBudget {
  name: string;
  scope: 'key' | 'user' | 'team' | 'session' | 'model' | 'route' | 'global';
  /** Only this value of the scope; null: every value has its own limit. */
  match: string | null;
  unit: 'usd' | 'tokens';
  limit: number;
  window: BudgetWindowSpec;
  onExceed: 'reject' | 'downgrade' | 'alert';
  /** Route that serves instead when on_exceed is downgrade. */
  downgradeTo: string | null;
  alertAt: number[];
  loc: SourceLocation;
}

/** How the gateway calls providers; every field resolved (defaults in policy/defaults.ts). */
export interface ResilienceSpec {
  timeouts: { connectMs: number; firstByteMs: number; idleMs: number; totalMs: number };
  retry: { baseMs: number; maxMs: number; budgetRatio: number; budgetWindowS: number; budgetFloor: number };
  breaker: { windowS: number; minRequests: number; failureRate: number; openS: number; halfOpenProbes: number };
}

/** Traffic recording as the policy asks for it. */
export interface RecordingSpec {
  /** Absolute path of the traffic log, or null: record only when `serve --record` asks. */
  path: string | null;
  redaction: 'counts' | 'hashed' | 'full';
  maxBytes: number;
  keep: number;
}
