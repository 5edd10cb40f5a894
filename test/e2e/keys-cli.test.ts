/** `switchyard keys` from the built CLI (node dist/server/cli.js), against a gateway on the same file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicyFile } from '../../engine/src/policy/compile.js';
import { packagePath } from '../../engine/src/package-root.js';
import { buildApp, type Gateway } from '../../server/app.js';
import { KeyStore } from '../../server/keys/store.js';
import { createRuntime } from '../../server/policy-runtime.js';

const CLI = packagePath('dist', 'server', 'cli.js');

function keys(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, [CLI, 'keys', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    cwd: opts.cwd,
    env: { ...process.env, SWITCHYARD_DB: '', ...opts.env },
  });
}

/** How many times `needle` occurs in `text`. */
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('switchyard keys', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-keys-cli-'));
    db = join(dir, 'keys.db');
  });

  it('is listed in the usage and has --help', () => {
    expect(spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout).toMatch(/^ {2}keys\s+virtual keys/m);
    const help = keys(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: switchyard keys <verb>/);
  });

  it('create prints the secret once, alone on stdout; list shows the prefix, never the secret', () => {
    const created = keys(['create', '--db', db, '--name', 'search-bot', '--team', 'search', '--user', 'alice', '--models', 'chat,fast', '--meta', 'env=prod']);
    expect(created.status).toBe(0);
    const secret = created.stdout.trim();
    expect(created.stdout).toMatch(/^sy-[A-Za-z0-9_-]{43}\n$/);
    expect(count(created.stdout + created.stderr, secret)).toBe(1);
    const id = /created (key_[0-9a-f]{12})/.exec(created.stderr)?.[1];
    expect(id).toBeDefined();
    expect(created.stderr).toContain('not shown again');

    const list = keys(['list', '--db', db]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+${secret.slice(0, 7).replace(/[-]/g, '\\-')}\\s+search-bot\\s+search\\s+alice\\s+\\*\\s+chat,fast\\s+\\S+\\s+active$`, 'm'));
    expect(list.stdout).not.toContain(secret.slice(7));

    const json = keys(['list', '--db', db, '--json']);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(listed).toEqual([expect.objectContaining({ id, prefix: secret.slice(0, 7), team: 'search', allowed_models: ['chat', 'fast'], metadata: { env: 'prod' }, revoked_at: null })]);
    expect(json.stdout).not.toContain(secret.slice(7));
    expect(readFileSync(db).includes(Buffer.from(secret.slice(7)))).toBe(false);
  });

  it('create --json carries the secret in the one object it prints', () => {
    const r = keys(['create', '--db', db, '--json', '--team', 'ops']);
    expect(r.status).toBe(0);
    const key = JSON.parse(r.stdout) as { id: string; secret: string; prefix: string; team: string };
    expect(key.secret.slice(0, 7)).toBe(key.prefix);
    expect(key.team).toBe('ops');
    expect(count(r.stdout + r.stderr, key.secret)).toBe(1);
  });

  it('revoke marks the key revoked; an unknown id exits 1', () => {
    const id = (JSON.parse(keys(['create', '--db', db, '--json']).stdout) as { id: string }).id;
    const r = keys(['revoke', id, '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^revoked ${id} .* at \\d{4}-`));
    expect(keys(['list', '--db', db]).stdout).toMatch(new RegExp(`^${id}\\s.*revoked \\d{4}-`, 'm'));
    const unknown = keys(['revoke', 'key_000000000000', '--db', db]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no key key_000000000000');
  });

  it('uses $SWITCHYARD_DB, else ./switchyard.db', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sy-keys-cwd-'));
    expect(keys(['create', '--team', 'here'], { cwd }).status).toBe(0);
    expect(keys(['list', '--json'], { cwd: dir, env: { SWITCHYARD_DB: join(cwd, 'switchyard.db') } }).stdout).toContain('"team": "here"');
  });

  it('exits 2 on a bad command line', () => {
    expect(keys([]).status).toBe(2);
    expect(keys(['frob']).stderr).toContain('unknown verb "frob"');
    const bad = keys(['create', '--db', db, '--meta', 'novalue']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--meta takes key=value');
    expect(keys(['revoke', '--db', db]).status).toBe(2);
    expect(keys(['create', '--db', db, '--colour', 'red']).status).toBe(2);
  });
});

describe('a running gateway on the same file', () => {
  let gateway: Gateway;
  let store: KeyStore;
  let url: string;
  let db: string;
  beforeAll(async () => {
    db = join(mkdtempSync(join(tmpdir(), 'sy-keys-live-')), 'switchyard.db');
    const compiled = compilePolicyFile(packagePath('policies', 'default.yaml'));
    if (!compiled.ok) throw new Error('default policy does not compile');
    store = new KeyStore(db);
    gateway = buildApp({ runtime: createRuntime(compiled.compiled, {}), keys: store });
    url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await gateway?.app.close();
    store?.close();
  });

  const models = async (secret: string) => (await request(`${url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).statusCode;
  async function eventually(status: number, secret: string): Promise<number> {
    const start = Date.now();
    while ((await models(secret)) !== status) {
      if (Date.now() - start > 2000) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - start;
  }

  it('accepts a key the CLI creates, and refuses it once the CLI revokes it, each within 2 s', async () => {
    expect(await models('anything')).toBe(200);
    const created = keys(['create', '--db', db, '--json']);
    const { id, secret } = JSON.parse(created.stdout) as { id: string; secret: string };
    // Open until it sees the file's first key: then a wrong key is refused and this one served.
    expect(await eventually(401, 'sy-wrong')).toBeLessThanOrEqual(2000);
    expect(await models(secret)).toBe(200);
    expect(keys(['revoke', id, '--db', db]).status).toBe(0);
    expect(await eventually(401, secret)).toBeLessThanOrEqual(2000);
    expect(await models(secret)).toBe(401);
  });
});
