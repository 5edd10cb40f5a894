/** `switchyard policy fmt FILE...`: rewrite policies in canonical form (see fmt-source.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { usage, UsageError } from './args.js';
import { formatPolicySource } from './fmt-source.js';
import type { Io } from './io.js';

export const FMT_HELP = `usage: switchyard policy fmt FILE... [--check | --stdout]

Rewrites each policy in canonical form, comments kept, 2-space indent:
  top level  version, limits, defaults, recording, resilience, budgets, budget_store, complexity, providers, models, routes (unknown keys after)
  provider   kind, base_url, base_url_env, api_key_env, batch_discount
  model      provider, upstream, price, context_window, max_output_tokens, tokenizer,
             chars_per_token, capabilities, quality, image_tokens
  price      { input, cached_input, cache_write, output, batch_discount } on one line
  route      name, match, when, strategy, require, weights, split_by, max_tokens, retries,
             fallback, candidates, expected_output_tokens, expected_cached_share
Lists of names go on one line ([a, b]) unless an item has its own comment. The result compiles
to the same program. A file that is not valid YAML is refused with file:line:col.

options:
  --check     write nothing; list the files that are not in canonical form and exit 1 if any
  --stdout    print the canonical form instead of writing it
  -h, --help  show this help`;

/** Formats each file; resolves with the exit code. */
export async function runFmt(argv: string[], io: Io): Promise<number> {
  const options = { check: { type: 'boolean' }, stdout: { type: 'boolean' } } as const;
  const { values, positionals } = usage(() => parseArgs({ args: argv, options, strict: true, allowPositionals: true }));
  if (positionals.length === 0) throw new UsageError('policy fmt needs at least one policy file');
  if (values.check && values.stdout) throw new UsageError('--check and --stdout do not go together');
  let failed = false;
  for (const file of positionals) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      io.err(`${file}:1:1: SY_POLICY_READ: cannot read the policy: ${reason}`);
      failed = true;
      continue;
    }
    const result = formatPolicySource(source, file);
    if (!result.ok) {
      for (const e of result.errors) io.err(e.format());
      io.err(`${file}: not formatted: it does not parse`);
      failed = true;
    } else if (values.stdout) {
      // io.out ends every write with a newline; the canonical text already ends with one.
      io.out(result.text.slice(0, -1));
    } else if (result.text !== source) {
      if (values.check) {
        io.out(`${file}: not in canonical form`);
        failed = true;
      } else {
        writeFileSync(file, result.text);
        io.out(`${file}: formatted`);
      }
    }
  }
  return failed ? 1 : 0;
}
