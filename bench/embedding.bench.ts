/**
 * Embedding throughput of the core, and the SIMD cosine against a scalar loop, in one run.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/embedding.bench.js     (~20 s; --quick: ~5 s)
 *
 * Embeddings per second are measured through the host API (`embed`: UTF-8 encoding, the core,
 * the copy out) and for the core (`embedText`, with ready UTF-8 copied into its memory). For the dot
 * product, engine/assembly/embed.ts is compiled a second time, in memory, with the release
 * target's optimization flags and a small entry that adds a scalar loop computing the same three
 * sums as `cosine` without v128; both are timed inside WebAssembly, so call overhead from
 * JavaScript does not hide the difference. Every figure is the median of ROUNDS rounds.
 */
import asc from 'assemblyscript/asc';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBED_DIM, cosineSimilarity, embed } from '../engine/src/embedding.js';
import { coreBytes, textCore } from '../engine/src/text-core.js';
import { packageRoot } from '../engine/src/package-root.js';

const quick = process.argv.includes('--quick');
const ROUND_S = quick ? 0.2 : 1;
const ROUNDS = quick ? 3 : 7;

const SHORT = 'Can you explain how the semantic cache decides that two prompts ask the same question, ' +
  'which similarity threshold it uses by default, and what happens when the answer it holds is stale?';
const SENTENCES = [
  'The gateway receives a chat request and extracts the text of every message.',
  'A policy written in YAML decides which model should answer, based on cost and complexity.',
  'Cheap models answer most questions well, but long multi-step problems need a stronger one.',
  'When the cache holds an answer to a sufficiently similar prompt, no provider is called at all.',
  'Budgets are tracked per team and per key, and a request that would exceed one is refused.',
  'Streaming responses are relayed chunk by chunk, with usage reported in the final event.',
  'Every decision records the hash of the policy that made it, so it can be replayed later.',
  'Failover tries the next candidate when a provider times out or returns a server error.',
  'Recorded traffic lets an operator dry-run a new policy before it serves real requests.',
  'The embedding is computed locally from hashed words and character n-grams of the prompt.',
];
/** About 2 KB of varied prose: sentences in a rotating order until 2,048 bytes. */
function longText(): string {
  let text = '';
  for (let i = 0; Buffer.byteLength(text) < 2048; i++) text += `${SENTENCES[(i * 7) % SENTENCES.length]!} `;
  return text.slice(0, 2048).trimEnd();
}
const LONG = longText();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Case {
  op: () => void;
  /** Operations one call of `op` performs. */
  perCall: number;
}

/**
 * Operations per second of each case, median of ROUNDS rounds. The rounds interleave the cases,
 * so load from other processes on the machine hits every case alike.
 */
function rates(cases: Case[]): number[] {
  const warmUntil = process.hrtime.bigint() + BigInt(Math.round(ROUND_S * 1e9));
  while (process.hrtime.bigint() < warmUntil) for (const c of cases) c.op();
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    cases.forEach((c, i) => {
      let calls = 0;
      const start = process.hrtime.bigint();
      const end = start + BigInt(Math.round((ROUND_S * 1e9) / cases.length));
      let now = start;
      while (now < end) {
        for (let k = 0; k < 20; k++) c.op();
        calls += 20;
        now = process.hrtime.bigint();
      }
      samples[i]!.push((calls * c.perCall) / (Number(now - start) / 1e9));
    });
  }
  return samples.map(median);
}

const BENCH_ENTRY = 'engine/assembly/__bench_cosine.ts';
const BENCH_SOURCE = `
import { cosine, vectorPtr } from "./embed";
import { EMBED_DIM } from "./features-layout";
export { cosine, vectorPtr };

/** The same three sums as cosine(), one f32 at a time. */
export function cosineScalar(a: usize, b: usize): f64 {
  let ab: f32 = 0;
  let aa: f32 = 0;
  let bb: f32 = 0;
  for (let i: usize = 0; i < <usize>EMBED_DIM * 4; i += 4) {
    const x = load<f32>(a + i);
    const y = load<f32>(b + i);
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (!(aa > 0 && bb > 0)) return 0;
  const c = <f64>ab / Math.sqrt(<f64>aa * <f64>bb);
  return c > 1 ? 1 : c < -1 ? -1 : c;
}

// Each iteration writes one component, so the optimizer cannot hoist the call out of the loop.
export function repeatSimd(n: u32): f64 {
  const a = vectorPtr(0);
  const b = vectorPtr(1);
  const keep = load<f32>(a);
  let s = 0.0;
  for (let i: u32 = 0; i < n; i++) { store<f32>(a, keep + <f32>(i & 1) * 1e-7); s += cosine(a, b); }
  store<f32>(a, keep);
  return s;
}

export function repeatScalar(n: u32): f64 {
  const a = vectorPtr(0);
  const b = vectorPtr(1);
  const keep = load<f32>(a);
  let s = 0.0;
  for (let i: u32 = 0; i < n; i++) { store<f32>(a, keep + <f32>(i & 1) * 1e-7); s += cosineScalar(a, b); }
  store<f32>(a, keep);
  return s;
}
`;

