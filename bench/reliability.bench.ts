/**
 * Reliability under injected faults: per fault, the share of requests that succeed, upstream
 * attempts per request, latency, and truncated successes (a stream that ends as if complete
 * when it was not, or a 200 whose body is not a whole answer), which must be zero.
 *
 * The gateway (in this process) serves a two-provider route: a primary in the OpenAI format
 * and a backup in the Anthropic format, both SIMULATED (bench/sim), with faults scripted on the
 * primary. Half the requests stream.
 *
 *   npm run bench:reliability            (after `npm ci`; about a minute)
 *   node dist/bench/reliability.bench.js --requests 300
 */
import { request } from 'undici';
import { startSim, type SimFault, type SimHandle } from './sim/index.js';
import { compilePolicySource } from '../engine/src/policy/compile.js';
import { buildApp } from '../server/app.js';
import { createRuntime } from '../server/policy-runtime.js';

const args = process.argv.slice(2);
const REQUESTS = Number(args[args.indexOf('--requests') + 1] ?? 0) || 1000;
const CONCURRENCY = 8;

const POLICY = `version: 1
defaults: { retries: 1 }
resilience:
  timeouts: { first_byte_ms: 500, idle_ms: 500, total_ms: 5000 }
  retry: { base_ms: 20, max_ms: 500 }
  breaker: { window_s: 10, min_requests: 20, failure_rate: 0.5, open_s: 5 }
providers:
  primary: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: P_URL, api_key_env: SIM_KEY }
  backup: { kind: anthropic, base_url: "http://127.0.0.1:9", base_url_env: B_URL, api_key_env: SIM_KEY }
models:
  main: { provider: primary, upstream: main-model, price: { input: 1, output: 2 }, context_window: 100000 }
  spare: { provider: backup, upstream: spare-model, price: { input: 1, output: 2 }, context_window: 100000 }
routes:
  - name: chat
    match: { model: chat }
    candidates: [main, spare]
`;

interface Scenario {
  name: string;
  fault?: SimFault;
  /** The primary is not there at all: connections are refused. */
  down?: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'no fault' },
  { name: '5xx on 20% of requests', fault: { status: 503, rate: 0.2 } },
  { name: '429 + Retry-After 0 on 20%', fault: { status: 429, retryAfterS: 0, rate: 0.2 } },
  { name: '429 + Retry-After 30 s on 20%', fault: { status: 429, retryAfterS: 30, rate: 0.2 } },
  { name: 'hang on 5% (first-byte timeout)', fault: { hang: true, rate: 0.05 } },
  { name: 'connection reset on 10%', fault: { reset: true, rate: 0.1 } },
  { name: 'malformed JSON on 10%', fault: { status: 200, body: '{"choices": [', rate: 0.1 } },
  { name: 'stream cut mid-way on 5%', fault: { cutAfterChunks: 2, rate: 0.05 } },
  { name: 'primary provider down', down: true },
];

interface Outcome {
  ok: boolean;
  /** A 200 that looks complete but is not. */
  truncated: boolean;
  attempts: number;
  ms: number;
}

async function one(url: string, stream: boolean): Promise<Outcome> {
  const started = performance.now();
  const res = await request(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream, max_tokens: 40, messages: [{ role: 'user', content: 'Tell me something short.' }] }),
  });
  const text = await res.body.text();
  const attempts = Number(res.headers['x-switchyard-attempts'] ?? 0);
  const ms = performance.now() - started;
  if (res.statusCode !== 200) return { ok: false, truncated: false, attempts, ms };
  if (!stream) {
    let finish: unknown;
    try {
      finish = (JSON.parse(text) as { choices: Array<{ finish_reason: unknown }> }).choices[0]?.finish_reason;
    } catch {
      return { ok: false, truncated: true, attempts, ms };
    }
    return { ok: finish !== null && finish !== undefined, truncated: finish === null || finish === undefined, attempts, ms };
  }
  const done = text.includes('data: [DONE]');
  const errored = text.includes('"error"');
  // A stream is a success only when it ends with [DONE]; one that ends with an error event is an
  // honest failure; one that ends with neither would be a truncated answer that looks complete.
  return { ok: done && !errored, truncated: !done && !errored, attempts, ms };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function run(scenario: Scenario, backup: SimHandle): Promise<string> {
  const fault: SimFault = { ...scenario.fault };
  const primary = await startSim({ apiKey: 'k', models: { 'main-model': fault }, replyTokens: 40 });
  const primaryUrl = `${primary.url}/v1`;
  if (scenario.down) await primary.close();
  const built = compilePolicySource(POLICY, 'reliability.yaml');
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  const gateway = buildApp({ runtime: createRuntime(built.compiled, { P_URL: primaryUrl, B_URL: backup.url, SIM_KEY: 'k' }) });
  const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) {
      const i = next++;
      outcomes[i] = await one(url, i % 2 === 1);
    }
  }));
  await gateway.app.close();
  if (!scenario.down) await primary.close();
  const ok = outcomes.filter((o) => o.ok).length;
  const attempts = outcomes.reduce((n, o) => n + o.attempts, 0) / outcomes.length;
  // With the primary down, the breaker's opening costs the first requests an attempt each; what
  // the target is about is the steady state after it.
  const settled = scenario.down ? outcomes.slice(100) : outcomes;
  const settledAttempts = settled.reduce((n, o) => n + o.attempts, 0) / settled.length;
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const truncated = outcomes.filter((o) => o.truncated).length;
  return `| ${scenario.name} | ${outcomes.length} | ${((100 * ok) / outcomes.length).toFixed(2)}% | ${attempts.toFixed(3)} | ${scenario.down ? settledAttempts.toFixed(3) : '-'} | ${percentile(ms, 0.5).toFixed(1)} | ${percentile(ms, 0.99).toFixed(1)} | ${truncated} |`;
}

async function main(): Promise<void> {
  const backup = await startSim({ apiKey: 'k', replyTokens: 40 });
  console.log(`Reliability through the gateway, ${REQUESTS} requests per fault (half streamed), concurrency ${CONCURRENCY}, node ${process.version}; providers SIMULATED\n`);
  console.log('| fault on the primary | requests | success | attempts/request | after the breaker opened | p50 ms | p99 ms | truncated successes |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const scenario of SCENARIOS) console.log(await run(scenario, backup));
  await backup.close();
}

await main();
