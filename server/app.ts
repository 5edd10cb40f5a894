/**
 * buildApp: the Fastify gateway with every route and plugin registered. It never listens; the
 * CLI (server/main.ts) and the tests decide where it runs.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { PolicyRuntime } from './policy-runtime.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { requestId } from './plugins/request-id.js';
import { registerChatCompletions } from './routes/chat-completions.js';
import { registerEmbeddings } from './routes/embeddings.js';
import { registerHealth } from './routes/health.js';
import { registerMessages } from './routes/messages.js';
import { registerModels } from './routes/models.js';
import { registerPolicy } from './routes/policy.js';
import { createTransport, DEFAULT_TIMEOUTS, type Transport } from './transport/pool.js';
import type { TrafficRecorder } from './recording/recorder.js';
import { registerAuth } from './keys/auth.js';
import type { KeyStore } from './keys/store.js';
import { registerKeys } from './routes/keys.js';
import { registerSpend } from './routes/spend.js';
import { Metrics, registerMetrics } from './metrics.js';
import type { PipelineDeps } from './pipeline/chat.js';
import type { BudgetStore } from './budgets/types.js';
import type { SpendLedger } from './ledger/query.js';

/** Request bodies up to 32 MiB: long-context prompts with inline images exceed Fastify's 1 MiB default. */
export const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export interface AppOptions {
  runtime: PolicyRuntime;
  /** Pino logger options, or false for none (tests, benchmarks); `stream` is where lines go (default stdout). */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  transport?: Transport;
  /** Where served requests are recorded; none by default. Closed (flushed) with the app. */
  recorder?: TrafficRecorder | undefined;
  /** Virtual keys: when given, /v1 requests authenticate by key and the keys admin API is served. The caller closes it. */
  keys?: KeyStore | undefined;
  /** Budget reservations (local or Redis); none: budgets are not enforced. The caller closes it. */
  budgets?: BudgetStore | undefined;
  /** Where settled charges go (SQLite or PostgreSQL); GET /v1/switchyard/spend reads it. The caller closes it. */
  ledger?: SpendLedger | undefined;
  /** This process's name in the ledger. */
  instance?: string;
}

/** A reload that was refused: when, and its `file:line:col: CODE: message` lines. */
export interface RefusedReload {
  at: Date;
  errors: readonly string[];
}

/** How the served policy got there, for GET /v1/switchyard/policy. */
export interface ReloadStatus {
  /** Runtimes swapped in since start. */
  reloads: number;
  /** The latest refused reload; null until one is refused and again once a reload succeeds. */
  lastError: RefusedReload | null;
}

export interface Gateway {
  app: FastifyInstance;
  /** Swaps in a new policy runtime; requests already running keep the one they started with. */
  setRuntime(runtime: PolicyRuntime): void;
  runtime(): PolicyRuntime;
  /** Records a refused reload; the runtime serving is untouched. */
  refuseReload(errors: readonly string[]): void;
  /** Swaps the budget store (a reload changed the budgets); requests in flight keep the one they reserved on. */
  setBudgets(budgets: BudgetStore | undefined): void;
}

/** The gateway, ready to `listen` or `inject`. */
export function buildApp(opts: AppOptions): Gateway {
  let active = opts.runtime;
  const runtime = (): PolicyRuntime => active;
  const status: ReloadStatus = { reloads: 0, lastError: null };
  // The connect limit is the transport's (one per pool, not per request), so it comes from the
  // policy the gateway starts with, as in main.ts.
  const transport = opts.transport ?? createTransport({ ...DEFAULT_TIMEOUTS, connectMs: opts.runtime.resilience.timeouts.connectMs });
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestId,
    requestIdHeader: false,
    // Per-request log lines cost more than the gateway's own work; traffic recording covers it.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onClose', async () => {
    if (!opts.transport) await transport.close();
    // After the requests in flight have finished: their records are the last ones written.
    await opts.recorder?.close();
  });
  registerErrorHandler(app);
  if (opts.keys) {
    registerAuth(app, { store: opts.keys });
    registerKeys(app, { store: opts.keys });
  }
  const metrics = new Metrics(runtime);
  registerMetrics(app, metrics);
  // Records the log could not take are said in the server's log and counted, never lost silently.
  opts.recorder?.reportTo({ log: app.log, dropped: (lines) => metrics.recordsDropped.inc(lines) });
  const pipeline: PipelineDeps = { runtime, transport, recorder: opts.recorder, budgets: opts.budgets, ledger: opts.ledger, instance: opts.instance ?? '', metrics };
  if (opts.ledger) registerSpend(app, { ledger: opts.ledger });
  registerChatCompletions(app, pipeline);
  registerMessages(app, pipeline);
  registerEmbeddings(app, pipeline);
  registerModels(app, runtime);
  registerHealth(app, runtime);
  registerPolicy(app, runtime, () => status);
  return {
    app,
    setRuntime(next) {
      active = next;
      status.reloads++;
      status.lastError = null;
    },
    runtime,
    refuseReload(errors) {
      status.lastError = { at: new Date(), errors };
    },
    setBudgets(budgets) {
      pipeline.budgets = budgets;
    },
  };
}
