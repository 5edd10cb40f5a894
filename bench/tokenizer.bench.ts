/**
 * Token counting throughput, side by side in ONE run: Switchyard's core (AssemblyScript ->
 * WebAssembly) against tiktoken (Rust -> WebAssembly), js-tiktoken and gpt-tokenizer (pure JS),
 * on (a) a 1 MB mixed corpus, (b) 5,000 chat messages of ~200 bytes, (c) one 64 KB English
 * prompt; then start-up time and memory of each (fresh processes), agreement with tiktoken on
 * the same text, and the whole `decide` call for a 1 KB chat prompt.
 *
 * Each workload is timed twice. `warm`: the same texts every round, after a warm-up on them, so
 * any cache a library keeps (Switchyard's piece cache, gpt-tokenizer's merge cache) already holds
 * their pieces. `cold`: every round a fresh variant of the workload (other seeds, so other
 * slices of the same sources), built before timing, with each library's cache emptied first;
 * tiktoken and js-tiktoken keep none. The JIT is warm in both: cold is about caches, not start-up.
 *
 *   npm run bench:tokenizer         (after `npm ci`; about 4 minutes; --quick for a smoke run)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packagePath } from '../engine/src/package-root.js';

const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 5;
type Encoding = 'o200k_base' | 'cl100k_base';
type Counter = (text: string) => number;
/** A library's counter, and how to empty whatever cache it keeps (a no-op for one that keeps none). */
interface Library {
  count: Counter;
  reset: () => void;
}

/** Each library's counter for an encoding; special-token look-alikes count as ordinary text. */
const LIBRARIES: Record<string, (encoding: Encoding) => Promise<Library>> = {
  switchyard: async (encoding) => {
    // countTokens' own calls, on a core instance of the bench's own: the one countTokens shares is
    // not reachable, and loading the vocabularies again is what empties a core's piece cache
    // (loadVocab in engine/assembly/tokenizer.ts).
    const { ENCODING_IDS, loadVocabularies } = await import('../engine/src/tokenizer.js');
    const { instantiateCore } = await import('../engine/src/wasm.js');
    const core = instantiateCore();
    loadVocabularies(core);
    const id = ENCODING_IDS[encoding];
    const encoder = new TextEncoder();
    const count: Counter = (text) => {
      if (text.length === 0) return 0;
      const capacity = text.length * 3;
      const ptr = core.reserveText(capacity) >>> 0;
      const { written } = encoder.encodeInto(text, new Uint8Array(core.memory.buffer, ptr, capacity));
      return core.countTokens(id, ptr, written) >>> 0;
    };
    return { count, reset: () => loadVocabularies(core) };
  },
  tiktoken: async (encoding) => {
    const enc = (require('tiktoken') as { get_encoding(e: string): { encode_ordinary(t: string): Uint32Array } }).get_encoding(encoding);
    return { count: (text) => enc.encode_ordinary(text).length, reset: () => {} };
  },
  'js-tiktoken': async (encoding) => {
    const enc = (require('js-tiktoken') as { getEncoding(e: string): { encode(t: string, a: unknown[], d: unknown[]): number[] } }).getEncoding(encoding);
    return { count: (text) => enc.encode(text, [], []).length, reset: () => {} };
  },
  'gpt-tokenizer': async (encoding) => {
    const mod = require(`gpt-tokenizer/cjs/encoding/${encoding}`) as { encode(t: string, o: unknown): number[]; clearMergeCache(): void };
    const options = { allowedSpecial: new Set(), disallowedSpecial: new Set() };
    return { count: (text) => mod.encode(text, options).length, reset: () => mod.clearMergeCache() };
  },
};

/** Deterministic pseudo-random numbers (mulberry32), so every run tokenizes the same corpus. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** English prose from the installed packages' READMEs, code from their sources, in sorted order. */
function localText(ext: string, limit: number): string {
  const out: string[] = [];
  let size = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (size >= limit) return;
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (name.endsWith(ext) && st.size < 200_000) {
        const text = readFileSync(path, 'utf8');
        out.push(text);
        size += Buffer.byteLength(text);
      }
    }
  };
  walk(packagePath('node_modules'));
  return out.join('\n');
}

