/** An Io that keeps what a policy verb writes, for the tests of server/tools/policy. */
import { Readable } from 'node:stream';
import type { Io } from '../../../../../server/tools/policy/io.js';

export interface BufferIo extends Io {
  /** Everything written to out, one entry per write, joined by newlines. */
  readonly stdout: string;
  readonly stderr: string;
}

export function bufferIo(stdin = ''): BufferIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    stdin: Readable.from([stdin]),
    get stdout() {
      return out.map((t) => `${t}\n`).join('');
    },
    get stderr() {
      return err.map((t) => `${t}\n`).join('');
    },
  };
}
