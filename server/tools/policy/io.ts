/** Where a policy verb writes: standard output and error in the CLI, a buffer in tests. */

export interface Io {
  /** One line (or block) of the verb's report. */
  out(text: string): void;
  /** One line of diagnostics that must not mix with the report (usage errors, refusals). */
  err(text: string): void;
  /** What `-` names as an input file. */
  stdin: NodeJS.ReadableStream;
}

/** The process's own streams. */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    stdin: process.stdin,
  };
}
