/** The built `switchyard` command, run as a user runs it (node dist/server/cli.js). */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../bench/sim/index.js';
import { packagePath } from '../../engine/src/package-root.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ apiKey: 'cli-key' });
});
afterAll(async () => {
  await sim?.close();
});

describe('switchyard CLI', () => {
  it.each([[[]], [['--help']], [['serve', '--help']], [['sim', '--help']], [['demo', '--help']], [['tokens', '--help']]])('%j prints usage and exits 0', (args) => {
    const r = run(args);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/usage: switchyard/);
  });

  it('an unknown command exits 2 with the usage', () => {
    const r = run(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  it.each([
    ['an unknown field', '  m: { provider: openai, price: { input: 1, output: 2 }, context_window: 10, colour: red }', '    candidates: [m]', '5:78: SY_POLICY_UNKNOWN_FIELD'],
    ['an unknown candidate', '  m: { provider: openai, price: { input: 1, output: 2 }, context_window: 10 }', '    candidates: [m, missing]', '8:21: SY_POLICY_UNKNOWN_MODEL'],
    ['a wrong type', '  m: { provider: openai, price: { input: one, output: 2 }, context_window: 10 }', '    candidates: [m]', '5:42: SY_POLICY_BAD_TYPE'],
  ])('serve refuses a policy with %s: exit 1 and file:line:col', (_what, modelLine, candidatesLine, where) => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-cli-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, [
      'version: 1',
      'providers:',
      '  openai: { kind: openai, base_url: "https://api.openai.com/v1", api_key_env: OPENAI_API_KEY }',
      'models:',
      modelLine,
      'routes:',
      '  - name: r',
      candidatesLine,
      '',
    ].join('\n'));
    const r = run(['serve', '--policy', file, '--port', '0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:${where}`);
    expect(r.stderr).toContain('not serving');
  });

  it('serve with the default policy answers the OpenAI SDK, streaming too, through the sim; SIGTERM stops it', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
      env: { ...process.env, OPENAI_BASE_URL: `${sim.url}/v1`, OPENAI_API_KEY: 'cli-key', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (b: Buffer) => {
        log += b.toString();
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
        if (m) resolve(m[1]!);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${log}`)));
    });
    try {
      expect(log).toContain('provider anthropic is unavailable: ANTHROPIC_API_KEY is not set');
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
      const json = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      expect(json.choices[0]!.message.content).toMatch(/^\[simulated gpt-4o\]/);
      let text = '';
      for await (const c of await client.chat.completions.create({ model: 'cheap', stream: true, messages: [{ role: 'user', content: 'hi' }] })) {
        text += c.choices[0]?.delta.content ?? '';
      }
      expect(text).toMatch(/^\[simulated gpt-4\.1-nano\]/);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('demo routes, fails over and prints costs', () => {
    const r = run(['demo']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('SIMULATED');
    const smart = r.stdout.split('\n').find((l) => l.startsWith('smart alias (primary 503 -> failover)'))!;
    // gpt-4o answers 503: retried once, then the backup serves.
    expect(smart).toMatch(/200\s+smart\s+claude-sonnet-4-5\s+backup\s+3\s+0\.\d{8}/);
    const support = r.stdout.split('\n').find((l) => l.startsWith('smart, support team on free tier'))!;
    expect(support).toMatch(/200\s+support-free\s+gpt-4o-mini\s+primary\s+1/);
    expect(r.stdout).toMatch(/a model the policy does not offer\s+404/);
  });
});

describe('switchyard tokens', () => {
  it.each([['o200k_base'], ['cl100k_base']])('counts standard input under %s as tiktoken does', async (encoding) => {
    const { get_encoding } = await import('tiktoken');
    const text = "Hello, world! It's 2026 — 日本語 🚂 <|endoftext|>\n  indented\r\n";
    const enc = get_encoding(encoding as 'o200k_base');
    const expected = enc.encode_ordinary(text).length;
    enc.free();
    const r = spawnSync(process.execPath, [CLI, 'tokens', '--encoding', encoding], { input: text, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(String(expected));
  });

  it('refuses an unknown encoding', () => {
    const r = spawnSync(process.execPath, [CLI, 'tokens', '--encoding', 'p50k'], { input: 'x', encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--encoding must be one of o200k_base, cl100k_base');
  });
});
