import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerErrorHandler } from '../../../../server/plugins/error-handler.js';
import { bearerOf, checkAllowed, registerAuth, type Caller } from '../../../../server/keys/auth.js';
import { KeyStore } from '../../../../server/keys/store.js';

const caller = (over: Partial<Caller> = {}): Caller => ({ key: 'key_0123456789ab', team: 't', user: 'u', allowedRoutes: [], allowedModels: [], metadata: {}, ...over });

describe('checkAllowed', () => {
  it('lets anything through for an open gateway (no caller) and for a key without limits', () => {
    expect(checkAllowed(null, { model: 'gpt', route: 'premium' })).toBeNull();
    expect(checkAllowed(caller(), { model: 'gpt', route: 'premium' })).toBeNull();
  });

  it('refuses a model outside allowed_models with 403 model_not_allowed', () => {
    const denied = checkAllowed(caller({ allowedModels: ['chat', 'fast'] }), { model: 'gpt-4o' });
    expect(denied?.status).toBe(403);
    expect(denied?.toBody().error).toMatchObject({ code: 'model_not_allowed', type: 'permission_error', param: 'model' });
    expect(denied?.message).toContain('"gpt-4o"');
    expect(checkAllowed(caller({ allowedModels: ['chat', 'fast'] }), { model: 'fast' })).toBeNull();
  });

  it('checks the route only once it is known, with 403 route_not_allowed', () => {
    const limited = caller({ allowedRoutes: ['cheap'] });
    expect(checkAllowed(limited, { model: 'chat' })).toBeNull();
    expect(checkAllowed(limited, { model: 'chat', route: null })).toBeNull();
    expect(checkAllowed(limited, { model: 'chat', route: 'cheap' })).toBeNull();
    const denied = checkAllowed(limited, { model: 'chat', route: 'premium' });
    expect(denied?.status).toBe(403);
    expect(denied?.openaiCode).toBe('route_not_allowed');
  });
});

describe('bearerOf', () => {
  it.each([
    ['Bearer sy-abc', 'sy-abc'],
    ['bearer sy-abc', 'sy-abc'],
    ['Bearer   sy-abc  ', 'sy-abc'],
    ['Basic dXNlcjpwYXNz', null],
    ['Bearer', null],
    ['Bearer a b', null],
    [undefined, null],
  ])('%j -> %j', async (header, expected) => {
    const app = Fastify();
    app.get('/', async (request) => ({ token: bearerOf(request) }));
    const res = await app.inject({ url: '/', headers: header === undefined ? {} : { authorization: header } });
    expect(res.json()).toEqual({ token: expected });
    await app.close();
  });
});

describe('registerAuth', () => {
  it('guards /v1 routes once a key exists, and leaves /healthz and the master-key routes to themselves', async () => {
    const store = new KeyStore(join(mkdtempSync(join(tmpdir(), 'sy-auth-')), 'keys.db'));
    const app = Fastify();
    registerErrorHandler(app);
    registerAuth(app, { store, env: {} });
    for (const path of ['/v1/models', '/v1/switchyard/policy', '/v1/switchyard/keys', '/v1/switchyard/keys/:id', '/v1/switchyard/spend', '/v1/switchyard/keysmith', '/healthz']) {
      app.get(path, async () => 'ok');
    }
    const status = async (url: string) => (await app.inject({ url })).statusCode;
    expect(await status('/v1/models')).toBe(200);
    const { secret } = store.create();
    expect(await status('/v1/models')).toBe(401);
    expect(await status('/v1/switchyard/policy')).toBe(401);
    expect(await status('/v1/switchyard/keysmith')).toBe(401);
    for (const url of ['/v1/switchyard/keys', '/v1/switchyard/keys/key_1', '/v1/switchyard/spend', '/v1/switchyard/spend?by=team', '/healthz']) {
      expect([url, await status(url)]).toEqual([url, 200]);
    }
    expect((await app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(200);
    await app.close();
    store.close();
  });
});
