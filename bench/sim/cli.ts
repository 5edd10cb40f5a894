// `switchyard sim`: runs the simulated providers as a standalone server for demos and manual tests.
import { pathToFileURL } from 'node:url';
import { startSim, type SimOptions } from './index.js';
import type { SimFault } from './scenario.js';

/** Default port of the standalone sim (overridden by --port or $SIM_PORT). */
export const SIM_DEFAULT_PORT = 9000;

/** Help text of `switchyard sim`. */
export const SIM_USAGE = `usage: switchyard sim [options]

Runs SIMULATED LLM providers: the OpenAI, Anthropic and Gemini wire formats, answered locally
with deterministic text. No real provider is called; every reply starts with "[simulated <model>]"
and every response carries the header "x-simulated: true".

options:
  --port N             port to listen on (default ${SIM_DEFAULT_PORT}, or $SIM_PORT; 0 picks a free port)
  --host HOST          address to bind (default 127.0.0.1)
  --latency-ms N       delay before every response's headers (default 0)
  --chunk-delay-ms N   delay between streamed chunks (default 0)
  --reply-tokens N     reply length in tokens when a request sets no limit (default 16)
  --fail MODEL=STATUS  make MODEL fail: an HTTP status (e.g. 503, 429), "hang" or "reset"; repeatable
  -h, --help           show this help

environment:
  SIM_PORT             default port
  SIM_API_KEY          when set, requests must carry this key (Bearer / x-api-key / x-goog-api-key)

per-request faults (request headers):
  x-sim-status: 503, x-sim-retry-after: 2, x-sim-hang: 1, x-sim-reset: 1,
  x-sim-latency-ms: 50, x-sim-cut-after: 3 (stream: 3 content chunks, then the socket is dropped)`;

/** The parsed command line: help, or the options to start the sim with. */
export type SimArgs = { help: true } | { help: false; options: SimOptions };

/** Parses `switchyard sim` arguments (without the verb); throws an Error naming a bad argument. */
export function parseSimArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): SimArgs {
  const options: SimOptions = { port: SIM_DEFAULT_PORT };
  if (env.SIM_PORT !== undefined && env.SIM_PORT !== '') options.port = toInt('$SIM_PORT', env.SIM_PORT, 0, 65535);
  if (env.SIM_API_KEY !== undefined && env.SIM_API_KEY !== '') options.apiKey = env.SIM_API_KEY;
  const models: Record<string, SimFault> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return { help: true };
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (name !== arg) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--port': options.port = toInt(name, value(), 0, 65535); break;
      case '--host': options.host = value(); break;
      case '--latency-ms': options.latencyMs = toInt(name, value(), 0); break;
      case '--chunk-delay-ms': options.chunkDelayMs = toInt(name, value(), 0); break;
      case '--reply-tokens': options.replyTokens = toInt(name, value(), 1); break;
      case '--fail': {
        const [model, fault] = parseFail(value());
        models[model] = fault;
        break;
      }
      default: throw new Error(`unknown option "${arg}" (see switchyard sim --help)`);
    }
  }
  if (Object.keys(models).length > 0) options.models = models;
  return { help: false, options };
}

/** Where the CLI writes and which emitter's SIGINT/SIGTERM stop it (the process, unless a test says). */
export interface SimCliIo {
  write(text: string): void;
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

const PROCESS_IO: SimCliIo = { write: (text) => process.stdout.write(text), signals: process };

/**
 * Runs `switchyard sim` with `argv` (the arguments after the verb): prints the help, or starts
 * the sim, prints the one line saying where it listens, and resolves once SIGINT or SIGTERM has
 * closed it.
 */
export async function runSimCli(argv: string[], io: SimCliIo = PROCESS_IO): Promise<void> {
  const args = parseSimArgs(argv, process.env);
  if (args.help) {
    io.write(`${SIM_USAGE}\n`);
    return;
  }
  const sim = await startSim(args.options);
  io.write(`switchyard sim (simulated providers: OpenAI, Anthropic, Gemini wire formats) listening on ${sim.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      io.signals.off('SIGINT', stop);
      io.signals.off('SIGTERM', stop);
      resolve();
    };
    io.signals.on('SIGINT', stop);
    io.signals.on('SIGTERM', stop);
  });
  await sim.close();
}

function parseFail(spec: string): [string, SimFault] {
  const eq = spec.lastIndexOf('=');
  const model = spec.slice(0, eq);
  const what = spec.slice(eq + 1);
  if (eq <= 0 || what === '') throw new Error(`--fail wants MODEL=STATUS, got "${spec}"`);
  if (what === 'hang') return [model, { hang: true }];
  if (what === 'reset') return [model, { reset: true }];
  return [model, { status: toInt('--fail', what, 100, 599) }];
}

function toInt(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} wants an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}, got "${text}"`);
  }
  return n;
}

// Run directly (`node dist/bench/sim/cli.js --port 9000`) as well as through `switchyard sim`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSimCli(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`switchyard sim: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
