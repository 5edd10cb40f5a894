/** `switchyard policy <verb>`: the policy toolchain, one verb per file, each with --help. */
import { UsageError } from './args.js';
import { CHECK_HELP, runCheck } from './check.js';
import { EXPLAIN_HELP, runExplain } from './explain.js';
import { FMT_HELP, runFmt } from './fmt.js';
import { processIo, type Io } from './io.js';
import { runTest, TEST_HELP } from './test.js';

export const POLICY_HELP = `usage: switchyard policy <verb> [options]

verbs:
  check    compile a policy: every error and warning, and each route's worst case
  test     run the cases in the *.test.yaml beside each policy, with coverage
  explain  show how a policy decides one request: route, candidates, costs, trail
  fmt      rewrite policies in canonical form, comments kept

Run \`switchyard policy <verb> --help\` for a verb's options.`;

const VERBS: Record<string, { run: (argv: string[], io: Io) => Promise<number>; help: string }> = {
  check: { run: runCheck, help: CHECK_HELP },
  test: { run: runTest, help: TEST_HELP },
  explain: { run: runExplain, help: EXPLAIN_HELP },
  fmt: { run: runFmt, help: FMT_HELP },
};

/** Runs one verb; resolves with its exit code (2 for a bad command line). */
export async function runPolicy(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(POLICY_HELP);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(POLICY_HELP);
    return 0;
  }
  const verb = VERBS[name];
  if (verb === undefined) {
    io.err(`switchyard policy: unknown verb "${name}"\n\n${POLICY_HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(verb.help);
    return 0;
  }
  try {
    return await verb.run(rest, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`switchyard policy ${name}: ${e.message}\n\n${verb.help}`);
    return 2;
  }
}
