/**
 * What a replayed decision would have cost: the first eligible candidate, its exact prompt
 * tokens (recounted by the core for that model's tokenizer), the recorded output tokens, the
 * recorded prompt-cache share when the provider is the same, and the batch price on a batch
 * route. Failover is not simulated: the first eligible candidate is taken to serve.
 */
import { costUsd } from '../../../engine/src/cost.js';
import type { CandidateDecision, Decision } from '../../../engine/src/decide.js';
import type { ModelSpec } from '../../../engine/src/policy/types.js';
import type { TrafficRecord } from '../../recording/types.js';

export interface Projection {
  route: string | null;
  candidate: CandidateDecision | null;
  /** USD at the tier the decision chose. */
  cost: number;
  /** USD the batch tier saved against realtime (0 on realtime). */
  batchSaved: number;
  /** Output tokens had to be estimated: the record has no usage. */
  outputEstimated: boolean;
  outputTokens: number;
}

/** The projection of one decision against the record it replays. */
export function project(decision: Decision, record: TrafficRecord, models: ReadonlyMap<string, ModelSpec>, servedProvider: string | null): Projection {
  const candidate = decision.candidates.find((c) => c.excluded === null) ?? null;
  if (decision.status !== 'ok' || candidate === null) {
    return { route: decision.route, candidate: null, cost: 0, batchSaved: 0, outputEstimated: false, outputTokens: 0 };
  }
  const usage = record.outcome.usage;
  const outputTokens = usage ? usage.output : candidate.outputTokens;
  // A provider's prompt cache holds what that provider saw; another provider starts cold.
  const cached = usage && servedProvider === candidate.provider ? Math.min(usage.cached_input, candidate.promptTokens) : 0;
  const model = models.get(candidate.model)!;
  const tokens = { inputTokens: candidate.promptTokens, cachedInputTokens: cached, outputTokens };
  const realtime = costUsd(model, tokens);
  const cost = costUsd(model, tokens, decision.tier === 'batch');
  return { route: decision.route, candidate, cost, batchSaved: realtime - cost, outputEstimated: usage === null, outputTokens };
}

/** The first candidate the recorded decision allowed: what a replay's choice is compared with. */
export function recordedChoice(record: TrafficRecord): string | null {
  return record.decision.candidates.find(([, excluded]) => excluded === null)?.[0] ?? null;
}
