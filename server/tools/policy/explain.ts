/** `switchyard policy explain FILE --request REQ.json`: one decision, taken apart. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Decider, type Decision, type RequestFeatures, type TrailOutcome } from '../../../engine/src/decide.js';
import { compilePolicyFile } from '../../../engine/src/policy/compile.js';
import type { Policy } from '../../../engine/src/policy/types.js';
import { usage, UsageError } from './args.js';
import { arrivalFromData, callerFromData, requestFromData, snapshotFromData } from './cases.js';
import { selectedModel } from './expect.js';
import { describeProblems, Problems } from './fields.js';
import type { Io } from './io.js';
import { isDirectRoute, policyNames } from './names.js';
import { formatUsd, plural, table } from './render.js';

export const EXPLAIN_HELP = `usage: switchyard policy explain FILE --request REQ.json [--snapshot S.json] [--caller C.json]
                                 [--header NAME=VALUE]... [--at ISO] [--json]

Shows how the policy FILE decides one request, by the same decide() the server calls: the
route and its strategy, the max_tokens rewrite, the prompt's tokens and complexity with the
features it came from, every candidate in the order they would be tried (prompt tokens, exact
or estimated, estimated and batch cost, why it is excluded or "eligible", the route it came
from) and the trail: each route evaluated, its line in the policy, and what happened to it.

options:
  --request F    the OpenAI chat completion body as JSON; - reads standard input
  --snapshot F   live state as JSON, as in a test file:
                 {"models": {"gpt-4o": {"circuit": "open", "latency_ewma_ms": 900, "error_rate": 0.2}},
                  "providers": {"openai": {"circuit": "closed"}},
                  "budgets": {"team": {"remaining_usd": 0.5, "remaining_tokens": 10000}}}
  --caller F     who calls, as JSON: {"key": "k1", "team": "support", "user": "u1"}
  --header N=V   a request header (x-switchyard-session, x-switchyard-priority); repeatable
  --at ISO       arrival time, like 2026-11-28T10:00:00Z, that time.* conditions read
                 (default 1970-01-01T00:00:00Z)
  --json         print the decision as JSON instead
  -h, --help     show this help`;

/** Decides the request against the policy and prints the explanation; resolves with the exit code. */
export async function runExplain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({
    args: argv,
    options: {
      request: { type: 'string' }, snapshot: { type: 'string' }, caller: { type: 'string' },
      header: { type: 'string', multiple: true }, at: { type: 'string' }, json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  }));
  if (positionals.length !== 1) throw new UsageError(`policy explain takes one policy file, got ${positionals.length}`);
  if (values.request === undefined) throw new UsageError('policy explain needs --request REQ.json (- for standard input)');
  const stdinUsers = [values.request, values.snapshot, values.caller].filter((f) => f === '-').length;
  if (stdinUsers > 1) throw new UsageError('only one of --request, --snapshot and --caller can read standard input');
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header takes NAME=VALUE, got ${JSON.stringify(h)}`);
    headers[h.slice(0, eq).trim().toLowerCase()] = h.slice(eq + 1);
  }

  const file = positionals[0]!;
  const built = compilePolicyFile(file);
  if (!built.ok) {
    for (const e of built.errors) io.err(e.format());
    io.err(`switchyard policy explain: ${plural(built.errors.length, 'error')} in ${file}; run switchyard policy check ${file}`);
    return 1;
  }
  const policy = built.compiled.policy;
  const names = policyNames(policy);

  const inputs: Array<{ file: string; problems: Problems }> = [];
  const input = async <T>(path: string | undefined, read: (data: unknown, problems: Problems) => T): Promise<T | undefined> => {
    if (path === undefined) return undefined;
    const problems = new Problems();
    inputs.push({ file: path === '-' ? '<stdin>' : path, problems });
    let text: string;
    try {
      text = await readInput(path, io);
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      problems.add([], 'SY_POLICY_READ', `cannot read it: ${reason}`);
      return undefined;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      problems.add([], 'SY_POLICY_BAD_FORMAT', `not valid JSON: ${(e as Error).message}`);
      return undefined;
    }
    return read(data, problems);
  };
  const request = await input(values.request, (data, problems) => requestFromData(data, headers, [], problems));
  const snapshot = await input(values.snapshot, (data, problems) => snapshotFromData(data, names, [], problems));
  const caller = await input(values.caller, (data, problems) => callerFromData(data, [], problems));
  const at = new Problems();
  const arrivedAt = values.at === undefined ? undefined : arrivalFromData(values.at, [], at);
  inputs.push({ file: '--at', problems: at });
  const problems = inputs.flatMap((i) => describeProblems(i.file, i.problems.list));
  if (problems.length > 0 || request === undefined) {
    for (const line of problems) io.err(line);
    return 1;
  }

  const features: RequestFeatures = { ...request, caller, arrivedAt };
  const decision = new Decider(built.compiled).decide(features, snapshot);
  io.out(values.json ? JSON.stringify(decision, null, 2) : renderExplanation(decision, policy, features).join('\n'));
  return 0;
}

async function readInput(path: string, io: Io): Promise<string> {
  if (path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const OUTCOME_WORDS: Record<TrailOutcome, string> = {
  matched: 'matched: this route decides',
  forced: 'chosen without matching: a budget downgraded the request to it',
  model_mismatch: 'skipped: the requested model is not in its match.model',
  metadata_mismatch: 'skipped: the request metadata differs from its match.metadata',
  tokens_out_of_range: 'skipped: the prompt tokens are outside its match.prompt_tokens',
  complexity_out_of_range: 'skipped: the complexity is outside its match.complexity',
  when_false: 'skipped: its when: condition is false',
  step_limit: 'skipped: its when: condition ran out of steps (counted as false)',
  fallback: 'entered as a fallback: its candidates follow',
};

/** The decision in words and tables, lines in reading order. */
export function renderExplanation(decision: Decision, policy: Policy, request: RequestFeatures): string[] {
  const lineOf = (route: string): string => {
    const spec = policy.routes.find((r) => r.name === route);
    if (spec === undefined) return '';
    // An implicit route has no line of its own; it lives where its model is declared.
    return isDirectRoute(route) ? `line ${spec.loc.line} (the model)` : `line ${spec.loc.line}`;
  };
  const lines = [`policy      ${policy.file} (sha256 ${decision.policyHash.slice(0, 12)})`];
  if (decision.status === 'no_route' || decision.route === null) {
    lines.push(`route       none: no route matches this request (model ${JSON.stringify(request.model)})`);
  } else {
    lines.push(`route       ${decision.route} (${lineOf(decision.route)}), strategy ${decision.strategy ?? 'ordered'}, ${plural(decision.retries, 'retry', 'retries')} per candidate`);
    lines.push(`model       ${selectedModel(decision) ?? 'none: every candidate is excluded'}`);
    lines.push(`max_tokens  ${maxTokensRewrite(decision.maxTokens, request.maxTokens)}`);
  }
  lines.push(`prompt      ${decision.promptTokens} tokens (o200k_base with chat overhead, ${decision.promptTokensExact ? 'exact' : 'estimated: an image size was assumed'})`);
  const f = decision.features;
  lines.push(`complexity  ${round(decision.complexity)} from tokens ${f.tokens}, turns ${f.turns}, chars ${f.chars}, code_density ${round(f.code_density)}, `
    + `math_density ${round(f.math_density)}, questions ${f.questions}, reasoning ${f.reasoning}, constraints ${f.constraints}, script ${f.script}, `
    + `non_latin_share ${round(f.non_latin_share)}`);
  if (decision.candidates.length > 0) {
    const rows = decision.candidates.map((c, i) => [
      String(i + 1), c.model, c.provider, `${c.promptTokens} ${c.promptTokensExact ? 'exact' : 'est.'}`,
      formatUsd(c.estimatedCostUsd), formatUsd(c.batchCostUsd), c.excluded ?? 'eligible', c.viaRoute,
    ]);
    lines.push('', 'candidates (USD)', ...table(['#', 'model', 'provider', 'prompt tokens', 'est. cost', 'batch cost', 'status', 'via route'], rows, [0, 4, 5]).map((l) => `  ${l}`));
  }
  if (decision.trail.length > 0) {
    const rows = decision.trail.map((step) => [lineOf(step.route), step.route, OUTCOME_WORDS[step.outcome]]);
    lines.push('', 'trail', ...table(['where', 'route', 'outcome'], rows).map((l) => `  ${l}`));
  }
  return lines;
}

function maxTokensRewrite(rewrite: number | null, requested: number | null): string {
  if (rewrite === null) return requested === null ? 'unchanged: the request leaves it open' : `unchanged: the request's ${requested}`;
  if (requested === null) return `${rewrite}: set by the route, the request left it open`;
  return rewrite < requested ? `${rewrite}: clamped by the route from the request's ${requested}` : `${rewrite}`;
}

function round(n: number): string {
  return String(Number(n.toFixed(3)));
}
