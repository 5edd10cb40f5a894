/**
 * buildApp: the Fastify gateway with every route and plugin registered. It never listens; the
 * CLI (server/main.ts) and the tests decide where it runs.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { PolicyRuntime } from './policy-runtime.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { requestId } from './plugins/request-id.js';
import { registerChatCompletions } from './routes/chat-completions.js';
import { registerHealth } from './routes/health.js';
import { registerModels } from './routes/models.js';
import { createTransport, type Transport } from './transport/pool.js';

/** Request bodies up to 32 MiB: long-context prompts with inline images exceed Fastify's 1 MiB default. */
export const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export interface AppOptions {
  runtime: PolicyRuntime;
  /** Pino logger options, or false for none (tests, benchmarks). */
  logger?: boolean | { level: string };
  transport?: Transport;
}

export interface Gateway {
  app: FastifyInstance;
  /** Swaps in a new policy runtime; requests already running keep the one they started with. */
  setRuntime(runtime: PolicyRuntime): void;
  runtime(): PolicyRuntime;
}

/** The gateway, ready to `listen` or `inject`. */
export function buildApp(opts: AppOptions): Gateway {
  let active = opts.runtime;
  const runtime = (): PolicyRuntime => active;
  const transport = opts.transport ?? createTransport();
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
  });
  registerErrorHandler(app);
  registerChatCompletions(app, { runtime, transport });
  registerModels(app, runtime);
  registerHealth(app, runtime);
  return {
    app,
    setRuntime(next) {
      active = next;
    },
    runtime,
  };
}
