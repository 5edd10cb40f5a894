/** `switchyard tokens`: count the tokens of standard input. */
import { parseArgs } from 'node:util';
import { countTokens, type EncodingName } from '../tokenizer.js';

export const TOKENS_HELP = `usage: switchyard tokens [--encoding o200k_base|cl100k_base] < FILE

Counts the tokens of standard input (UTF-8) as OpenAI's tiktoken encode_ordinary counts them:
text that looks like a special token (<|endoftext|>) is ordinary text, as the chat API treats
it. Prints the count alone on one line.

options:
  --encoding E   o200k_base (GPT-4o, GPT-4.1, o-series; the default) or cl100k_base (GPT-4, 3.5)
  -h, --help     show this help`;

const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/** Reads stdin, prints its token count; resolves with the exit code. */
export async function runTokens(argv: string[], input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { encoding: { type: 'string', default: 'o200k_base' } }, strict: true });
  const encoding = values.encoding as EncodingName;
  if (!ENCODINGS.includes(encoding)) {
    console.error(`switchyard tokens: --encoding must be one of ${ENCODINGS.join(', ')}, got ${values.encoding}`);
    return 2;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  console.log(countTokens(Buffer.concat(chunks).toString('utf8'), encoding));
  return 0;
}