interface Sources {
  prose: string;
  code: string;
  multilingual: string[];
}

function readSources(): Sources {
  return {
    prose: localText('.md', 2_000_000),
    code: localText('.js', 1_000_000),
    multilingual: readFileSync(packagePath('bench', 'corpus', 'multilingual.txt'), 'utf8').split('\n').filter(Boolean),
  };
}

/**
 * The three workloads, drawn from `sources` by `seed`. Seed 42 is the warm corpus (its English
 * prompt starts at the prose's beginning, as it always has); any other seed is a cold variant of
 * the same sizes from other slices, the English prompt from a random place in the prose.
 */
function buildCorpora({ prose, code, multilingual }: Sources, seed = 42): { mixed: string; messages: string[]; english: string } {
  const random = rng(seed);
  const pieces: string[] = [];
  let bytes = 0;
  while (bytes < 1_000_000) {
    const pick = random();
    let piece: string;
    if (pick < 0.5) {
      const at = Math.floor(random() * (prose.length - 2000));
      piece = prose.slice(at, at + 200 + Math.floor(random() * 1800));
    } else if (pick < 0.8) {
      const at = Math.floor(random() * (code.length - 2000));
      piece = code.slice(at, at + 200 + Math.floor(random() * 1800));
    } else {
      piece = multilingual[Math.floor(random() * multilingual.length)]!;
    }
    pieces.push(piece);
    bytes += Buffer.byteLength(piece);
  }
  const mixed = pieces.join('\n');
  const messages: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const at = Math.floor(random() * (mixed.length - 400));
    let msg = mixed.slice(at, at + 200);
    while (Buffer.byteLength(msg) > 200) msg = msg.slice(0, -1);
    messages.push(msg);
  }
  let english = '';
  const from = seed === 42 ? 0 : Math.floor(random() * (prose.length - 200_000));
  for (let at = from; Buffer.byteLength(english) < 65_536; at += 4096) english += prose.slice(at, at + 4096);
  while (Buffer.byteLength(english) > 65_536) english = english.slice(0, -1);
  return { mixed, messages, english };
}

/**
 * Texts built to hit the pre-tokenizer's traps: contractions in odd cases ('S, 'ſ), U+0085 and
 * U+FEFF, lone surrogates, letters of recent Unicode versions, marks, digits next to letters,
 * whitespace runs before newlines, and special-token look-alikes.
 */
