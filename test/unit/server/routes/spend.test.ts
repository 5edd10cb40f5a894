import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteLedger } from '../../../../server/ledger/sqlite.js';
import { registerErrorHandler } from '../../../../server/plugins/error-handler.js';
import { registerSpend } from '../../../../server/routes/spend.js';
import { charge, LEDGER_DAY } from '../../../helpers/charge.js';

const MASTER = 'sy-master-test-key';
let dir: string;
let ledger: SqliteLedger;
const apps: FastifyInstance[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sy-spend-route-'));
  ledger = new SqliteLedger({ path: join(dir, 'l.db') });
  ledger.append(charge('1', { at: LEDGER_DAY, usd: 1.25, tokens: 10, scopes: { team: 'research' } }));
  ledger.append(charge('2', { at: LEDGER_DAY + 3_600_000, usd: 0.5, tokens: 5, scopes: { team: 'support' } }));
  ledger.append(charge('3', { at: LEDGER_DAY + 7_200_000, usd: 0.25, tokens: 1, scopes: { team: 'research' } }));
});

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

function app(masterKey: string | undefined): FastifyInstance {
  const a = Fastify();
  registerErrorHandler(a);
  registerSpend(a, { ledger, masterKey });
  apps.push(a);
  return a;
}

const auth = { authorization: `Bearer ${MASTER}` };

describe('GET /v1/switchyard/spend', () => {
  it('answers the spend report as JSON to the master key', async () => {
    const res = await app(MASTER).inject({ url: '/v1/switchyard/spend?by=team', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      object: 'switchyard.spend', by: 'team', since: null, until: null,
      rows: [{ key: 'research', requests: 2, usd: 1.5, tokens: 11 }, { key: 'support', requests: 1, usd: 0.5, tokens: 5 }],
      total: { requests: 3, usd: 2, tokens: 16 },
    });
  });

  it('takes since and until as ISO times', async () => {
    const since = new Date(LEDGER_DAY + 1000).toISOString();
    const until = new Date(LEDGER_DAY + 7_200_000).toISOString();
    const res = await app(MASTER).inject({ url: `/v1/switchyard/spend?by=team&since=${since}&until=${until}`, headers: auth });
    expect(res.json()).toMatchObject({ since, until, rows: [{ key: 'support', requests: 1 }], total: { requests: 1 } });
  });

  it('answers 401 in the OpenAI error shape without the master key, or with another', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: MASTER }, { authorization: `Bearer ${MASTER}x` }]) {
      const res = await app(MASTER).inject({ url: '/v1/switchyard/spend?by=team', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { message: expect.stringContaining('SWITCHYARD_MASTER_KEY'), type: 'authentication_error', param: null, code: 'invalid_api_key' } });
    }
  });

  it('does not exist on a gateway without a master key', async () => {
    const res = await app('').inject({ url: '/v1/switchyard/spend?by=team', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('takes the master key from SWITCHYARD_MASTER_KEY by default', async () => {
    const saved = process.env.SWITCHYARD_MASTER_KEY;
    process.env.SWITCHYARD_MASTER_KEY = MASTER;
    try {
      expect((await app(undefined).inject({ url: '/v1/switchyard/spend?by=team', headers: auth })).statusCode).toBe(200);
      delete process.env.SWITCHYARD_MASTER_KEY;
      expect((await app(undefined).inject({ url: '/v1/switchyard/spend?by=team', headers: auth })).statusCode).toBe(404);
    } finally {
      if (saved === undefined) delete process.env.SWITCHYARD_MASTER_KEY;
      else process.env.SWITCHYARD_MASTER_KEY = saved;
    }
  });

  it('answers 400 naming the parameter for a bad `by` or time', async () => {
    const bad = await app(MASTER).inject({ url: '/v1/switchyard/spend?by=tenant', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ param: 'by', code: 'invalid_request' });
    const badTime = await app(MASTER).inject({ url: '/v1/switchyard/spend?by=key&since=yesterday', headers: auth });
    expect(badTime.statusCode).toBe(400);
    expect(badTime.json().error.param).toBe('since');
  });
});
