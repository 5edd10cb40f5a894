/** GET /v1/switchyard/policy: which policy is serving, since when, and how its reloads went. */
import type { FastifyInstance } from 'fastify';
import type { ReloadStatus } from '../app.js';
import type { PolicyRuntime } from '../policy-runtime.js';

/** Registers the policy status endpoint. */
export function registerPolicy(app: FastifyInstance, runtime: () => PolicyRuntime, status: () => ReloadStatus): void {
  app.get('/v1/switchyard/policy', async () => {
    const active = runtime();
    const { reloads, lastError } = status();
    const { policy } = active.compiled;
    return {
      object: 'switchyard.policy',
      hash: policy.hash,
      file: policy.file,
      loaded_at: active.loadedAt.toISOString(),
      reloads,
      last_error: lastError === null ? null : { at: lastError.at.toISOString(), errors: lastError.errors },
      // As the core evaluates them: the written routes, then each model's direct route `model:<name>`,
      // the names x-switchyard-route reports.
      routes: policy.routes.map((r) => r.name),
      models: policy.models.map((m) => m.name),
    };
  });
}
