/** `switchyard serve`: compile the policy, listen, and close cleanly on a signal. */
import { parseArgs } from 'node:util';
import { compilePolicyFile } from '../engine/src/policy/compile.js';
import { packagePath } from '../engine/src/package-root.js';
import { buildApp } from './app.js';
import { createRuntime, providersWithoutCredentials, type PolicyRuntime } from './policy-runtime.js';
import { watchPolicy } from './policy-reload.js';
import { resolve } from 'node:path';
import { TrafficRecorder } from './recording/recorder.js';
import { TrafficWriter } from './recording/writer.js';
import { createTransport, DEFAULT_TIMEOUTS } from './transport/pool.js';
import { hostname } from 'node:os';
import { KeyStore, keysDbPath } from './keys/store.js';
import { createLedger, SqliteLedger } from './ledger/index.js';
import { createBudgetStore } from './budgets/index.js';
import { resumeBudgets } from './budgets/resume.js';
import type { BudgetStore } from './budgets/types.js';
import type { Policy } from '../engine/src/policy/types.js';

export const SERVE_HELP = `usage: switchyard serve [--policy FILE] [--port N] [--host ADDR] [--no-watch] [--record FILE]

Serves the OpenAI-compatible API (POST /v1/chat/completions, GET /v1/models, GET /healthz,
GET /v1/switchyard/policy) under a compiled policy. A policy with errors is refused: each error
is printed as file:line:col and the command exits 1.

The policy is reloaded when its file changes and on SIGHUP. A new policy that compiles replaces
the old one for the requests that follow (requests in flight finish under the old one); one
with errors is refused, each error is logged as file:line:col, and the old policy keeps serving.

options:
  --policy FILE   policy to serve (default: the bundled policies/default.yaml)
  --port N        port to listen on (default: $PORT, else 8080)
  --host ADDR     address to bind (default: $HOST, else 127.0.0.1)
  --no-watch      do not watch the policy file; reload only on SIGHUP
  --db FILE       the SQLite file of virtual keys, and of the spend ledger when DATABASE_URL
                  is unset (default: $SWITCHYARD_DB, else ./switchyard.db); with DATABASE_URL
                  set the ledger is PostgreSQL, --db or not, and with REDIS_URL set budgets
                  are shared through Redis. Budgets resume from the ledger at start
  --record FILE   append one JSON line per request to FILE (default: the policy's
                  recording.path, if it sets one); rotation and redaction come from the
                  policy's recording settings (default: rotate at 100 MB, keep 5, no prompt text)
  -h, --help      show this help

Provider credentials and base URLs come only from the environment variables the policy
names (for the default policy: OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ...).
A provider whose key variable is unset is skipped, not fatal.`;

