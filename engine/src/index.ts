/** Switchyard's engine as a library: the package's whole public surface (re-exports only). */
export { countTokens, encodingForModel, type EncodingName } from './tokenizer.js';
export { countChatTokens, type ChatTokenMessage, type ChatTokenCount } from './chat-tokens.js';
export { embed, cosineSimilarity } from './embedding.js';
export { computeFeatures, FEATURE_NAMES, DEFAULT_COMPLEXITY_WEIGHTS, type ComplexityFeatures } from './features.js';
export { costUsd, formatUsd, type TokenUsage } from './cost.js';
export { Decider, type Decision, type CandidateDecision, type RequestFeatures, type Snapshot } from './decide.js';
export { compilePolicySource, compilePolicyFile, checkPolicySource, checkPolicyFile, type BuildResult } from './policy/compile.js';
export type { CompiledPolicy } from './policy/lower.js';
export type { Policy, ModelSpec, RouteSpec, ProviderSpec } from './policy/types.js';
export { PolicyError, EngineError } from './errors.js';
