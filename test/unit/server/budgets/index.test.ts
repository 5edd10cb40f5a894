import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../../../engine/src/policy/types.js';
import { BudgetStoreUnavailableError, createBudgetStore, LocalBudgetStore, type BudgetLog } from '../../../../server/budgets/index.js';
import { budget, deletePrefix, REDIS_URL, scopes, testPrefix } from '../../../helpers/budgets.js';
import { granted, request } from '../../../helpers/budget-store-cases.js';

const prefix = testPrefix();
afterAll(() => deletePrefix(prefix));

function policy(onUnreachable: 'closed' | 'open', budgets = [budget({ name: 'team', scope: 'team', limit: 100 })]): Pick<Policy, 'budgets' | 'budgetStore'> {
  return { budgets, budgetStore: { onUnreachable, reservationTtlS: 600 } };
}

function recordingLog(): BudgetLog & { lines: Array<[level: string, msg: string]> } {
  const lines: Array<[string, string]> = [];
  return { lines, warn: (_o, msg) => lines.push(['warn', msg]), error: (_o, msg) => lines.push(['error', msg]) };
}

/** A TCP relay to the suite's Redis that the test can cut and restore, on one port. */
class Relay {
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(6379, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => this.#sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  }
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('createBudgetStore', () => {
  it('keeps budgets in the process without a Redis URL, and when the policy has no budgets', async () => {
    const log = recordingLog();
    expect(createBudgetStore(policy('closed'), { log })).toBeInstanceOf(LocalBudgetStore);
    expect(createBudgetStore(policy('closed', []), { log, redisUrl: `redis://127.0.0.1:${await deadPort()}` })).toBeInstanceOf(LocalBudgetStore);
  });

  it('shares budgets through Redis with a URL', async () => {
    const log = recordingLog();
    const a = createBudgetStore(policy('closed'), { log, redisUrl: REDIS_URL, prefix });
    const b = createBudgetStore(policy('closed'), { log, redisUrl: REDIS_URL, prefix });
    try {
      const s = scopes({ team: 't' });
      granted(await a.reserve(request(s, { tokens: 60 }, Date.now())));
      expect(await b.reserve(request(s, { tokens: 60 }, Date.now()))).toMatchObject({ ok: false, remaining: 40 });
      expect(await b.remaining(s, Date.now())).toEqual({ team: { remainingTokens: 40 } });
      expect(log.lines).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('fails closed when Redis is unreachable: reserve throws, once logged; requests under no budget pass', async () => {
    const log = recordingLog();
    const store = createBudgetStore(policy('closed'), { log, redisUrl: `redis://127.0.0.1:${await deadPort()}`, prefix });
    try {
      const s = scopes({ team: 't' });
      await expect(store.reserve(request(s, { tokens: 1 }, Date.now()))).rejects.toBeInstanceOf(BudgetStoreUnavailableError);
      await expect(store.reserve(request(s, { tokens: 1 }, Date.now()))).rejects.toThrow(/budget store unreachable .*on_unreachable: closed/);
      granted(await store.reserve(request(scopes(), { tokens: 1 }, Date.now())));
      const unbudgeted = { id: 'x', requestId: 'r', at: Date.now(), scopes: s, usd: 0, tokens: 1, expiresAt: Date.now() + 1000, budgets: ['team'] };
      await store.settle(unbudgeted, { usd: 0, tokens: 1 });
      await store.release(unbudgeted);
      expect(await store.remaining(s, Date.now())).toEqual({});
      expect(log.lines).toEqual([['error', 'budget store unreachable: requests under a budget are refused with 503 until it is back']]);
    } finally {
      await store.close();
    }
  });

  it('fails open when the policy says so: serves unbudgeted and logs it', async () => {
    const log = recordingLog();
    const store = createBudgetStore(policy('closed'), { log, redisUrl: `redis://127.0.0.1:${await deadPort()}`, prefix, onUnreachable: 'open' });
    try {
      const r = granted(await store.reserve(request(scopes({ team: 't' }), { tokens: 1000 }, Date.now())));
      expect(r.budgets).toEqual([]);
      granted(await store.reserve(request(scopes({ team: 't' }), { tokens: 1000 }, Date.now())));
      await store.settle(r, { usd: 0, tokens: 1000 });
      expect(log.lines).toEqual([['error', 'budget store unreachable: requests are served unbudgeted until it is back']]);
    } finally {
      await store.close();
    }
  });

  it('enforces again, and says so, when Redis comes back', async () => {
    const relay = new Relay();
    await relay.start();
    const log = recordingLog();
    const store = createBudgetStore(policy('closed'), { log, redisUrl: `redis://127.0.0.1:${relay.port}`, prefix });
    const s = scopes({ team: 'relay' });
    try {
      granted(await store.reserve(request(s, { tokens: 60 }, Date.now())));
      await relay.cut();
      const started = Date.now();
      await expect(store.reserve(request(s, { tokens: 1 }, Date.now()))).rejects.toBeInstanceOf(BudgetStoreUnavailableError);
      // Failing fast: no request waits out the reconnect delays.
      await expect(store.reserve(request(s, { tokens: 1 }, Date.now()))).rejects.toBeInstanceOf(BudgetStoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
      await relay.start();
      let result = null;
      for (let i = 0; i < 100 && result === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
        result = await store.reserve(request(s, { tokens: 50 }, Date.now())).catch(() => null);
      }
      expect(result).toMatchObject({ ok: false, remaining: 40 });
      expect(log.lines.map(([level]) => level)).toEqual(['error', 'warn']);
      expect(log.lines[1]![1]).toBe('budget store reachable again: budgets enforced');
    } finally {
      await store.close();
      await relay.cut();
    }
  });
});