interface DotModule {
  memory: WebAssembly.Memory;
  vectorPtr(slot: number): number;
  cosine(a: number, b: number): number;
  cosineScalar(a: number, b: number): number;
  repeatSimd(n: number): number;
  repeatScalar(n: number): number;
}

/** embed.ts plus the scalar loop, compiled with the release target's optimization flags. */
async function compileDotModule(): Promise<DotModule> {
  const root = packageRoot();
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main(
    [BENCH_ENTRY, '--baseDir', root, '--runtime', 'stub', '--enable', 'simd', '--optimizeLevel', '3', '--shrinkLevel', '0',
      '--converge', '--noAssert', '--outFile', 'bench-cosine.wasm'],
    {
      readFile: (name, baseDir) => {
        if (name === BENCH_ENTRY) return BENCH_SOURCE;
        if (name === 'asconfig.json') return null; // not the project's entries
        try {
          return readFileSync(join(baseDir, name), 'utf8');
        } catch {
          return null;
        }
      },
      writeFile: (name, contents) => {
        if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
      },
      listFiles: () => [],
    },
  );
  if (error || !binary) throw new Error(`compiling the cosine benchmark failed: ${error?.message ?? ''}\n${stderr.toString()}`);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(binary)), { env: { abort: () => { throw new Error('abort'); } } });
  return instance.exports as unknown as DotModule;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const core = textCore();
  const shortUtf8 = new TextEncoder().encode(SHORT);
  const longUtf8 = new TextEncoder().encode(LONG);
  // reserveText returns one buffer, so the core cases copy their UTF-8 in first (a memcpy of at
  // most 2 KB, part of the figure).
  const coreEmbed = (bytes: Uint8Array): void => {
    const ptr = core.reserveText(bytes.length);
    coreBytes().set(bytes, ptr);
    core.embedText(ptr, bytes.length);
  };
  const [shortApi, longApi, shortCore, longCore] = rates([
    { op: () => embed(SHORT), perCall: 1 },
    { op: () => embed(LONG), perCall: 1 },
    { op: () => coreEmbed(shortUtf8), perCall: 1 },
    { op: () => coreEmbed(longUtf8), perCall: 1 },
  ]);

  const a = embed(SHORT);
  const b = embed(LONG);
  const dot = await compileDotModule();
  const memory = new Float32Array(dot.memory.buffer);
  memory.set(a, dot.vectorPtr(0) >>> 2);
  memory.set(b, dot.vectorPtr(1) >>> 2);
  const pa = dot.vectorPtr(0);
  const pb = dot.vectorPtr(1);
  const agree = Math.abs(dot.cosine(pa, pb) - dot.cosineScalar(pa, pb));
  const LOOP = 10_000;
  const [simd, scalar, hostCosine] = rates([
    { op: () => dot.repeatSimd(LOOP), perCall: LOOP },
    { op: () => dot.repeatScalar(LOOP), perCall: LOOP },
    { op: () => cosineSimilarity(a, b), perCall: 1 },
  ]) as [number, number, number];

  const shortBytes = Buffer.byteLength(SHORT);
  const longBytes = Buffer.byteLength(LONG);
  console.log(`Embedding (EMBED_DIM ${EMBED_DIM}), node ${process.version}, ${ROUNDS} rounds of ${ROUND_S} s, median\n`);
  console.log(`| embeddings/s | ${shortBytes}-byte text | ${longBytes}-byte text |`);
  console.log('|---|---:|---:|');
  console.log(`| embed() (host API: encode, core, copy out) | ${fmt(shortApi!)} | ${fmt(longApi!)} |`);
  console.log(`| embedText() (core, UTF-8 copied in) | ${fmt(shortCore!)} | ${fmt(longCore!)} |`);
  console.log(`\n| cosine of two ${EMBED_DIM}-d vectors | per second | ns per call | speed-up |`);
  console.log('|---|---:|---:|---:|');
  console.log(`| SIMD (f32x4), inside wasm | ${fmt(simd)} | ${fmt(1e9 / simd, 1)} | ${fmt(simd / scalar, 2)}x |`);
  console.log(`| scalar loop, inside wasm | ${fmt(scalar)} | ${fmt(1e9 / scalar, 1)} | 1.00x |`);
  console.log(`| cosineSimilarity() (host API: copy both in, SIMD) | ${fmt(hostCosine)} | ${fmt(1e9 / hostCosine, 1)} | |`);
  console.log(`\nSIMD and scalar results differ by ${agree.toExponential(1)} (f32 sums in a different order).`);
}

await main();
