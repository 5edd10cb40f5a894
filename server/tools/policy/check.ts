/** `switchyard policy check FILE`: compile, report every error and warning, show each route's worst case. */
import { parseArgs } from 'node:util';
import { analyzePolicy, type RouteAnalysis } from '../../../engine/src/policy/analyze.js';
import { compilePolicyFile } from '../../../engine/src/policy/compile.js';
import { usage, UsageError } from './args.js';
import type { Io } from './io.js';
import { isDirectRoute } from './names.js';
import { formatUsd, plural, table } from './render.js';

export const CHECK_HELP = `usage: switchyard policy check FILE [--json]

Compiles a policy and prints every error and warning as file:line:col: CODE: message. When it
compiles, prints a table of the routes you wrote: the strategy, every candidate a request can
reach (fallback routes' included), the most upstream calls one request can cause (each
candidate tried 1 + retries times), the most one request can cost (the dearest candidate
with its whole context window, bounded by the route's max_tokens and require.max_cost_usd) and
what a budget reserves for one request at worst (every attempt's worst cost summed).

options:
  --json      print {ok, errors, warnings, routes} as JSON instead
  -h, --help  show this help

Exits 0 when the policy compiles (warnings allowed), 1 on errors, 2 on a bad command line.`;

/** Compiles FILE and prints its report; resolves with the exit code. */
export async function runCheck(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true }));
  if (positionals.length !== 1) throw new UsageError(`policy check takes one policy file, got ${positionals.length}`);
  const file = positionals[0]!;
  const result = compilePolicyFile(file);
  const errors = result.ok ? [] : result.errors;
  // The implicit model:<name> routes each try one model once per retry: nothing to review.
  const routes = result.ok ? analyzePolicy(result.compiled.policy).filter((r) => !isDirectRoute(r.route)) : [];
  if (values.json) {
    io.out(JSON.stringify({ ok: result.ok, errors, warnings: result.warnings, routes }, null, 2));
    return result.ok ? 0 : 1;
  }
  for (const problem of [...errors, ...result.warnings].sort((a, b) => a.line - b.line || a.col - b.col)) io.out(problem.format());
  if (!result.ok) {
    io.out(`${file}: ${plural(errors.length, 'error')}, ${plural(result.warnings.length, 'warning')}`);
    return 1;
  }
  const { policy } = result.compiled;
  const written = policy.routes.filter((r) => !isDirectRoute(r.name)).length;
  io.out(`${file}: ok, ${plural(written, 'route')}, ${plural(policy.models.length, 'model')}, ${plural(result.warnings.length, 'warning')}`);
  if (routes.length > 0) io.out(['', ...routeTable(routes)].join('\n'));
  return 0;
}

/** The worst-case table: one row per route. */
export function routeTable(routes: readonly RouteAnalysis[]): string[] {
  const rows = routes.map((r) => [r.route, r.strategy, r.candidates.join(', '), String(r.worstAttempts), formatUsd(r.worstCostUsd), formatUsd(r.worstReservedUsd)]);
  return table(['route', 'strategy', 'candidates', 'worst-case attempts', 'worst-case cost/request (USD)', 'budget reservation (USD)'], rows, [3, 4, 5]);
}
