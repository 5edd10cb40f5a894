import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../../../../engine/src/package-root.js';
import { runExplain } from '../../../../../server/tools/policy/explain.js';
import { bufferIo } from './buffer-io.js';

const POLICY = packagePath('test', 'fixtures', 'policy-cli', 'basic.yaml');
const dir = mkdtempSync(join(tmpdir(), 'sy-policy-explain-'));
function input(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}
const REQUEST = input('request.json', { model: 'cheap', max_tokens: 50, messages: [{ role: 'user', content: 'What is 2+2?' }] });

describe('runExplain', () => {
  it('prints the route, model, max_tokens, prompt, complexity, candidate table and trail', async () => {
    const io = bufferIo();
    const snapshot = input('snapshot.json', { models: { nano: { circuit: 'open' } } });
    expect(await runExplain([POLICY, '--request', REQUEST, '--snapshot', snapshot], io)).toBe(0);
    const text = io.stdout;
    expect(text).toMatch(/^policy {6}.*basic\.yaml \(sha256 [0-9a-f]{12}\)$/m);
    expect(text).toMatch(/^route {7}cheap \(line 30\), strategy ordered, \d+ retr(y|ies) per candidate$/m);
    expect(text).toMatch(/^model {7}mini$/m);
    expect(text).toMatch(/^max_tokens {2}unchanged: the request's 50$/m);
    expect(text).toMatch(/^prompt {6}\d+ tokens \(o200k_base with chat overhead, exact\)$/m);
    expect(text).toMatch(/^complexity {2}[\d.]+ from tokens \d+, turns 1, chars 12, code_density [\d.]+, math_density [\d.]+, questions 1, /m);
    const table = text.slice(text.indexOf('candidates (USD)'));
    expect(table.split('\n')[1]).toMatch(/^ {2}#\s+model\s+provider\s+prompt tokens\s+est\. cost\s+batch cost\s+status\s+via route$/);
    expect(table.split('\n')[2]).toMatch(/^ {2}1\s+nano\s+openai\s+\d+ exact\s+[\d.e-]+\s+[\d.e-]+\s+circuit_open\s+cheap$/);
    expect(table.split('\n')[3]).toMatch(/^ {2}2\s+mini\s+openai\s+\d+ exact\s+[\d.e-]+\s+[\d.e-]+\s+eligible\s+cheap$/);
  });

  it('prints one trail line per route evaluated, with its line in the policy', async () => {
    const io = bufferIo();
    expect(await runExplain([POLICY, '--request', REQUEST], io)).toBe(0);
    const trail = io.stdout.slice(io.stdout.indexOf('\ntrail\n') + 1).split('\n');
    expect(trail.slice(2, 4)).toEqual([
      expect.stringMatching(/^ {2}line 27\s+long\s+skipped: the prompt tokens are outside its match\.prompt_tokens$/),
      expect.stringMatching(/^ {2}line 30\s+cheap\s+matched: this route decides$/),
    ]);
  });

  it('shows a fallback route\'s candidates with the route they came from, and a clamped max_tokens', async () => {
    const policy = packagePath('test', 'fixtures', 'policy-cli', 'conditions.yaml');
    const request = input('long-answer.json', { model: 'auto', max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }] });
    const vip = bufferIo();
    expect(await runExplain([policy, '--request', request, '--caller', input('vip.json', { team: 'vip' })], vip)).toBe(0);
    expect(vip.stdout).toMatch(/^route {7}vip \(line 26\), strategy ordered, 2 retries per candidate$/m);
    expect(vip.stdout).toMatch(/^ {2}2\s+nano\s+openai\s+\d+ exact\s+\S+\s+\S+\s+eligible\s+budget$/m);
    expect(vip.stdout).toMatch(/^ {2}line 32\s+budget\s+entered as a fallback: its candidates follow$/m);
    const low = bufferIo();
    expect(await runExplain([policy, '--request', request, '--header', 'X-Switchyard-Priority=low'], low)).toBe(0);
    expect(low.stdout).toMatch(/^route {7}budget \(line 32\), strategy cheapest, 1 retry per candidate$/m);
    expect(low.stdout).toMatch(/^max_tokens {2}512: clamped by the route from the request's 2000$/m);
    expect(low.stdout).toMatch(/^ {2}line 26\s+vip\s+skipped: its when: condition is false$/m);
  });

  it('says when no route matches', async () => {
    const io = bufferIo();
    expect(await runExplain([POLICY, '--request', input('nope.json', { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] })], io)).toBe(0);
    expect(io.stdout).toContain('route       none: no route matches this request (model "gpt-5")');
    expect(io.stdout).not.toContain('candidates (USD)');
  });

  it('reads the request from standard input with -, and headers, caller and time from flags', async () => {
    const io = bufferIo(JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }));
    const caller = input('caller.json', { key: 'k1', team: 'support' });
    expect(await runExplain([POLICY, '--request', '-', '--caller', caller, '--header', 'x-switchyard-priority=low', '--at', '2026-11-28T10:00:00Z', '--json'], io)).toBe(0);
    const decision = JSON.parse(io.stdout);
    expect(decision).toMatchObject({ status: 'ok', route: 'smart', candidates: [{ model: 'big' }, { model: 'claude' }] });
  });

  it('reports bad inputs by file and path, and exits 1', async () => {
    const io = bufferIo();
    const badRequest = input('bad-request.json', { model: 'auto', messages: [] });
    const badSnapshot = input('bad-snapshot.json', { models: { ghost: { circuit: 'open' } } });
    const notJson = input('not.json', '{ caller');
    expect(await runExplain([POLICY, '--request', badRequest, '--snapshot', badSnapshot, '--caller', notJson, '--at', 'yesterday'], io)).toBe(1);
    expect(io.stderr.trimEnd().split('\n')).toEqual([
      `${badRequest}: messages: SY_POLICY_BAD_VALUE: not a valid chat completion request: messages must be a non-empty array`,
      `${badSnapshot}: models.ghost: SY_POLICY_UNKNOWN_MODEL: the policy declares no model "ghost"`,
      expect.stringMatching(new RegExp(`^${notJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: SY_POLICY_BAD_FORMAT: not valid JSON: `)),
      expect.stringMatching(/^--at: SY_POLICY_BAD_FORMAT: the arrival time must be an ISO 8601 date-time with a zone/),
    ]);
    const missing = bufferIo();
    expect(await runExplain([POLICY, '--request', join(dir, 'absent.json')], missing)).toBe(1);
    expect(missing.stderr).toContain('absent.json: SY_POLICY_READ: cannot read it: no such file');
  });

  it('refuses a policy with errors, printing them', async () => {
    const io = bufferIo();
    const broken = packagePath('test', 'fixtures', 'policy-cli', 'broken.yaml');
    expect(await runExplain([broken, '--request', REQUEST], io)).toBe(1);
    expect(io.stderr).toContain(`${broken}:8:21: SY_POLICY_UNKNOWN_MODEL`);
    expect(io.stderr).toContain(`1 error in ${broken}; run switchyard policy check`);
  });
});
