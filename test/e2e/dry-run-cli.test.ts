/** `switchyard dry-run` and `switchyard diff` run as a user runs them, on a recorded log. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Decider } from '../../engine/src/decide.js';
import { compilePolicyFile } from '../../engine/src/policy/compile.js';
import { packagePath } from '../../engine/src/package-root.js';
import { coreCounting } from '../../server/recording/recorder.js';
import { toRecord } from '../../server/recording/record.js';

const CLI = packagePath('dist', 'server', 'cli.js');
const DEFAULT = packagePath('policies', 'default.yaml');
const dir = mkdtempSync(join(tmpdir(), 'sy-dry-cli-'));
const log = join(dir, 'traffic.jsonl');
const variant = join(dir, 'variant.yaml');

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });

beforeAll(() => {
  const built = compilePolicyFile(DEFAULT);
  if (!built.ok) throw new Error('default policy');
  const decider = new Decider(built.compiled);
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    const features = { model: ['auto', 'cheap', 'smart'][i % 3]!, maxTokens: null, stream: false, messages: [{ role: 'user', content: `Question ${i}: what is ${i} + ${i}?` }], arrivedAt: 1_764_300_000_000 + i * 60_000, metadata: { team: i % 2 ? 'support' : 'research' } };
    const decision = decider.decide(features);
    const c = decision.candidates.find((x) => x.excluded === null)!;
    lines.push(JSON.stringify(toRecord({
      id: `r${i}`, at: features.arrivedAt, done: features.arrivedAt + 300, policyHash: built.compiled.policy.hash, redaction: 'counts',
      body: { model: features.model, messages: [{ role: 'user', content: features.messages[0]!.content }] }, features, snapshot: {}, decision,
      outcome: { status: 200, error: null, model: c.model, provider: c.provider, attempts: 1, usage: { input: c.promptTokens, cached_input: 0, output: 40 }, cost_usd: c.estimatedCostUsd, latency_ms: 300, ttft_ms: null, cache: 'none' },
    }, coreCounting)));
  }
  writeFileSync(log, `${lines.join('\n')}\n`);
  // An operator's change: the `smart` route tries Gemini first.
  writeFileSync(variant, readFileSync(DEFAULT, 'utf8').replace('candidates: [gpt-4.1, claude-sonnet-4-5, gemini-2.5-pro]', 'candidates: [gemini-2.5-pro, gpt-4.1, claude-sonnet-4-5]'));
});

describe('switchyard dry-run', () => {
  it('replays the log under the policy that served it: nothing changes', () => {
    const r = run('dry-run', DEFAULT, '--traffic', log, '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.traffic.records).toBe(60);
    expect(report.decisions).toEqual({ changed: 0, unroutable: 0, unchanged: 60, noRoute: 0 });
    expect(report.traffic).toMatchObject({ otherPolicy: 0, outOfOrder: 0 });
    expect(report.cost.unroutable).toEqual({ requests: 0, recorded: 0 });
  });

  it('prints a readable report for a changed policy and writes the HTML page', () => {
    const html = join(dir, 'report.html');
    const r = run('dry-run', variant, '--traffic', log, '--html', html, '--budget', 'team:support=0.001usd/day', '--exact-cache', '1h');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^dry-run of .*variant\.yaml \(sha256 [0-9a-f]{12}\) on 60 records/);
    expect(r.stdout).toMatch(/decisions: 20 changed, 40 unchanged/);
    expect(r.stdout).toMatch(/team:support=0\.001usd\/day: \d+ rejected/);
    expect(r.stdout).toMatch(/exact cache: 0 hits, 0 USD saved, at most \d+ answers? held at once/);
    expect(r.stdout).toContain(`HTML report: ${html}`);
    expect(existsSync(html) && readFileSync(html, 'utf8')).toContain('<svg');
  });

  it('refuses a bad command line with exit 2 and a broken policy with exit 1 at file:line:col', () => {
    expect(run('dry-run', DEFAULT).status).toBe(2);
    expect(run('dry-run', DEFAULT, '--traffic', join(dir, 'missing.jsonl')).stderr).toMatch(/cannot read traffic file/);
    const budget = run('dry-run', DEFAULT, '--traffic', log, '--budget', 'team=5eur');
    expect([budget.status, budget.stderr]).toEqual([2, expect.stringMatching(/expected SCOPE\[:VALUE\]=AMOUNT/)]);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, readFileSync(DEFAULT, 'utf8').replace('candidates: [gpt-4.1, claude', 'candidates: [gpt-4.2, claude'));
    const r = run('dry-run', broken, '--traffic', log);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: SY_POLICY_UNKNOWN_MODEL/);
  });
});

describe('switchyard diff', () => {
  it('counts the decisions that change, by route, with examples and the cost delta', () => {
    const r = run('diff', DEFAULT, variant, '--traffic', log, '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect([report.changed, report.total]).toEqual([20, 60]);
    expect(report.byRoute.find((x: { route: string }) => x.route === 'smart')).toMatchObject({ requests: 20, changed: 20 });
    expect(report.examples[0]).toMatchObject({ oldRoute: 'smart', oldModel: 'gpt-4.1', newModel: 'gemini-2.5-pro' });
    const text = run('diff', DEFAULT, variant, '--traffic', log);
    expect(text.stdout).toMatch(/decisions changed: 20 of 60 \(33\.3%\)/);
  });
});
