/**
 * A feature the target cannot do makes that candidate ineligible in the decision, not a failed
 * attempt: through the real gateway and the simulated providers, a JSON-mode, logprobs or n > 1
 * request to a route [anthropic model, openai model] goes to the OpenAI model in one upstream
 * call, and `policy explain` shows the Anthropic model excluded with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { packagePath } from '../../engine/src/package-root.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const CLI = packagePath('dist', 'server', 'cli.js');

// No capabilities written: each model has what its provider kind's adapter can express.
const POLICY = `version: 1
providers:
  an: { kind: anthropic, base_url: "http://127.0.0.1:9", base_url_env: SIM_ANTHROPIC_URL, api_key_env: SIM_KEY }
  oa: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: SIM_OPENAI_URL, api_key_env: SIM_KEY }
models:
  claude: { provider: an, upstream: claude-haiku-4-5, price: { input: 1, output: 5 }, context_window: 200000 }
  gpt: { provider: oa, upstream: gpt-4o-mini, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
routes:
  - name: mixed
    match: { model: mixed }
    candidates: [claude, gpt]
`;

let sim: SimHandle;
let gateway: RunningGateway;
let policyFile: string;

beforeAll(async () => {
  sim = await startSim({ apiKey: 'k' });
  gateway = await startGateway(POLICY, { SIM_ANTHROPIC_URL: sim.url, SIM_OPENAI_URL: `${sim.url}/v1`, SIM_KEY: 'k' });
  policyFile = join(mkdtempSync(join(tmpdir(), 'sy-caps-')), 'policy.yaml');
  writeFileSync(policyFile, POLICY);
});

afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

const base = { model: 'mixed', max_tokens: 8, messages: [{ role: 'user', content: 'Give me the capital of Norway as JSON.' }] };

async function chat(extra: Record<string, unknown>): Promise<{ status: number; headers: Headers; upstreamCalls: number }> {
  const before = sim.requests;
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...base, ...extra }),
  });
  await res.text();
  return { status: res.status, headers: res.headers, upstreamCalls: sim.requests - before };
}

function explain(extra: Record<string, unknown>): Array<{ model: string; excluded: string | null }> {
  const r = spawnSync(process.execPath, [CLI, 'policy', 'explain', policyFile, '--request', '-', '--json'], {
    encoding: 'utf8', timeout: 30_000, input: JSON.stringify({ ...base, ...extra }),
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return (JSON.parse(r.stdout) as { candidates: Array<{ model: string; excluded: string | null }> }).candidates.map(({ model, excluded }) => ({ model, excluded }));
}

describe('a feature the Anthropic adapter cannot express', () => {
  it('a plain request goes to the first candidate, the Anthropic model', async () => {
    const r = await chat({});
    expect([r.status, r.headers.get('x-switchyard-model'), r.headers.get('x-switchyard-attempts'), r.upstreamCalls]).toEqual([200, 'claude', '1', 1]);
    expect(explain({})).toEqual([{ model: 'claude', excluded: null }, { model: 'gpt', excluded: null }]);
  });

  it.each([
    ['response_format json_object', { response_format: { type: 'json_object' } }, 'no_json_mode'],
    ['logprobs', { logprobs: true }, 'no_logprobs'],
    ['top_logprobs', { logprobs: true, top_logprobs: 3 }, 'no_logprobs'],
    ['n > 1', { n: 2 }, 'no_multiple_choices'],
  ])('%s: decided onto the OpenAI model, the Anthropic one excluded in the decision, one attempt', async (_name, extra, reason) => {
    const r = await chat(extra);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-switchyard-route')).toBe('mixed');
    expect(r.headers.get('x-switchyard-model')).toBe('gpt');
    expect(r.headers.get('x-switchyard-attempts')).toBe('1');
    expect(r.upstreamCalls).toBe(1);
    expect(explain(extra)).toEqual([{ model: 'claude', excluded: reason }, { model: 'gpt', excluded: null }]);
  });
});
