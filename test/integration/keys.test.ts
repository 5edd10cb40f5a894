/** Virtual keys over real HTTP: the gateway against the SIMULATED provider, keys in a real SQLite file. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { compilePolicySource } from '../../engine/src/policy/compile.js';
import { buildApp, type Gateway } from '../../server/app.js';
import { callerOf } from '../../server/keys/auth.js';
import { KeyStore } from '../../server/keys/store.js';
import { createRuntime } from '../../server/policy-runtime.js';

const POLICY = `version: 1
providers:
  sim: { kind: openai, base_url: "http://127.0.0.1:1/v1", base_url_env: SIM_URL, api_key_env: SIM_KEY }
models:
  small: { provider: sim, upstream: m-small, price: { input: 1, output: 2 }, context_window: 100000 }
routes:
  - name: chat
    match: { model: chat }
    candidates: [small]
  - name: other
    match: { model: other }
    candidates: [small]
`;
const MASTER = 'master-of-keys-0123456789';

let sim: SimHandle;
const running: Array<{ gateway: Gateway; store: KeyStore }> = [];
/** Every log line every gateway of this file wrote. */
const logs: string[] = [];

/** A listening gateway over a fresh key file (or `file`), with the given keys environment. */
async function start(env: { master?: string; require?: boolean; file?: string; policy?: string } = {}): Promise<{ url: string; store: KeyStore }> {
  const compiled = compilePolicySource(env.policy ?? POLICY, 'keys.yaml');
  if (!compiled.ok) throw new Error(compiled.errors.map((e) => e.format()).join('\n'));
  const store = new KeyStore(env.file ?? join(mkdtempSync(join(tmpdir(), 'sy-keys-it-')), 'switchyard.db'));
  // The key plugins read the environment once, when the app is built.
  const saved = { master: process.env.SWITCHYARD_MASTER_KEY, require: process.env.SWITCHYARD_REQUIRE_KEYS };
  if (env.master === undefined) delete process.env.SWITCHYARD_MASTER_KEY;
  else process.env.SWITCHYARD_MASTER_KEY = env.master;
  if (env.require) process.env.SWITCHYARD_REQUIRE_KEYS = '1';
  else delete process.env.SWITCHYARD_REQUIRE_KEYS;
  let gateway: Gateway;
  try {
    gateway = buildApp({
      runtime: createRuntime(compiled.compiled, { SIM_KEY: 'sim-key', SIM_URL: `${sim.url}/v1` }),
      keys: store,
      logger: { level: 'trace', stream: { write: (line) => void logs.push(line) } },
    });
  } finally {
    for (const [name, value] of [['SWITCHYARD_MASTER_KEY', saved.master], ['SWITCHYARD_REQUIRE_KEYS', saved.require]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  // What the pipeline will hand to the decision, made visible.
  gateway.app.get('/v1/test/caller', async (req) => ({ caller: callerOf(req) }));
  const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  running.push({ gateway, store });
  return { url, store };
}

async function call(url: string, method: 'GET' | 'POST' | 'DELETE', path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await request(`${url}${path}`, {
    method,
    headers: { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, any> };
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const chat = (model = 'chat') => ({ model, messages: [{ role: 'user', content: 'hi' }] });
const admin = { authorization: `Bearer ${MASTER}` };

beforeAll(async () => {
  sim = await startSim({ apiKey: 'sim-key' });
});
afterAll(async () => {
  for (const { gateway, store } of running) {
    await gateway.app.close();
    store.close();
  }
  await sim?.close();
});

describe('an open gateway (no key issued)', () => {
  it('serves /v1 without a key, whatever Authorization says, with no caller', async () => {
    const { url } = await start();
    expect((await call(url, 'POST', '/v1/chat/completions', { body: chat() })).status).toBe(200);
    expect((await call(url, 'POST', '/v1/chat/completions', { body: chat(), headers: bearer('sk-whatever') })).status).toBe(200);
    expect((await call(url, 'GET', '/v1/test/caller')).json()).toEqual({ caller: null });
  });

  it('closes with SWITCHYARD_REQUIRE_KEYS=1 even before a key exists', async () => {
    const { url } = await start({ require: true });
    const res = await call(url, 'POST', '/v1/chat/completions', { body: chat() });
    expect(res.status).toBe(401);
    expect(res.json().error.code).toBe('invalid_api_key');
    expect((await call(url, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('a gateway with keys', () => {
  let url: string;
  let store: KeyStore;
  let secret: string;
  let id: string;
  beforeAll(async () => {
    ({ url, store } = await start({ master: MASTER }));
    const created = await call(url, 'POST', '/v1/switchyard/keys', {
      headers: admin,
      body: { name: 'search', team: 'search', user: 'alice', metadata: { env: 'test' } },
    });
    expect(created.status).toBe(201);
    ({ secret, id } = created.json() as { secret: string; id: string });
  });

  it('issues the key through the admin API: the secret once, with its id and prefix', async () => {
    expect(secret).toMatch(/^sy-[A-Za-z0-9_-]{43}$/);
    expect(id).toMatch(/^key_[0-9a-f]{12}$/);
    expect(store.lookup(secret)?.id).toBe(id);
  });

  it('answers 401 invalid_api_key without a key, with a wrong one and with the master key', async () => {
    const wrong = `sy-${'A'.repeat(43)}`;
    for (const headers of [{}, bearer(wrong), bearer(MASTER), { authorization: `Basic ${secret}` }]) {
      const res = await call(url, 'POST', '/v1/chat/completions', { body: chat(), headers });
      expect(res.status).toBe(401);
      expect(res.json().error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
      expect(res.headers['x-switchyard-error']).toBe('SY_KEY_INVALID');
      for (const secretText of [wrong, MASTER, secret]) expect(res.text).not.toContain(secretText);
    }
    expect((await call(url, 'GET', '/v1/models')).status).toBe(401);
    // Percent-encoding does not route around the check.
    expect((await call(url, 'GET', '/%761/models')).status).toBe(401);
  });

  it('serves the key, and the caller carries its id, team, user and metadata', async () => {
    const res = await call(url, 'POST', '/v1/chat/completions', { body: chat(), headers: bearer(secret) });
    expect(res.status).toBe(200);
    expect(res.json().choices[0].message.role).toBe('assistant');
    expect((await call(url, 'GET', '/v1/models', { headers: bearer(secret) })).status).toBe(200);
    expect((await call(url, 'GET', '/v1/test/caller', { headers: bearer(secret) })).json()).toEqual({
      caller: { key: id, team: 'search', user: 'alice', allowedRoutes: [], allowedModels: [], metadata: { env: 'test' } },
    });
  });

  it('leaves /healthz open', async () => {
    expect((await call(url, 'GET', '/healthz')).status).toBe(200);
  });

  it('takes x-api-key on the Anthropic ingress only, and answers there in Anthropic shape', async () => {
    const body = { model: 'chat', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    expect((await call(url, 'POST', '/v1/messages', { body, headers: { 'x-api-key': secret } })).status).toBe(200);
    const refused = await call(url, 'POST', '/v1/messages', { body, headers: { 'x-api-key': 'sy-nope' } });
    expect(refused.status).toBe(401);
    expect(refused.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect((await call(url, 'POST', '/v1/chat/completions', { body: chat(), headers: { 'x-api-key': secret } })).status).toBe(401);
  });

  it('refuses a model outside the key\'s allowed_models with 403 model_not_allowed', async () => {
    const created = await call(url, 'POST', '/v1/switchyard/keys', { headers: admin, body: { allowed_models: ['chat'] } });
    const limited = (created.json() as { secret: string }).secret;
    expect((await call(url, 'POST', '/v1/chat/completions', { body: chat('chat'), headers: bearer(limited) })).status).toBe(200);
    const res = await call(url, 'POST', '/v1/chat/completions', { body: chat('other'), headers: bearer(limited) });
    expect(res.status).toBe(403);
    expect(res.json().error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed', param: 'model' });
    // The key's model list shows only what it may use.
    const models = await call(url, 'GET', '/v1/models', { headers: bearer(limited) });
    expect((models.json() as { data: Array<{ id: string }> }).data.map((m) => m.id)).toEqual(['chat']);
  });

  it('accepts a key another process writes to the same file within 2 s', async () => {
    const cli = new KeyStore(store.file);
    const { secret: late } = cli.create({ team: 'late' });
    cli.close();
    const start = Date.now();
    let status = 0;
    while (Date.now() - start < 2000 && status !== 200) {
      status = (await call(url, 'GET', '/v1/models', { headers: bearer(late) })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  });

  it('lists keys without secrets or digests', async () => {
    const res = await call(url, 'GET', '/v1/switchyard/keys', { headers: admin });
    expect(res.status).toBe(200);
    const list = res.json() as { object: string; data: Array<Record<string, unknown>> };
    expect(list.object).toBe('list');
    const mine = list.data.find((k) => k.id === id);
    expect(mine).toMatchObject({ object: 'switchyard.key', prefix: secret.slice(0, 7), team: 'search', user: 'alice', revoked_at: null });
    expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain(secret.slice(7));
    for (const key of list.data) expect(Object.keys(key)).not.toContain('secret');
    expect(res.text).not.toMatch(/[0-9a-f]{64}/);
  });

  it('refuses the admin API without the master key, with a wrong one and with a client key', async () => {
    for (const headers of [{}, bearer('not-the-master'), bearer(secret), bearer(`${MASTER}x`)]) {
      for (const [method, path] of [['GET', '/v1/switchyard/keys'], ['POST', '/v1/switchyard/keys'], ['DELETE', `/v1/switchyard/keys/${id}`]] as const) {
        const res = await call(url, method, path, { headers, ...(method === 'POST' ? { body: {} } : {}) });
        expect([method, res.status]).toEqual([method, 401]);
        expect(res.json().error.code).toBe('invalid_api_key');
      }
    }
    expect(store.lookup(secret)).not.toBeNull();
  });

  it('validates a new key\'s fields', async () => {
    for (const [body, param] of [[{ team: 3 }, 'team'], [{ allowed_models: 'chat' }, 'allowed_models'], [{ metadata: { n: 1 } }, 'metadata.n'], [{ colour: 'red' }, 'colour']] as const) {
      const res = await call(url, 'POST', '/v1/switchyard/keys', { headers: admin, body });
      expect(res.status).toBe(400);
      expect(res.json().error.param).toBe(param);
    }
  });

  it('revokes a key: 401 from then on; an unknown id is 404 key_not_found', async () => {
    const res = await call(url, 'DELETE', `/v1/switchyard/keys/${id}`, { headers: admin });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ id, revoked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect((await call(url, 'POST', '/v1/chat/completions', { body: chat(), headers: bearer(secret) })).status).toBe(401);
    const unknown = await call(url, 'DELETE', '/v1/switchyard/keys/key_000000000000', { headers: admin });
    expect(unknown.status).toBe(404);
    expect(unknown.json().error.code).toBe('key_not_found');
  });

  it('never writes a secret or the master key to the log', () => {
    const log = logs.join('');
    expect(log).toContain('virtual key created');
    expect(log).toContain(id);
    expect(log).not.toContain(secret.slice(7));
    expect(log).not.toContain(MASTER);
    expect(log.toLowerCase()).not.toContain('authorization');
  });
});

describe('a key\'s metadata in conditions', () => {
  const TIERED = POLICY.replace('routes:\n', [
    'routes:',
    '  - name: gold',
    '    match: { model: chat }',
    '    when: caller.metadata.tier == "gold"',
    '    candidates: [small]',
    '',
  ].join('\n'));

  it('reaches the decision as caller.metadata: a gold key matches the route for gold, others the next one', async () => {
    const { url, store } = await start({ policy: TIERED });
    const gold = store.create({ metadata: { tier: 'gold' } }).secret;
    const silver = store.create({ metadata: { tier: 'silver' } }).secret;
    const plain = store.create({ team: 'gold' }).secret;
    const routeOf = async (secret: string): Promise<unknown> => {
      const res = await call(url, 'POST', '/v1/chat/completions', { body: chat(), headers: bearer(secret) });
      expect(res.status).toBe(200);
      return res.headers['x-switchyard-route'];
    };
    expect(await routeOf(gold)).toBe('gold');
    expect(await routeOf(silver)).toBe('chat');
    // Another field holding "gold" is not the key's metadata.
    expect(await routeOf(plain)).toBe('chat');
  });
});

describe('the admin API without SWITCHYARD_MASTER_KEY', () => {
  it('does not exist: 404 for every verb, whatever the Authorization', async () => {
    const { url, store } = await start();
    for (const [method, path] of [['GET', '/v1/switchyard/keys'], ['POST', '/v1/switchyard/keys'], ['DELETE', '/v1/switchyard/keys/key_000000000000']] as const) {
      const res = await call(url, method, path, { headers: admin, ...(method === 'POST' ? { body: {} } : {}) });
      expect([method, res.status]).toEqual([method, 404]);
    }
    expect(store.hasKeys()).toBe(false);
  });
});
