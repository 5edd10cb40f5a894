/**
 * Hot reload in the built server (node dist/server/cli.js serve), as an operator sees it: edit
 * the policy file or send SIGHUP, watch GET /v1/switchyard/policy and the log, against the
 * SIMULATED provider.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { packagePath } from '../../engine/src/package-root.js';

const CLI = packagePath('dist', 'server', 'cli.js');
/** The upstream model the sim answers only after this long: the request in flight across a reload. */
const SLOW_MS = 1500;

/** A policy answering alias `auto` with `model` (upstream `up-<model>`). */
const policy = (model: string, candidates = model): string => `version: 1
providers:
  sim: { kind: openai, base_url: "http://127.0.0.1:1/v1", base_url_env: SIM_URL, api_key_env: SIM_KEY }
models:
  ${model}: { provider: sim, upstream: up-${model}, price: { input: 1, output: 2 }, context_window: 100000 }
routes:
  - name: auto
    match: { model: auto }
    candidates: [${candidates}]
`;
/** Line 9, column 24 with `beta`: the candidate `missing` is not declared. */
const broken = (model: string): string => policy(model, `${model}, missing`);

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

interface PolicyStatus {
  object: string;
  hash: string;
  file: string;
  loaded_at: string;
  reloads: number;
  last_error: null | { at: string; errors: string[] };
  routes: string[];
  models: string[];
}

interface Server {
  child: ChildProcessWithoutNullStreams;
  url: string;
  file: string;
  /** Everything the server logged so far, stdout and stderr. */
  log(): string;
  /** Resolves once the log matches `pattern`. */
  logged(pattern: string | RegExp, ms?: number): Promise<void>;
  status(): Promise<PolicyStatus>;
  /** Polls the status endpoint until `accept` holds. */
  statusUntil(accept: (s: PolicyStatus) => boolean, ms?: number): Promise<PolicyStatus>;
  chat(model: string): Promise<{ status: number; model: string | undefined; policy: string | undefined; content: string }>;
  stop(): Promise<number | null>;
}

let sim: SimHandle;
const servers: Server[] = [];

beforeAll(async () => {
  sim = await startSim({ apiKey: 'k', models: { 'up-slow': { latencyMs: SLOW_MS } } });
});
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await sim?.close();
});

