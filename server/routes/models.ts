/** GET /v1/models: the model aliases the active policy answers, in the OpenAI list shape. */
import type { FastifyInstance } from 'fastify';
import type { PolicyRuntime } from '../policy-runtime.js';

/** Registers the models list. */
export function registerModels(app: FastifyInstance, runtime: () => PolicyRuntime): void {
  app.get('/v1/models', async () => {
    const active = runtime();
    const created = Math.floor(active.loadedAt.getTime() / 1000);
    return {
      object: 'list',
      data: active.aliases.map((id) => ({ id, object: 'model', created, owned_by: 'switchyard' })),
    };
  });
}
