/** The errors a decision itself answers with, before any provider is called. */
import type { Decision } from '../../engine/src/decide.js';
import type { ModelSpec } from '../../engine/src/policy/types.js';
import { GatewayError } from '../errors.js';

/** The 404 for a model name no route answers. */
export function modelNotFound(model: string): GatewayError {
  return new GatewayError('SY_MODEL_NOT_FOUND', `The model \`${model}\` is not offered by this gateway's policy; GET /v1/models lists the models it offers.`, { param: 'model' });
}

/**
 * The 400 for a route whose every candidate is of the other type (an embedding model asked for
 * a chat answer, or the reverse), naming the endpoint that serves it; null otherwise. Read from
 * the policy's model types, not the exclusions: an unavailable model is still the wrong type.
 */
export function wrongEndpoint(decision: Decision, models: ReadonlyMap<string, ModelSpec>, model: string, kind: 'chat' | 'embedding'): GatewayError | null {
  const { candidates } = decision;
  if (candidates.length === 0 || candidates.some((c) => models.get(c.model)?.type === kind)) return null;
  const [other, endpoint] = kind === 'chat' ? ['embedding', 'POST /v1/embeddings'] : ['chat', 'POST /v1/chat/completions or POST /v1/messages'];
  return new GatewayError('SY_REQUEST_UNSUPPORTED', `\`${model}\` routes to ${other} models only (${candidates.map((c) => c.model).join(', ')}); ${endpoint} serves it`, { param: 'model' });
}
