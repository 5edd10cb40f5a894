#!/usr/bin/env node
/** The `switchyard` command: one verb per subcommand, each with --help. */
import { runServe, SERVE_HELP } from './main.js';
import { runDemo, DEMO_HELP } from './demo.js';
import { runSimCli } from '../bench/sim/cli.js';
import { runTokens, TOKENS_HELP } from '../engine/src/tools/tokens.js';
import { DIFF_HELP, DRY_RUN_HELP, runDiffCli, runDryRunCli } from './tools/dry-run/index.js';
import { runPolicy } from './tools/policy/index.js';
import { RECONCILE_HELP, runReconcileCli } from './tools/reconcile/index.js';
import { runSpendCli, SPEND_HELP } from './tools/spend/index.js';
import { KEYS_HELP, runKeys } from './tools/keys/index.js';

const USAGE = `usage: switchyard <command> [options]

commands:
  serve   serve the OpenAI-compatible gateway under a policy (default: policies/default.yaml)
  sim     run the SIMULATED providers (OpenAI, Anthropic, Gemini wire formats) for tests and demos
  demo    start simulated providers and the gateway, send a few requests, show where they went
  tokens  count the tokens of standard input (o200k_base or cl100k_base, exactly as tiktoken)
  policy  the policy toolchain: check, test, explain, fmt (switchyard policy <verb> --help)
  dry-run replay recorded traffic through a policy: what it would have cost, decided, saved
  diff    replay recorded traffic through two policies: which decisions change, at what cost
  spend   what the ledger charged, by team, key, user, model or route
  reconcile compare a provider's cost export (OpenAI, Anthropic) with the ledger, by day and model
  keys    virtual keys for clients: create, list, revoke (switchyard keys --help)

Run \`switchyard <command> --help\` for a command's options.`;

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number | void>; help?: string }> = {
  'dry-run': { run: (argv) => runDryRunCli(argv), help: DRY_RUN_HELP },
  diff: { run: (argv) => runDiffCli(argv), help: DIFF_HELP },
  serve: { run: runServe, help: SERVE_HELP },
  sim: { run: runSimCli },
  demo: { run: runDemo, help: DEMO_HELP },
  tokens: { run: runTokens, help: TOKENS_HELP },
  spend: { run: (argv) => runSpendCli(argv), help: SPEND_HELP },
  reconcile: { run: (argv) => runReconcileCli(argv), help: RECONCILE_HELP },
  // No help here: each verb answers its own --help.
  policy: { run: runPolicy },
  keys: { run: runKeys, help: KEYS_HELP },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`switchyard: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  if (command.help && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(command.help);
    return 0;
  }
  const code = await command.run(rest);
  return typeof code === 'number' ? code : 0;
}

// `switchyard policy check x | head` closes the pipe early; a reader that has seen enough is not
// an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`switchyard: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