/** Runs the server until SIGINT/SIGTERM; resolves with the exit code. */
export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      policy: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'no-watch': { type: 'boolean' },
      record: { type: 'string' }, db: { type: 'string' },
    },
    strict: true,
  });
  const policyFile = values.policy ?? packagePath('policies', 'default.yaml');
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`switchyard serve: --port must be an integer 0-65535, got ${values.port ?? process.env.PORT}`);
    return 2;
  }
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  const result = compilePolicyFile(policyFile);
  for (const warning of result.warnings) console.error(warning.format());
  if (!result.ok) {
    for (const error of result.errors) console.error(error.format());
    console.error(`switchyard serve: ${result.errors.length} error(s) in ${policyFile}; not serving`);
    return 1;
  }
  let runtime = createRuntime(result.compiled, process.env);
  // The log's place is fixed at start: a reload changes what is recorded, not where.
  const recording = result.compiled.policy.recording;
  const recordPath = values.record ?? recording.path;
  const recorder = recordPath === null
    ? undefined
    : new TrafficRecorder(new TrafficWriter({ path: resolve(recordPath), maxBytes: recording.maxBytes, keep: recording.keep }));
  // The connect limit is the transport's own, so it is read once, at start.
  const transport = createTransport({ ...DEFAULT_TIMEOUTS, connectMs: result.compiled.policy.resilience.timeouts.connectMs });
  const dbPath = keysDbPath(values.db);
  const keys = new KeyStore(dbPath);
  // The ledger is on by default: every settled charge, in PostgreSQL when DATABASE_URL is set
  // (instances sharing a keys file through --db share it too), else in the --db file.
  const ledger = await createLedger({ sqlitePath: dbPath });
  const policy = result.compiled.policy;
  const instance = `${hostname()}:${process.pid}`;
  // The store logs through the server's logger, which exists once the app does.
  const storeLog = {
    warn: (obj: object, msg: string) => gateway.app.log.warn(obj, msg),
    error: (obj: object, msg: string) => gateway.app.log.error(obj, msg),
  };
  // What was spent still counts: a store of this process resumes from the ledger (SQLite or
  // PostgreSQL); Redis is seeded from it only where it has lost its counters.
  const openBudgets = async (p: Policy): Promise<{ store: BudgetStore; resumed: string }> => {
    const store = createBudgetStore(p, { redisUrl: process.env.REDIS_URL, log: storeLog });
    const done = await resumeBudgets(store, ledger, p.budgets);
    const resumed = done === null ? '' : 'resumed' in done ? `, resumed from ${done.resumed} charge(s)` : `, ${done.seeded} Redis counter(s) seeded from the ledger`;
    return { store, resumed };
  };
  const opened = await openBudgets(policy);
  let budgets = opened.store;
  const retired: BudgetStore[] = [];
  const gateway = buildApp({ runtime, logger: { level: process.env.LOG_LEVEL ?? 'info' }, recorder, transport, keys, ledger, instance, budgets });
  const log = gateway.app.log;
  if (policy.budgets.length > 0) log.info(`${policy.budgets.length} budget(s) enforced ${process.env.REDIS_URL ? 'through Redis' : 'in this process'}; ledger: ${ledger instanceof SqliteLedger ? ledger.path : 'PostgreSQL'}${opened.resumed}`);
  if (recorder) log.info(`recording traffic to ${recorder.writer.path} (redaction: ${recording.redaction})`);
  const warnUncredentialed = (served: PolicyRuntime): void => {
    for (const { provider, env } of providersWithoutCredentials(served)) {
      log.warn(`provider ${provider} is unavailable: ${env} is not set; routes skip it`);
    }
  };
  warnUncredentialed(runtime);
  await gateway.app.listen({ port, host });
  log.info(`serving policy ${policyFile} (sha256 ${shortHash(runtime.compiled.policy.hash)}) with ${runtime.aliases.length} model aliases`);

  const stopWatching = new AbortController();
  const watcher = watchPolicy({
    file: policyFile,
    env: process.env,
    state: runtime.state,
    activeHash: runtime.compiled.policy.hash,
    watch: values['no-watch'] !== true,
    signal: stopWatching.signal,
    onLoad({ trigger, runtime: next, warnings, ms }) {
      for (const warning of warnings) log.warn(warning.format());
      gateway.setRuntime(next);
      const before = JSON.stringify(runtime.compiled.policy.budgets.map(({ loc, ...b }) => b));
      const after = JSON.stringify(next.compiled.policy.budgets.map(({ loc, ...b }) => b));
      if (before !== after || JSON.stringify(next.compiled.policy.budgetStore) !== JSON.stringify(runtime.compiled.policy.budgetStore)) {
        // New budgets: a new store, in use once resumed from the ledger; requests in flight
        // settle on the old one.
        const nextPolicy = next.compiled.policy;
        void openBudgets(nextPolicy).then(({ store, resumed }) => {
          const old = budgets;
          budgets = store;
          gateway.setBudgets(store);
          retired.push(old);
          setTimeout(() => void old.close().catch(() => undefined), nextPolicy.budgetStore.reservationTtlS * 1000).unref();
          log.info(`budgets changed: ${nextPolicy.budgets.length} budget(s) now enforced${resumed}`);
        }, (err: unknown) => log.error({ err }, 'budgets changed, but reading the ledger to resume them failed: the previous budgets stay enforced'));
      }
      runtime = next;
      warnUncredentialed(next);
      log.info(`reloaded policy ${policyFile} on ${trigger}: sha256 ${shortHash(next.compiled.policy.hash)} in ${ms.toFixed(1)} ms, ${next.aliases.length} model aliases`);
    },
    onError({ trigger, lines, warnings, activeHash }) {
      for (const warning of warnings) log.warn(warning.format());
      for (const line of lines) log.error(line);
      gateway.refuseReload(lines);
      log.error(`policy reload on ${trigger} refused: ${lines.length} error(s) in ${policyFile}; still serving sha256 ${shortHash(activeHash)}`);
    },
    onWatchError(error) {
      log.error(`stopped watching ${policyFile}: ${error.message}; SIGHUP still reloads it`);
    },
  });
  const onHangup = (): void => {
    void watcher.reload('SIGHUP').then((outcome) => {
      if (outcome === 'unchanged') log.info(`SIGHUP: policy ${policyFile} unchanged (sha256 ${shortHash(watcher.activeHash)})`);
    });
  };
  process.on('SIGHUP', onHangup);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      log.info('shutting down: finishing requests in flight');
      stopWatching.abort();
      process.off('SIGHUP', onHangup);
      gateway.app.close()
        .then(() => transport.close())
        .then(() => Promise.all([budgets.close(), ...retired.map((b) => b.close().catch(() => undefined)), ledger.close()]))
        .then(() => keys.close())
        .then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

/** The hash prefix the log lines show; the full hash is in GET /v1/switchyard/policy. */
function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
