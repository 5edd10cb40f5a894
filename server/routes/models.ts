/**
 * GET /v1/models: the model aliases the active policy answers, in the OpenAI list shape; for a
 * virtual key limited to some models, only those.
 */
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../keys/auth.js';
import type { PolicyRuntime } from '../policy-runtime.js';

/** Registers the models list. */
export function registerModels(app: FastifyInstance, runtime: () => PolicyRuntime): void {
  app.get('/v1/models', async (request) => {
    const active = runtime();
    const created = Math.floor(active.loadedAt.getTime() / 1000);
    const allowed = callerOf(request)?.allowedModels ?? [];
    const aliases = allowed.length === 0 ? active.aliases : active.aliases.filter((id) => allowed.includes(id));
    return {
      object: 'list',
      data: aliases.map((id) => ({ id, object: 'model', created, owned_by: 'switchyard' })),
    };
  });
}
