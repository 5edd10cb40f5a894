/**
 * The checked policy: what the compiler front end (parse -> schema -> semantic checks) hands to
 * `lower`, which turns it into the program the WebAssembly core evaluates. Every field is
 * resolved; nothing here is optional that the core needs.
 */

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
  /** Share of the price the batch tier takes off (0 = no batch tier). */
  batchDiscount: number;
  /** Prompt + output tokens the model accepts. */
  contextWindow: number;
  tokenizer: TokenizerKind;
  /** Characters per token when `tokenizer` is `estimate`. */
  charsPerToken: number;
  /** OpenAI's image formula: tokens per image, and per 512-px tile at high detail. */
  imageBaseTokens: number;
  imageTileTokens: number;
  loc: SourceLocation;
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
}
