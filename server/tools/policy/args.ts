/** Argument parsing for the policy verbs: every mistake is a UsageError, which exits 2. */

/** A command line the verb cannot act on; the message says what to change. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What `parse` (a util.parseArgs call) returns, its complaints turned into UsageErrors. */
export function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    // util.parseArgs reports unknown flags and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
    if ((e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((e as Error).message);
    throw e;
  }
}
