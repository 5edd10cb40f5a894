import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../../bench/sim/index.js';
import { compilePolicySource } from '../../../engine/src/policy/compile.js';
import { buildApp } from '../../../server/app.js';
import { LocalBudgetStore } from '../../../server/budgets/local.js';
import { createRuntime } from '../../../server/policy-runtime.js';

const POLICY = `version: 1
providers:
  sim: { kind: openai, base_url: "http://127.0.0.1:9/v1", base_url_env: SIM_URL, api_key_env: SIM_KEY }
  off: { kind: openai, base_url: "http://127.0.0.1:9/v1", api_key_env: NOT_SET_ANYWHERE }
models:
  m: { provider: sim, upstream: sim-model, price: { input: 10, output: 30 }, context_window: 100000, max_output_tokens: 64 }
  dark: { provider: off, price: { input: 1, output: 1 }, context_window: 1000 }
budgets:
  - { name: tiny, scope: global, limit_usd: 0.003, window: day, alert_at: [0.5] }
routes:
  - name: chat
    match: { model: chat }
    max_tokens: { max: 32 }
    candidates: [m]
`;

let sim: SimHandle;
beforeAll(async () => { sim = await startSim({ apiKey: 'k', replyTokens: 8 }); });
afterAll(async () => { await sim?.close(); });

describe('GET /metrics', () => {
  it('counts requests by route, model and status, budget alerts and refusals, and shows circuit states', async () => {
    const built = compilePolicySource(POLICY, 'p.yaml');
    if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
    const p = built.compiled.policy;
    const gateway = buildApp({
      runtime: createRuntime(built.compiled, { SIM_URL: `${sim.url}/v1`, SIM_KEY: 'k' }),
      budgets: new LocalBudgetStore({ budgets: p.budgets, reservationTtlS: 600 }),
    });
    const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const statuses = [];
      for (let i = 0; i < 20; i++) {
        const res = await request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }) });
        await res.body.text();
        statuses.push(res.statusCode);
      }
      expect(statuses).toContain(200);
      expect(statuses).toContain(429);
      const text = await (await request(`${url}/metrics`)).body.text();
      const served = statuses.filter((s) => s === 200).length;
      expect(text).toContain(`switchyard_requests_total{route="chat",model="m",status="200"} ${served}`);
      expect(text).toContain(`switchyard_requests_total{route="chat",model="",status="429"} ${20 - served}`);
      expect(text).toMatch(/switchyard_budget_alerts_total\{budget="tiny",threshold="0\.5"\} [1-9]\d*/);
      expect(text).toContain(`switchyard_budget_refusals_total{budget="tiny",action="reject"} ${20 - served}`);
      expect(text).toContain('switchyard_circuit_state{model="dark"} 3');
    } finally {
      await gateway.app.close();
    }
  });
});
