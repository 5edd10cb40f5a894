/** `switchyard serve`: compile the policy, listen, and close cleanly on a signal. */
import { parseArgs } from 'node:util';
import { compilePolicyFile } from '../engine/src/policy/compile.js';
import { packagePath } from '../engine/src/package-root.js';
import { buildApp } from './app.js';
import { createRuntime, providersWithoutCredentials } from './policy-runtime.js';

export const SERVE_HELP = `usage: switchyard serve [--policy FILE] [--port N] [--host ADDR]

Serves the OpenAI-compatible API (POST /v1/chat/completions, GET /v1/models, GET /healthz)
under a compiled policy. A policy with errors is refused: each error is printed as
file:line:col and the command exits 1.

options:
  --policy FILE   policy to serve (default: the bundled policies/default.yaml)
  --port N        port to listen on (default: $PORT, else 8080)
  --host ADDR     address to bind (default: $HOST, else 127.0.0.1)
  -h, --help      show this help

Provider credentials and base URLs come only from the environment variables the policy
names (for the default policy: OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ...).
A provider whose key variable is unset is skipped, not fatal.`;

/** Runs the server until SIGINT/SIGTERM; resolves with the exit code. */
export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { policy: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
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
  const runtime = createRuntime(result.compiled, process.env);
  const gateway = buildApp({ runtime, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  const log = gateway.app.log;
  for (const { provider, env } of providersWithoutCredentials(runtime)) {
    log.warn(`provider ${provider} is unavailable: ${env} is not set; routes skip it`);
  }
  await gateway.app.listen({ port, host });
  log.info(`serving policy ${policyFile} (sha256 ${runtime.compiled.policy.hash.slice(0, 12)}) with ${runtime.aliases.length} model aliases`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      log.info('shutting down: finishing requests in flight');
      gateway.app.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