async function serve(initial: string, flags: string[] = []): Promise<Server> {
  const file = join(mkdtempSync(join(tmpdir(), 'sy-hot-')), 'policy.yaml');
  writeFileSync(file, initial);
  const child = spawn(process.execPath, [CLI, 'serve', '--policy', file, '--port', '0', ...flags], {
    env: { ...process.env, SIM_URL: `${sim.url}/v1`, SIM_KEY: 'k', LOG_LEVEL: 'info' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  const listeners = new Set<() => void>();
  const onData = (b: Buffer): void => {
    log += b.toString();
    for (const l of listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const logged = (pattern: string | RegExp, ms = 5000): Promise<void> => new Promise((resolve, reject) => {
    const test = () => (typeof pattern === 'string' ? log.includes(pattern) : pattern.test(log));
    if (test()) return resolve();
    const check = () => {
      if (!test()) return;
      listeners.delete(check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      listeners.delete(check);
      reject(new Error(`not logged within ${ms} ms: ${pattern}\n${log}`));
    }, ms);
    listeners.add(check);
  });

  await Promise.race([
    logged(/Server listening at http:\/\/127\.0\.0\.1:\d+/),
    exited.then((code) => { throw new Error(`serve exited ${code}: ${log}`); }),
  ]);
  const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)![1]!;

  const status = async (): Promise<PolicyStatus> => {
    const res = await request(`${url}/v1/switchyard/policy`);
    expect(res.statusCode).toBe(200);
    return (await res.body.json()) as PolicyStatus;
  };
  const server: Server = {
    child,
    url,
    file,
    log: () => log,
    logged,
    status,
    async statusUntil(accept, ms = 5000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const s = await status();
        if (accept(s)) return s;
        if (Date.now() > deadline) throw new Error(`policy status never matched: ${JSON.stringify(s)}\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async chat(model) {
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = (await res.body.json()) as { choices?: Array<{ message: { content: string } }> };
      return {
        status: res.statusCode,
        model: res.headers['x-switchyard-model'] as string | undefined,
        policy: res.headers['x-switchyard-policy'] as string | undefined,
        content: body.choices?.[0]?.message.content ?? JSON.stringify(body),
      };
    },
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
  servers.push(server);
  return server;
}

describe('serve reloads its policy when the file changes', () => {
  it('swaps policies atomically, refuses a broken one and keeps serving, and shuts down cleanly', async () => {
    const A = policy('slow');
    const B = policy('beta');
    const server = await serve(A);

    const first = await server.status();
    expect(first).toEqual({
      object: 'switchyard.policy',
      hash: sha256(A),
      file: server.file,
      loaded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      reloads: 0,
      last_error: null,
      routes: ['auto', 'model:slow'],
      models: ['slow'],
    });

    // A request under A waits on its slow upstream while B replaces A.
    const upstreamCalls = sim.requests;
    const inFlight = server.chat('auto');
    while (sim.requests === upstreamCalls) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(server.file, B);
    const second = await server.statusUntil((s) => s.hash === sha256(B));
    expect(second).toMatchObject({ reloads: 1, last_error: null, routes: ['auto', 'model:beta'], models: ['beta'] });
    expect(Date.parse(second.loaded_at)).toBeGreaterThan(Date.parse(first.loaded_at));
    await server.logged(`reloaded policy ${server.file} on file change: sha256 ${sha256(B).slice(0, 12)} in `);

    const fresh = await server.chat('auto');
    expect(fresh).toMatchObject({ status: 200, model: 'beta', policy: sha256(B) });
    expect(fresh.content).toMatch(/^\[simulated up-beta\]/);
    // The slow request finished under the runtime it started with, though B has no model `slow`.
    const old = await inFlight;
    expect(old).toMatchObject({ status: 200, model: 'slow', policy: sha256(A) });
    expect(old.content).toMatch(/^\[simulated up-slow\]/);

    writeFileSync(server.file, broken('beta'));
    await server.logged(`${server.file}:9:24: SY_POLICY_UNKNOWN_MODEL: `);
    await server.logged(`refused: 1 error(s) in ${server.file}; still serving sha256 ${sha256(B).slice(0, 12)}`);
    const third = await server.statusUntil((s) => s.last_error !== null);
    expect(third).toMatchObject({ hash: sha256(B), reloads: 1 });
    expect(third.last_error!.errors).toEqual([expect.stringMatching(/:9:24: SY_POLICY_UNKNOWN_MODEL: /)]);
    expect(await server.chat('auto')).toMatchObject({ status: 200, model: 'beta', policy: sha256(B) });

    // Fixing the file is a reload like any other, and clears the refusal.
    const C = policy('gamma');
    writeFileSync(server.file, C);
    expect(await server.statusUntil((s) => s.hash === sha256(C))).toMatchObject({ reloads: 2, last_error: null });
    expect(await server.chat('auto')).toMatchObject({ status: 200, model: 'gamma' });

    expect(await server.stop()).toBe(0);
  });
});

describe('serve --no-watch', () => {
  it('ignores edits and reloads on SIGHUP, refusing a broken policy', async () => {
    const B = policy('beta');
    const C = policy('gamma');
    const server = await serve(B, ['--no-watch']);

    writeFileSync(server.file, broken('beta'));
    await new Promise((r) => setTimeout(r, 500));
    expect(await server.status()).toMatchObject({ hash: sha256(B), reloads: 0, last_error: null });

    server.child.kill('SIGHUP');
    await server.logged(`${server.file}:9:24: SY_POLICY_UNKNOWN_MODEL: `);
    expect(await server.statusUntil((s) => s.last_error !== null)).toMatchObject({ hash: sha256(B), reloads: 0 });
    expect(await server.chat('auto')).toMatchObject({ status: 200, model: 'beta' });

    writeFileSync(server.file, C);
    server.child.kill('SIGHUP');
    expect(await server.statusUntil((s) => s.hash === sha256(C))).toMatchObject({ reloads: 1, last_error: null });
    await server.logged(`reloaded policy ${server.file} on SIGHUP: sha256 ${sha256(C).slice(0, 12)} in `);
    expect(await server.chat('auto')).toMatchObject({ status: 200, model: 'gamma' });

    server.child.kill('SIGHUP');
    await server.logged(`SIGHUP: policy ${server.file} unchanged`);

    expect(await server.stop()).toBe(0);
  });
});
