/**
 * An OpenAI-compatible server that sends no usage in its streams (as some do): the gateway
 * counts the prompt and what streamed, bills and records that, marks it counted in the traffic
 * record, and never shows its own marker to the client. Providers SIMULATED.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { compilePolicySource } from '../../engine/src/policy/compile.js';
import { buildApp } from '../../server/app.js';
import { createRuntime } from '../../server/policy-runtime.js';
import { TrafficRecorder } from '../../server/recording/recorder.js';
import { TrafficWriter } from '../../server/recording/writer.js';
import type { TrafficRecord } from '../../server/recording/types.js';
import { SqliteLedger } from '../../server/ledger/sqlite.js';
import { countTokens } from '../../engine/src/tokenizer.js';
import { parseRecordLine } from '../../server/recording/line.js';

const POLICY = `version: 1
providers:
  local: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: SIM_URL, api_key_env: SIM_KEY }
  anth: { kind: anthropic, base_url: "http://127.0.0.1:9", base_url_env: SIM_ROOT, api_key_env: SIM_KEY }
  gem: { kind: gemini, base_url: "http://127.0.0.1:9", base_url_env: SIM_ROOT, api_key_env: SIM_KEY }
models:
  llama: { provider: local, upstream: llama-quiet, price: { input: 1, output: 2 }, context_window: 8192 }
  cut: { provider: local, upstream: cut-model, price: { input: 1, output: 2 }, context_window: 8192 }
  cut_anthropic: { provider: anth, upstream: cut-a-model, price: { input: 1, output: 2 }, context_window: 8192 }
  cut_gemini: { provider: gem, upstream: cut-g-model, price: { input: 1, output: 2 }, context_window: 8192 }
routes:
  - { name: local, match: { model: local }, candidates: [llama] }
  - { name: cut, match: { model: cut }, candidates: [cut] }
  - { name: cut_anthropic, match: { model: cut-anthropic }, candidates: [cut_anthropic] }
  - { name: cut_gemini, match: { model: cut-gemini }, candidates: [cut_gemini] }
`;

let sim: SimHandle;
beforeAll(async () => { sim = await startSim({ apiKey: 'k', replyTokens: 40, models: { 'llama-quiet': { omitStreamUsage: true }, 'cut-model': { cutAfterChunks: 3 }, 'cut-a-model': { cutAfterChunks: 3 }, 'cut-g-model': { cutAfterChunks: 3 } } }); });
afterAll(async () => { await sim?.close(); });

describe('a provider that reports no usage in streams', () => {
  it('is billed and recorded for counted usage, marked counted, and the client never sees the marker', async () => {
    const built = compilePolicySource(POLICY, 'p.yaml');
    if (!built.ok) throw new Error('policy');
    const log = join(mkdtempSync(join(tmpdir(), 'sy-counted-')), 'traffic.jsonl');
    const recorder = new TrafficRecorder(new TrafficWriter({ path: log, maxBytes: 1 << 20, keep: 1 }));
    const gateway = buildApp({ runtime: createRuntime(built.compiled, { SIM_URL: `${sim.url}/v1`, SIM_KEY: 'k' }), recorder });
    const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await request(`${url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say something.' }] }),
    });
    const text = await res.body.text();
    await gateway.app.close();
    expect(text).toContain('"usage"');
    expect(text).not.toContain('switchyard_usage_source');
    const [record] = readFileSync(log, 'utf8').trim().split('\n').map(parseRecordLine);
    expect(record!.outcome.usage).toMatchObject({ source: 'counted' });
    expect(record!.outcome.usage!.output).toBeGreaterThan(0);
    // The prompt as the decision counted it for this model (an estimate: its tokenizer is not public).
    expect(record!.outcome.usage!.input).toBeGreaterThanOrEqual(record!.decision.prompt_tokens);
    expect(record!.outcome.cost_usd).toBeGreaterThan(0);
  });

  it('charges a stream cut short for the prompt and what it delivered, in the ledger, before the client hears of the cut', async () => {
    const built = compilePolicySource(POLICY, 'p.yaml');
    if (!built.ok) throw new Error('policy');
    const ledger = new SqliteLedger({ path: join(mkdtempSync(join(tmpdir(), 'sy-cut-')), 'ledger.db') });
    const gateway = buildApp({ runtime: createRuntime(built.compiled, { SIM_URL: `${sim.url}/v1`, SIM_KEY: 'k' }), ledger });
    const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await request(`${url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cut', stream: true, messages: [{ role: 'user', content: 'Say something long.' }] }),
    });
    const text = await res.body.text();
    await gateway.app.close();
    expect(text).toContain('stream_interrupted');
    const delivered = [...text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join('');
    const [charge] = [...ledger.charges()];
    await ledger.close();
    expect(charge!.model).toBe('cut');
    // Input as the decision counted it, output as many tokens as reached the client.
    expect(charge!.tokens).toBeGreaterThan(countTokens(delivered, 'o200k_base'));
    expect(charge!.tokens).toBeLessThan(40);
  });
});

describe('a stream cut short by a provider that reports usage as it streams', () => {
  // Anthropic's message_start already says output_tokens: 1, and Gemini's usage counts only the
  // records sent so far: neither may bill less output than reached the client.
  for (const { format, route } of [{ format: 'Anthropic', route: 'cut-anthropic' }, { format: 'Gemini', route: 'cut-gemini' }]) {
    it(`${format}: settles at least the tokens of the delivered text, with the reported input`, async () => {
      const built = compilePolicySource(POLICY, 'p.yaml');
      if (!built.ok) throw new Error('policy');
      const dir = mkdtempSync(join(tmpdir(), 'sy-cut-usage-'));
      const ledger = new SqliteLedger({ path: join(dir, 'ledger.db') });
      const log = join(dir, 'traffic.jsonl');
      const recorder = new TrafficRecorder(new TrafficWriter({ path: log, maxBytes: 1 << 20, keep: 1 }));
      const env = { SIM_URL: `${sim.url}/v1`, SIM_ROOT: sim.url, SIM_KEY: 'k' };
      const gateway = buildApp({ runtime: createRuntime(built.compiled, env), ledger, recorder });
      const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: route, stream: true, messages: [{ role: 'user', content: 'Say something long.' }] }),
      });
      const text = await res.body.text();
      await gateway.app.close();
      expect(text).toContain('stream_interrupted');
      const delivered = [...text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join('');
      const deliveredTokens = countTokens(delivered, 'o200k_base');
      expect(deliveredTokens).toBeGreaterThan(3);
      const [record] = readFileSync(log, 'utf8').trim().split('\n').map(parseRecordLine);
      const [charge] = [...ledger.charges()];
      await ledger.close();
      const usage = record!.outcome.usage!;
      expect(usage.output).toBeGreaterThanOrEqual(deliveredTokens);
      expect(usage).toMatchObject({ source: 'counted' });
      // Input as the provider reported it (the sim's own count of the prompt), not dropped.
      expect(usage.input).toBeGreaterThan(0);
      expect(charge!.tokens).toBeGreaterThanOrEqual(usage.input + deliveredTokens);
      expect(charge!.usd).toBeGreaterThan(0);
    });
  }
});
