import { describe, expect, it } from 'vitest';
import { POLICY_HELP, runPolicy } from '../../../../../server/tools/policy/index.js';
import { CHECK_HELP } from '../../../../../server/tools/policy/check.js';
import { EXPLAIN_HELP } from '../../../../../server/tools/policy/explain.js';
import { FMT_HELP } from '../../../../../server/tools/policy/fmt.js';
import { TEST_HELP } from '../../../../../server/tools/policy/test.js';
import { bufferIo } from './buffer-io.js';

describe('runPolicy', () => {
  it.each([[['--help']], [['-h']], [['help']]])('%j prints the verbs and exits 0', async (argv) => {
    const io = bufferIo();
    expect(await runPolicy(argv, io)).toBe(0);
    expect(io.stdout).toBe(`${POLICY_HELP}\n`);
  });

  it.each([
    ['check', CHECK_HELP], ['test', TEST_HELP], ['explain', EXPLAIN_HELP], ['fmt', FMT_HELP],
  ])('%s --help prints its own help and exits 0', async (verb, help) => {
    const io = bufferIo();
    expect(await runPolicy([verb, '--help'], io)).toBe(0);
    expect(io.stdout).toBe(`${help}\n`);
    expect(help).toMatch(new RegExp(`^usage: switchyard policy ${verb} `));
  });

  it('without a verb, or with an unknown one, prints the usage to stderr and exits 2', async () => {
    const none = bufferIo();
    expect(await runPolicy([], none)).toBe(2);
    expect(none.stderr).toContain('usage: switchyard policy <verb>');
    const unknown = bufferIo();
    expect(await runPolicy(['lint'], unknown)).toBe(2);
    expect(unknown.stderr).toContain('switchyard policy: unknown verb "lint"');
  });

  it.each([
    [['check'], 'policy check takes one policy file, got 0'],
    [['check', 'a.yaml', 'b.yaml'], 'policy check takes one policy file, got 2'],
    [['check', 'a.yaml', '--colour'], "Unknown option '--colour'"],
    [['explain', 'a.yaml'], 'policy explain needs --request REQ.json'],
    [['explain', 'a.yaml', '--request'], "Option '--request <value>' argument missing"],
    [['explain', 'a.yaml', '--request', '-', '--snapshot', '-'], 'only one of --request, --snapshot and --caller can read standard input'],
    [['explain', 'a.yaml', '--request', 'r.json', '--header', 'novalue'], '--header takes NAME=VALUE, got "novalue"'],
    [['fmt'], 'policy fmt needs at least one policy file'],
    [['fmt', 'a.yaml', '--check', '--stdout'], '--check and --stdout do not go together'],
    [['test', '--verbose'], "Unknown option '--verbose'"],
  ])('%j is a usage error: stderr, exit 2', async (argv, message) => {
    const io = bufferIo();
    expect(await runPolicy(argv, io)).toBe(2);
    expect(io.stderr).toContain(`switchyard policy ${argv[0]}: `);
    expect(io.stderr).toContain(message);
    expect(io.stdout).toBe('');
  });
});
