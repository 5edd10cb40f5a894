/** `switchyard policy test [FILE...]`: run each policy's test cases and report failures and coverage. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Decider } from '../../../engine/src/decide.js';
import type { PolicyError } from '../../../engine/src/errors.js';
import { loadTestFile, testFileFor, isTestFile, type TestSuite } from './cases.js';
import { coverage, type Coverage } from './coverage.js';
import { compareDecision, selectedModel, type Mismatch } from './expect.js';
import { usage } from './args.js';
import type { Io } from './io.js';
import { expectedGot, plural } from './render.js';

export const TEST_HELP = `usage: switchyard policy test [FILE...] [--json]

Runs the cases of a policy's test file through the same decide() the server calls. For a
policy x.yaml the cases are in x.test.yaml beside it; FILE may also be a test file itself.
Without FILE, runs every *.test.yaml under ./policies.

  policy: default.yaml        # optional, relative to this file (default: its name without .test)
  cases:
    - name: short question goes to the cheap route
      request: { model: auto, messages: [{ role: user, content: "What is 2+2?" }] }
      headers: { x-switchyard-priority: low }           # optional
      caller: { key: k1, team: support, user: u1 }      # optional
      snapshot:                                         # optional live state; providers: too
        models: { gpt-4o: { circuit: open, latency_ewma_ms: 900, error_rate: 0.2 } }
        budgets: { team: { remaining_usd: 0.5, remaining_tokens: 10000 } }
      at: 2026-11-28T10:00:00Z                          # optional arrival time
      expect: { route: cheap, model: gpt-4.1-nano }     # only the fields given are compared

expect fields: status (ok | no_route), route, model (the first candidate not excluded),
candidates (all, in order), eligible (the ones not excluded, in order), excluded (model: reason),
max_tokens, strategy, prompt_tokens, trail ([route:outcome, ...]).

Prints each case as ok or FAIL with what differs, a summary, and coverage: the routes no case
reaches and the candidates no case selects.

options:
  --json      print the results as JSON instead
  -h, --help  show this help

Exits 0 when every case passes, 1 when one fails or a test file is invalid, 2 on a bad command line.`;

/** How one case went. */
export interface CaseResult {
  name: string;
  line: number;
  mismatches: Mismatch[];
  route: string | null;
  model: string | null;
}

/** A test file's results, or the errors that kept it from running. */
export type SuiteResult =
  | { file: string; ok: true; policyFile: string; cases: CaseResult[]; coverage: Coverage; warnings: PolicyError[] }
  | { file: string; ok: false; errors: PolicyError[]; warnings: PolicyError[] };

/** Decides every case of a loaded test file and compares each decision with its expectation. */
export function runSuite(suite: TestSuite): SuiteResult & { ok: true } {
  const decider = new Decider(suite.compiled);
  const decisions = suite.cases.map((c) => decider.decide(c.request, c.snapshot));
  const cases = suite.cases.map((c, i): CaseResult => {
    const decision = decisions[i]!;
    return { name: c.name, line: c.loc.line, mismatches: compareDecision(c.expect, decision), route: decision.route, model: selectedModel(decision) };
  });
  return { file: suite.file, ok: true, policyFile: suite.policyFile, cases, coverage: coverage(suite.compiled.policy, decisions), warnings: suite.warnings };
}

/** Loads and runs one test file. */
export function testFile(file: string): SuiteResult {
  const loaded = loadTestFile(file);
  return loaded.ok ? runSuite(loaded.suite) : { file, ok: false, errors: loaded.errors, warnings: loaded.warnings };
}

/** Every *.test.yaml (or .yml) under `dir`, depth first in name order; none when `dir` is absent. */
export function findTestFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? findTestFiles(join(dir, e.name)) : e.isFile() && isTestFile(e.name) ? [join(dir, e.name)] : []));
}

/** Runs the test files FILE... names (or those under ./policies) and prints the report. */
export async function runTest(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true }));
  const files = positionals.length > 0 ? [...new Set(positionals.map(testFileFor))] : findTestFiles('policies');
  if (files.length === 0) {
    io.err('switchyard policy test: no test files: ./policies holds no *.test.yaml; name a policy or test file');
    return 1;
  }
  const results = files.map(testFile);
  const cases = results.flatMap((r) => (r.ok ? r.cases : []));
  const failed = cases.filter((c) => c.mismatches.length > 0).length;
  const invalid = results.filter((r) => !r.ok).length;
  if (values.json) {
    io.out(JSON.stringify({ ok: failed === 0 && invalid === 0, passed: cases.length - failed, failed, invalid, files: results }, null, 2));
  } else {
    for (const result of results) io.out([...renderSuite(result), ''].join('\n'));
    io.out(summary(cases.length - failed, failed, invalid));
    for (const result of results) {
      // With several files, each coverage line says which policy it is about.
      for (const line of renderCoverage(result)) io.out(results.length > 1 && result.ok ? `${result.policyFile}: ${line}` : line);
    }
  }
  return failed === 0 && invalid === 0 ? 0 : 1;
}

/** One test file's report: its cases, each with what differs from its expectation. */
export function renderSuite(result: SuiteResult): string[] {
  const lines = result.warnings.map((w) => w.format());
  if (!result.ok) return [...lines, ...result.errors.map((e) => e.format()), `${result.file}: invalid, no case run`];
  lines.unshift(`${result.file} (policy ${result.policyFile})`);
  for (const c of result.cases) {
    lines.push(c.mismatches.length === 0 ? `  ok   ${c.name}` : `  FAIL ${c.name}`);
    for (const m of c.mismatches) lines.push(`      ${expectedGot(m.field, m.expected, m.got)}`);
  }
  return lines;
}

/** What a test file's cases leave untried; nothing when they cover every route and candidate. */
export function renderCoverage(result: SuiteResult): string[] {
  if (!result.ok) return [];
  const { unreachedRoutes, unselected } = result.coverage;
  const lines: string[] = [];
  if (unreachedRoutes.length > 0) lines.push(`routes no case reaches: ${unreachedRoutes.join(', ')}`);
  if (unselected.length > 0) lines.push(`candidates no case selects: ${unselected.map((u) => `${u.route} -> ${u.model}`).join(', ')}`);
  return lines;
}

function summary(passed: number, failed: number, invalid: number): string {
  return `${passed} passed, ${failed} failed${invalid > 0 ? `, ${plural(invalid, 'invalid test file')}` : ''}`;
}
