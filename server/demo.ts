/**
 * `switchyard demo`: two SIMULATED providers (bench/sim), the gateway in front of them under
 * policies/examples/demo.yaml, a few requests, and where each one went and what it cost.
 */
import { request } from 'undici';
import { compilePolicyFile } from '../engine/src/policy/compile.js';
import { packagePath } from '../engine/src/package-root.js';
import { startSim } from '../bench/sim/index.js';
import { buildApp } from './app.js';
import { createRuntime } from './policy-runtime.js';

export const DEMO_HELP = `usage: switchyard demo

Starts two SIMULATED providers on loopback (an OpenAI-format one whose gpt-4o answers 503,
and an Anthropic-format one), serves policies/examples/demo.yaml in front of them, sends a
few requests and prints, for each, the route, the model and provider that served it, the
attempts and the cost. Nothing leaves this machine.`;

interface DemoRequest {
  label: string;
  body: Record<string, unknown>;
}

const REQUESTS: DemoRequest[] = [
  { label: 'cheap alias', body: { model: 'cheap', messages: [{ role: 'user', content: 'Summarize the plot of Hamlet in one line.' }] } },
  { label: 'smart alias (primary 503 -> failover)', body: { model: 'smart', messages: [{ role: 'user', content: 'Prove that there are infinitely many primes.' }] } },
  { label: 'smart, support team on free tier', body: { model: 'smart', metadata: { team: 'support', tier: 'free' }, messages: [{ role: 'user', content: 'How do I reset my password?' }] } },
  { label: 'smart, streamed', body: { model: 'smart', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Write a haiku about freight trains.' }] } },
  { label: 'a model by its own name', body: { model: 'gpt-4o-mini', max_tokens: 8, messages: [{ role: 'user', content: 'Say hi.' }] } },
  { label: 'a model the policy does not offer', body: { model: 'gpt-5-ultra', messages: [{ role: 'user', content: 'Hello?' }] } },
];

/** Runs the demo; resolves with the exit code. */
export async function runDemo(): Promise<number> {
  const apiKey = 'demo-key';
  const primary = await startSim({ apiKey, models: { 'gpt-4o': { status: 503 } } });
  const backup = await startSim({ apiKey });
  const policyFile = packagePath('policies', 'examples', 'demo.yaml');
  const compiled = compilePolicyFile(policyFile);
  if (!compiled.ok) {
    for (const error of compiled.errors) console.error(error.format());
    await Promise.all([primary.close(), backup.close()]);
    return 1;
  }
  const env = { ...process.env, DEMO_PRIMARY_URL: `${primary.url}/v1`, DEMO_BACKUP_URL: backup.url, DEMO_API_KEY: apiKey };
  const gateway = buildApp({ runtime: createRuntime(compiled.compiled, env) });
  const base = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  console.log(`Switchyard demo: gateway on ${base}, policy ${policyFile}`);
  console.log(`providers are SIMULATED: primary (OpenAI format) ${primary.url}, backup (Anthropic format) ${backup.url}\n`);
  const rows: string[][] = [['request', 'status', 'route', 'model', 'provider', 'attempts', 'cost USD', 'answer']];
  try {
    for (const { label, body } of REQUESTS) {
      const res = await request(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      const h = (name: string): string => String(res.headers[name] ?? res.trailers[name] ?? '-');
      let answer: string;
      let cost = h('x-switchyard-cost-usd');
      if (body.stream) {
        const deltas = text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)) as { choices: Array<{ delta: { content?: string } }> });
        answer = deltas.map((c) => c.choices[0]?.delta.content ?? '').join('');
        cost = /x-switchyard-cost-usd=([0-9.]+)/.exec(text)?.[1] ?? cost;
      } else {
        const json = JSON.parse(text) as { choices?: Array<{ message: { content: string } }>; error?: { code: string; message: string } };
        answer = json.error ? `error ${json.error.code}: ${json.error.message}` : (json.choices?.[0]?.message.content ?? '');
      }
      rows.push([label, String(res.statusCode), h('x-switchyard-route'), h('x-switchyard-model'), h('x-switchyard-provider'), h('x-switchyard-attempts'), cost, truncate(answer, 60)]);
    }
  } finally {
    await gateway.app.close();
    await Promise.all([primary.close(), backup.close()]);
  }
  printTable(rows);
  console.log('\nEvery answer above came from a SIMULATED provider.');
  return 0;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, j) => cell.padEnd(widths[j]!)).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