function hardTexts(count: number): string[] {
  const random = rng(7);
  const atoms = [
    "'s", "'S", "'\u017f", "'LL", "'Re", "'ve", "'d", "'t", "'M", ' ', '  ', '\t', '\n', '\r\n', '\u0085', '\ufeff', '\u00a0',
    '\u3000', '\u2028', 'a', 'Z', '\u00e9', '\u01c5', '\u02b0', '\u4e2d', '\u30fc', '\ud55c', '\u0e01', '\u093e', '\u0301',
    '\u200d', '1', '123', '4567', '\u0663', '\u00bd', '!', '?', '...', '/', '//', '-', '_', '\u{1f600}',
    '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}', '\u{1f1ef}\u{1f1f5}', '\ud800', '\udc00', '<|endoftext|>', '\u01c8',
    '\u{1e030}', '\u{11f00}', 'Hello', 'WORLD', 'camelCase', 'x', '\u03c9', '\u03a9', '\u0130', '\u00df',
  ];
  return Array.from({ length: count }, () => {
    let t = '';
    const n = 1 + Math.floor(random() * 24);
    for (let i = 0; i < n; i++) t += atoms[Math.floor(random() * atoms.length)];
    return t;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** MB/s of one pass of `count` over `texts`. */
function rate(count: Counter, texts: string[]): number {
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const start = process.hrtime.bigint();
  for (const t of texts) count(t);
  return bytes / 1e6 / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Warm: median MB/s over ROUNDS of counting the same `texts`, after one warm-up round on them. */
function throughput(count: Counter, texts: string[]): { mbps: number } {
  for (const t of texts) count(t);
  return { mbps: median(Array.from({ length: ROUNDS }, () => rate(count, texts))) };
}

/** Cold: median MB/s over one round per variant (each text unseen), the library's cache emptied before each. */
function coldThroughput(lib: Library, variants: string[][]): { mbps: number } {
  return { mbps: median(variants.map((texts) => (lib.reset(), rate(lib.count, texts)))) };
}

/** Start-up (load + first count) and memory of one library in a fresh process. */
function startup(lib: string, encoding: Encoding): { ms: number; rssMb: number } {
  const r = spawnSync(process.execPath, [process.argv[1]!, '--startup', lib, encoding], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`startup of ${lib} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; rssMb: number };
}

/**
 * Median microseconds of one `decide` call (text in, decision out) for 1 KB chat prompts under
 * the default policy: each prompt a different slice of English prose, so the tokenizer's piece
 * cache sees new text as it would in service (`repeated` times one prompt over and over).
 */
async function decideMedianUs(): Promise<{ distinct: number; repeated: number }> {
  const { compilePolicyFile } = await import('../engine/src/policy/compile.js');
  const { Decider } = await import('../engine/src/decide.js');
  const built = compilePolicyFile(packagePath('policies', 'default.yaml'));
  if (!built.ok) throw new Error('default policy does not compile');
  const decider = new Decider(built.compiled);
  const prose = localText('.md', 3_000_000).replace(/\s+/g, ' ');
  const system = 'You are a helpful assistant for a freight railway. Answer briefly.';
  const count = quick ? 2000 : 20000;
  const requests = Array.from({ length: count }, (_, i) => {
    const at = Math.floor((i / count) * (prose.length - 1024));
    return { model: 'cheap', messages: [{ role: 'system', content: system }, { role: 'user', content: prose.slice(at, at + 1024 - system.length) }], maxTokens: null, stream: false };
  });
  const time = (list: typeof requests): number => {
    const samples: number[] = [];
    for (const r of list) {
      const start = process.hrtime.bigint();
      decider.decide(r);
      samples.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
    return median(samples);
  };
  // Warm the JIT on other text so the distinct prompts are still unseen when timed.
  time(Array.from({ length: 2000 }, () => ({ ...requests[0]!, messages: [{ role: 'user', content: 'warm up '.repeat(120) }] })));
  const distinct = time(requests);
  const repeated = time(Array.from({ length: count }, () => requests[0]!));
  return { distinct, repeated };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--startup') {
    const [lib, encoding] = [process.argv[3]!, process.argv[4] as Encoding];
    const rss0 = process.memoryUsage().rss;
    const start = process.hrtime.bigint();
    (await LIBRARIES[lib]!(encoding)).count('hello world');
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(JSON.stringify({ ms, rssMb: (process.memoryUsage().rss - rss0) / 1e6 }));
    return;
  }
  if (process.argv[2] === '--decide') {
    console.log(JSON.stringify(await decideMedianUs()));
    return;
  }
  const sources = readSources();
  const { mixed, messages, english } = buildCorpora(sources);
  const workloads: Array<[string, string[]]> = [
    ['(a) 1 MB mixed corpus', [mixed]],
    ['(b) 5,000 chat messages of ~200 bytes', messages],
    ['(c) one 64 KB English prompt', [english]],
  ];
  // The cold variants, one per round, built before anything is timed: variants[w][r].
  const cold = Array.from({ length: ROUNDS }, (_, r) => buildCorpora(sources, 1000 + r));
  const variants = [cold.map((c) => [c.mixed]), cold.map((c) => c.messages), cold.map((c) => [c.english])];
  console.log(`Token counting, node ${process.version}, MB/s of UTF-8 input (higher is better). warm: median of ${ROUNDS} rounds over the same texts after a warm-up on them; cold: median of ${ROUNDS} rounds, each over a fresh variant of the workload with every library's cache emptied first\n`);
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    const libraries: Record<string, Library> = {};
    for (const [name, make] of Object.entries(LIBRARIES)) libraries[name] = await make(encoding);
    const counters: Record<string, Counter> = Object.fromEntries(Object.entries(libraries).map(([name, lib]) => [name, lib.count]));
    // The bench's switchyard counter repeats countTokens' calls on its own core: it must agree.
    const { countTokens } = await import('../engine/src/tokenizer.js');
    if (messages.some((m) => counters.switchyard!(m) !== countTokens(m, encoding))) throw new Error('the bench\'s switchyard counter disagrees with countTokens');
    console.log(`### ${encoding}\n`);
    console.log(`| workload | ${Object.keys(counters).join(' | ')} |`);
    console.log(`|---|${Object.keys(counters).map(() => '---:').join('|')}|`);
    for (const [w, [label, texts]] of workloads.entries()) {
      const warm: string[] = [];
      for (const count of Object.values(counters)) warm.push(throughput(count, texts).mbps.toFixed(1));
      console.log(`| ${label}, warm | ${warm.join(' | ')} |`);
      // After the warm rows, so the JIT has seen this workload's shape: only the caches are cold.
      const coldRow: string[] = [];
      for (const lib of Object.values(libraries)) coldRow.push(coldThroughput(lib, variants[w]!).mbps.toFixed(1));
      console.log(`| ${label}, cold | ${coldRow.join(' | ')} |`);
    }
    // Agreement per text unit: each chat message, and the corpus cut into 1 KB pieces.
    const units = [...messages, ...Array.from({ length: Math.ceil(mixed.length / 1024) }, (_, i) => mixed.slice(i * 1024, (i + 1) * 1024))];
    const truth = units.map(counters.tiktoken!);
    const agree = Object.entries(counters).map(([name, count]) => {
      const same = units.reduce((n, u, i) => n + (count(u) === truth[i] ? 1 : 0), 0);
      return `${name} ${((100 * same) / units.length).toFixed(2)}%`;
    });
    console.log(`\nagreement with tiktoken on the ${units.length} texts above: ${agree.join(', ')}`);
    const hard = hardTexts(quick ? 2000 : 20000);
    const hardTruth = hard.map(counters.tiktoken!);
    const hardAgree = Object.entries(counters).map(([name, count]) => {
      let same = 0;
      for (const [i, t] of hard.entries()) {
        try {
          if (count(t) === hardTruth[i]) same++;
        } catch {
          // A library that throws on a text disagrees on it.
        }
      }
      return `${name} ${((100 * same) / hard.length).toFixed(2)}%`;
    });
    console.log(`agreement with tiktoken on ${hard.length} hard texts (traps of the pre-tokenizer): ${hardAgree.join(', ')}`);
    const starts = Object.keys(LIBRARIES).map((lib) => {
      const s = startup(lib, encoding);
      return `${lib} ${s.ms.toFixed(0)} ms / +${s.rssMb.toFixed(0)} MB`;
    });
    console.log(`start-up (load + first count, fresh process) and resident memory added: ${starts.join(', ')}\n`);
  }
  const bang = '!'.repeat(1_000_000);
  const t0 = process.hrtime.bigint();
  const n = (await LIBRARIES.switchyard!('o200k_base')).count(bang);
  console.log(`one 1 MB "word" (1,000,000 x "!"): switchyard counts ${n} tokens in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms (tiktoken aborts on a piece this long)`);
  // In a fresh process, as the server runs it: one Decider, not four tokenizer libraries' heaps.
  const run = spawnSync(process.execPath, [process.argv[1]!, '--decide', ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`decide measurement failed: ${run.stderr}`);
  const d = JSON.parse(run.stdout) as { distinct: number; repeated: number };
  console.log(`decide() for a 1 KB chat prompt under policies/default.yaml (text in, decision out): median ${d.distinct.toFixed(1)} µs for prompts never seen before, ${d.repeated.toFixed(1)} µs for one prompt repeated`);
}

await main();
