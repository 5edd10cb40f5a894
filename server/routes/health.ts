/** GET /healthz: liveness plus what is serving, for load balancers and operators. */
import type { FastifyInstance } from 'fastify';
import { providersWithoutCredentials, type PolicyRuntime } from '../policy-runtime.js';

/** Registers the health endpoint. */
export function registerHealth(app: FastifyInstance, runtime: () => PolicyRuntime): void {
  app.get('/healthz', async () => {
    const active = runtime();
    return {
      status: 'ok',
      policy: { hash: active.compiled.policy.hash, file: active.compiled.policy.file, loaded_at: active.loadedAt.toISOString() },
      providers_without_credentials: providersWithoutCredentials(active).map((p) => p.provider),
    };
  });
}
