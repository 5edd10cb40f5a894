/**
 * Prometheus metrics of one gateway (GET /metrics): requests by route, model and status, budget
 * alerts and refusals, traffic records dropped, and each model's circuit breaker. One registry
 * per app, so several gateways in a process (tests) do not share counters.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { PolicyRuntime } from './policy-runtime.js';

const CIRCUIT_VALUES = { closed: 0, half_open: 1, open: 2, unavailable: 3 } as const;

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'switchyard_requests_total', help: 'Requests answered, by route, serving model and HTTP status.', labelNames: ['route', 'model', 'status'] as const, registers: [this.registry] });
  readonly budgetAlerts = new Counter({ name: 'switchyard_budget_alerts_total', help: 'Budget alert thresholds crossed (alert_at, or an alert-only budget going over).', labelNames: ['budget', 'threshold'] as const, registers: [this.registry] });
  readonly budgetRefusals = new Counter({ name: 'switchyard_budget_refusals_total', help: 'Requests a budget refused (reject) or sent to a cheaper route (downgrade).', labelNames: ['budget', 'action'] as const, registers: [this.registry] });
  readonly recordsDropped = new Counter({ name: 'switchyard_records_dropped_total', help: 'Traffic records dropped because the log could not be written and the records waiting passed their bound.', registers: [this.registry] });
  readonly circuit: Gauge<'model'>;

  constructor(runtime: () => PolicyRuntime) {
    this.circuit = new Gauge({
      name: 'switchyard_circuit_state', help: 'Circuit breaker per model: 0 closed, 1 half-open, 2 open, 3 unavailable (no credentials).',
      labelNames: ['model'] as const, registers: [this.registry],
      collect() {
        for (const [model, health] of Object.entries(runtime().snapshot.models ?? {})) this.set({ model }, CIRCUIT_VALUES[health.circuit ?? 'closed']);
      },
    });
  }
}

/** Counts every /v1 answer and serves GET /metrics. */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    const header = (name: string): string => String(reply.getHeader(name) ?? '');
    metrics.requests.inc({ route: header('x-switchyard-route'), model: header('x-switchyard-model'), status: String(reply.statusCode) });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
