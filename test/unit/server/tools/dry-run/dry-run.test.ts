import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Decider, type RequestFeatures, type Snapshot } from '../../../../../engine/src/decide.js';
import { costUsd } from '../../../../../engine/src/cost.js';
import { compilePolicySource } from '../../../../../engine/src/policy/compile.js';
import type { CompiledPolicy } from '../../../../../engine/src/policy/lower.js';
import { coreCounting } from '../../../../../server/recording/recorder.js';
import { toRecord } from '../../../../../server/recording/record.js';
import type { TrafficRecord } from '../../../../../server/recording/types.js';
import { parseBudget } from '../../../../../server/tools/dry-run/budgets.js';
import { runDiff } from '../../../../../server/tools/dry-run/diff.js';
import { runDryRun } from '../../../../../server/tools/dry-run/dry-run.js';
import { renderDiff, renderDryRun } from '../../../../../server/tools/dry-run/render.js';

const HEAD = `version: 1
providers:
  a: { kind: openai, base_url: "http://127.0.0.1:1/v1", api_key_env: A_KEY, batch_discount: 0.5 }
  b: { kind: anthropic, base_url: "http://127.0.0.1:2", api_key_env: B_KEY }
models:
  big: { provider: a, upstream: gpt-4o, price: { input: 2, cached_input: 1, output: 8 }, context_window: 128000 }
  small: { provider: a, upstream: gpt-4o-mini, price: { input: 0.1, output: 0.4 }, context_window: 128000 }
  legacy: { provider: a, upstream: gpt-4, price: { input: 30, output: 60 }, context_window: 8192 }
  claude: { provider: b, upstream: claude-x, price: { input: 3, output: 15 }, context_window: 200000 }
`;
const OLD = `${HEAD}routes:
  - name: chat
    match: { model: chat }
    candidates: [big, small]
  - name: code
    match: { model: code }
    candidates: [claude]
`;

function compile(source: string): CompiledPolicy {
  const built = compilePolicySource(source, 'p.yaml');
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  return built.compiled;
}

interface Served {
  features: RequestFeatures;
  output: number;
  cached?: number;
  /** The status the client got (200 unless given); 400 and above: failed, nothing billed. */
  status?: number;
  /** The health snapshot the request was decided with (and a replay decides with). */
  snapshot?: Snapshot;
}

/** Records of `requests` served under `policy`: the first eligible candidate answered with `output` tokens. */
function traffic(policy: CompiledPolicy, requests: Served[]): string {
  const decider = new Decider(policy);
  const lines = requests.map(({ features, output, cached, status = 200, snapshot = {} }, i): TrafficRecord => {
    const decision = decider.decide(features, snapshot);
    const c = decision.candidates.find((x) => x.excluded === null)!;
    const model = policy.policy.models.find((m) => m.name === c.model)!;
    const usage = { input: c.promptTokens, cached_input: cached ?? 0, output };
    const outcome = status >= 400
      ? { status, error: 'upstream_error', model: null, provider: c.provider, attempts: 1, usage: null, cost_usd: null, latency_ms: 100, ttft_ms: null, cache: 'none' as const }
      : { status, error: null, model: c.model, provider: c.provider, attempts: 1, usage, cost_usd: costUsd(model, { inputTokens: usage.input, cachedInputTokens: usage.cached_input, outputTokens: output }), latency_ms: 100, ttft_ms: null, cache: 'none' as const };
    return toRecord({
      id: `r${i}`, at: features.arrivedAt!, done: features.arrivedAt! + 100, policyHash: policy.policy.hash, redaction: 'counts',
      body: { model: features.model, messages: features.messages.map((m) => ({ role: m.role as 'user', content: m.content })) },
      features, snapshot, decision, outcome,
    }, coreCounting);
  });
  const file = join(mkdtempSync(join(tmpdir(), 'sy-dry-')), 'traffic.jsonl');
  writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return file;
}

const T0 = Date.UTC(2026, 10, 20, 12);
const ask = (model: string, content: string, i: number, metadata?: Record<string, string>): RequestFeatures => ({
  model, maxTokens: null, stream: false, messages: [{ role: 'user', content }], arrivedAt: T0 + i * 60_000, metadata,
});

describe('runDryRun', () => {
  const old = compile(OLD);
  const requests = [
    { features: ask('chat', 'What is the capital of Norway?', 0, { team: 'support' }), output: 20, cached: 4 },
    { features: ask('chat', 'Summarise this: '.repeat(40), 1, { team: 'support' }), output: 200 },
    { features: ask('code', 'Why does my loop never end?', 2, { team: 'eng' }), output: 500 },
    { features: ask('chat', 'What is the capital of Norway?', 3, { team: 'support' }), output: 20 },
  ];
  const file = traffic(old, requests);

  it('under the policy that served, changes nothing and projects what was recorded', async () => {
    const report = await runDryRun({ compiled: old, policyFile: 'old.yaml', files: [file] });
    expect(report.traffic.records).toBe(4);
    expect(report.decisions).toEqual({ changed: 0, unroutable: 0, unchanged: 4, noRoute: 0 });
    expect(report.traffic.otherPolicy).toBe(0);
    expect(report.cost.projected).toBeCloseTo(report.cost.recorded, 12);
    expect(report.by.team.map((r) => r.key).sort()).toEqual(['eng', 'support']);
  });

  it('projects another policy with each model\'s own tokenizer and the recorded output; a new provider starts with a cold cache', async () => {
    const cheaper = compile(OLD.replace('candidates: [big, small]', 'candidates: [small, big]').replace('candidates: [claude]', 'candidates: [legacy]'));
    const report = await runDryRun({ compiled: cheaper, policyFile: 'new.yaml', files: [file] });
    expect(report.decisions).toEqual({ changed: 4, unroutable: 0, unchanged: 0, noRoute: 0 });
    const decider = new Decider(cheaper);
    let expected = 0;
    for (const r of requests) {
      const c = decider.decide(r.features).candidates[0]!;
      const model = cheaper.policy.models.find((m) => m.name === c.model)!;
      // Same provider a for small: the recorded cache share is kept.
      expected += costUsd(model, { inputTokens: c.promptTokens, cachedInputTokens: c.provider === 'a' && r.features.model === 'chat' ? r.cached ?? 0 : 0, outputTokens: r.output });
    }
    expect(report.cost.projected).toBeCloseTo(expected, 12);
    expect(report.cost.saved).toBeCloseTo(report.cost.recorded - expected, 12);
    expect(report.by.model.find((m) => m.key === 'legacy')).toMatchObject({ projected: expect.any(Number), recorded: 0 });
  });

  it('prices batch routes at the batch tier and counts their share', async () => {
    const batch = compile(OLD.replace('  - name: code\n', '  - name: code\n    tier: batch\n').replace('candidates: [claude]', 'candidates: [big]'));
    const report = await runDryRun({ compiled: batch, policyFile: 'b.yaml', files: [file] });
    expect(report.batch.requests).toBe(1);
    expect(report.batch.share).toBe(0.25);
    expect(report.batch.savedUsd).toBeGreaterThan(0);
  });

  describe('budgets, simulated with the gateway\'s own store', () => {
    const q = 'What is the capital of Norway?';
    const long = 'Summarise this: '.repeat(40);
    const capped = (model: string, content: string, i: number, maxTokens: number, team = 'support'): RequestFeatures => ({ ...ask(model, content, i, { team }), maxTokens });
    // Served under OLD: every chat request went to big.
    const served = traffic(old, [
      { features: capped('chat', q, 0, 100), output: 20 },
      { features: capped('chat', long, 1, 100), output: 100 },
      { features: capped('chat', q, 2, 100), output: 20 },
      { features: capped('chat', long, 3, 400), output: 100 },
      { features: capped('code', long, 4, 400, 'eng'), output: 100 },
    ]);
    const decider = new Decider(old);
    const prompt = (content: string, model: string) => decider.decide(ask('chat', content, 0)).candidates.find((c) => c.model === model)!.promptTokens;
    // A worst case sums every call the dispatcher may make (each eligible candidate, 1 + retries
    // times); with `chat` on big alone and no retries it is one answer on big, as below.
    const ONE_CALL = OLD.replace('    candidates: [big, small]\n', '    candidates: [big]\n    retries: 0\n');

    it('reserves each request\'s worst case: a downgrade budget moves it to its route, a reject budget refuses it', async () => {
      const guarded = compile(`${ONE_CALL}  - name: cheap
    match: { model: cheap }
    candidates: [small]
budgets:
  - { name: support-daily, scope: team, match: support, limit_usd: 0.002, window: day, on_exceed: downgrade, downgrade_to: cheap }
`);
      const tokens = parseBudget('team:support=600tokens/day') as never;
      // Worst cases on big at $2/$8 per million: the first two fit in $0.002; the third would
      // not, so it goes to cheap; the fourth (400 output tokens) does not fit in what is left of
      // the 600 tokens even on small, so it is refused. Engineering has no budget.
      const [qBig, longBig] = [prompt(q, 'big'), prompt(long, 'big')];
      const settledTwo = qBig * 2e-6 + 20 * 8e-6 + longBig * 2e-6 + 100 * 8e-6;
      expect(settledTwo).toBeLessThan(0.002);
      expect(settledTwo + qBig * 2e-6 + 100 * 8e-6).toBeGreaterThan(0.002);
      expect(qBig + 20 + longBig + 100 + prompt(q, 'small') + 20 + prompt(long, 'small') + 400).toBeGreaterThan(600);

      const report = await runDryRun({ compiled: guarded, policyFile: 'g.yaml', files: [served], budgets: [tokens] });
      expect(report.budgets).toMatchObject({ rejected: 1, downgraded: 1 });
      expect(report.budgets.byBudget.map((b) => [b.budget, b.rejected])).toEqual([['support-daily', 0], ['team:support=600tokens/day', 1]]);
      // (by.route counts requests by the route that served them, and costs by the new route.)
      expect(report.by.route.find((r) => r.key === 'cheap')!.projected).toBeGreaterThan(0);
      // Settled at the projected cost, not the worst case it reserved.
      const spent = report.budgets.byBudget[0]!.spent;
      expect(spent).toBeLessThan(0.002);
      expect(spent).toBeCloseTo(report.by.team.find((t) => t.key === 'support')!.projected, 12);
      expect(report.by.team.find((t) => t.key === 'eng')!.projected).toBeGreaterThan(0);
    });

    it('lets conditions see what is left as snapshot.budget.*, and an alert budget only counts', async () => {
      const watched = compile(`${HEAD}routes:
  - name: low
    match: { model: [chat, code] }
    when: snapshot.budget.team.remaining_usd < $0.001
    candidates: [small]
${ONE_CALL.slice(ONE_CALL.indexOf('  - name: chat'))}`);
      const report = await runDryRun({ compiled: watched, policyFile: 'w.yaml', files: [served], budgets: [parseBudget('team:support=0.002usd/day:alert') as never] });
      // After the first two requests less than $0.001 is left, so the next two take the low route.
      expect(report.budgets).toMatchObject({ rejected: 0, downgraded: 2 });
      const low = report.by.route.find((r) => r.key === 'low')!.projected;
      expect(low).toBeGreaterThan(0);
      expect(report.budgets.byBudget[0]!.spent).toBeCloseTo(report.by.route.find((r) => r.key === 'chat')!.projected + low, 12);
      expect(report.budgets.alerts).toBe(0);
      const over = await runDryRun({ compiled: compile(ONE_CALL), policyFile: 'old.yaml', files: [served], budgets: [parseBudget('team:support=0.002usd/day:alert') as never] });
      // Unchanged, the policy would pass the limit and nothing is refused: as in the gateway, each
      // reservation whose worst case would take spending past the limit alerts (the third and
      // fourth support requests).
      expect(over.budgets).toMatchObject({ rejected: 0, downgraded: 0, alerts: 2 });
    });
  });

  it('simulates an exact cache: a repeated prompt within the TTL costs nothing', async () => {
    const hit = await runDryRun({ compiled: old, policyFile: 'old.yaml', files: [file], exactCacheTtlMs: 10 * 60_000 });
    expect(hit.cache).toMatchObject({ hits: 1, peakEntries: 3 });
    expect(hit.cache!.savedUsd).toBeGreaterThan(0);
    const miss = await runDryRun({ compiled: old, policyFile: 'old.yaml', files: [file], exactCacheTtlMs: 60_000 });
    expect(miss.cache).toMatchObject({ hits: 0 });
  });

  it('caches only answers: a failed request does not make a later success of the same prompt free', async () => {
    const q = 'What is the capital of Norway?';
    const retried = traffic(old, [
      { features: ask('chat', q, 0), output: 20, status: 502 },
      { features: ask('chat', q, 1), output: 20 },
      { features: ask('chat', q, 2), output: 20 },
    ]);
    const report = await runDryRun({ compiled: old, policyFile: 'old.yaml', files: [retried], exactCacheTtlMs: 10 * 60_000 });
    // The second request is the first answer: it is paid for, and answers the third from the cache.
    expect(report.cache).toMatchObject({ hits: 1 });
    expect(report.cost.recorded).toBeGreaterThan(0);
    expect(report.cost.projected).toBeCloseTo(report.cost.recorded / 2, 12);
    expect(report.cache!.savedUsd).toBeCloseTo(report.cost.recorded / 2, 12);
  });

  it('says how many records were served by another policy than the one replayed', async () => {
    const other = compile(OLD.replace('candidates: [big, small]', 'candidates: [small, big]'));
    const report = await runDryRun({ compiled: other, policyFile: 'other.yaml', files: [file] });
    expect(report.traffic.otherPolicy).toBe(4);
    expect(renderDryRun(report).join('\n')).toContain(`4 of 4 records were served by a policy other than this policy (sha256 ${other.policy.hash.slice(0, 12)})`);
    const diff = await runDiff({ old: { compiled: other, file: 'other.yaml' }, new: { compiled: old, file: 'old.yaml' }, files: [file] });
    expect(diff.traffic.otherPolicy).toBe(4);
    expect(renderDiff(diff).join('\n')).toContain('4 of 4 records were served by a policy other than OLD');
    const same = await runDiff({ old: { compiled: old, file: 'old.yaml' }, new: { compiled: other, file: 'other.yaml' }, files: [file] });
    expect(same.traffic.otherPolicy).toBe(0);
    expect(renderDiff(same).join('\n')).not.toContain('policy other than');
  });

  it('merges several logs in time order and skips lines that are not records, saying where', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sy-dry-'));
    const all = (await import('node:fs')).readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(join(d, 'a.jsonl'), `${all[0]}\n${all[2]}\nnot json\n`);
    writeFileSync(join(d, 'b.jsonl'), `${all[1]}\n{"v":9}\n${all[3]}\n`);
    const report = await runDryRun({ compiled: old, policyFile: 'old.yaml', files: [join(d, 'a.jsonl'), join(d, 'b.jsonl')] });
    expect(report.traffic).toMatchObject({ records: 4, skipped: 2, from: T0, to: T0 + 3 * 60_000 + 100 });
    expect(report.overTime.at(-1)).toMatchObject({ recorded: expect.any(Number) });
    expect(report.overTime.at(-1)!.recorded).toBeCloseTo(report.cost.recorded, 12);
  });
});

describe('a served request the policy cannot route', () => {
  const old = compile(OLD);
  // `legacy`'s circuit was open while this traffic was served: a policy that sends code to
  // legacy alone can route none of it.
  const down: Snapshot = { models: { legacy: { circuit: 'open' } } };
  const file = traffic(old, [
    { features: ask('chat', 'hi', 0), output: 10, snapshot: down },
    { features: ask('code', 'fix it', 1), output: 300, snapshot: down },
    { features: ask('code', 'fix that', 2), output: 10, snapshot: down, status: 502 },
  ]);
  const broken = compile(OLD.replace('candidates: [claude]', 'candidates: [legacy]'));

  it('is a changed decision, counted as unroutable, and its recorded cost is never a saving; diff agrees', async () => {
    const report = await runDryRun({ compiled: broken, policyFile: 'broken.yaml', files: [file] });
    // Both code requests change (the failed one too: it was routed); only the served one had a cost.
    expect(report.decisions).toEqual({ changed: 2, unroutable: 2, unchanged: 1, noRoute: 0 });
    const chat = report.by.route.find((r) => r.key === 'chat')!.recorded;
    const code = report.cost.recorded - chat;
    expect(code).toBeGreaterThan(0);
    expect(report.cost.unroutable).toEqual({ requests: 1, recorded: expect.closeTo(code, 12) });
    // The chat request is unchanged, so the policy saves nothing: not the code request's cost.
    expect(report.cost.projected).toBeCloseTo(chat, 12);
    expect(report.cost.saved).toBeCloseTo(0, 12);
    expect(report.cost.savedShare).toBeCloseTo(0, 12);
    const text = renderDryRun(report).join('\n');
    expect(text).toContain('decisions: 2 changed (2 of them now unroutable');
    expect(text).toMatch(/1 served request this policy cannot route: their recorded cost \S+ USD is not in the projection/);

    const diff = await runDiff({ old: { compiled: old, file: 'old.yaml' }, new: { compiled: broken, file: 'broken.yaml' }, files: [file] });
    expect([diff.changed, diff.unroutable]).toEqual([report.decisions.changed, report.decisions.unroutable]);
    expect(diff.cost.unroutable).toEqual({ requests: 1, oldCost: expect.closeTo(code, 9) });
    expect(diff.cost.delta).toBeCloseTo(0, 9);
    expect(renderDiff(diff).join('\n')).toContain('decisions changed: 2 of 3 (66.7%), 2 of them now unroutable');
  });
});

describe('runDiff', () => {
  it('counts changed decisions by the old route, with examples and the cost delta', async () => {
    const old = compile(OLD);
    const file = traffic(old, [
      { features: ask('chat', 'hi', 0), output: 10 },
      { features: ask('code', 'fix it', 1), output: 10 },
      { features: ask('code', 'fix that', 2), output: 10 },
    ]);
    const next = compile(OLD.replace('candidates: [claude]', 'candidates: [small]'));
    const report = await runDiff({ old: { compiled: old, file: 'old.yaml' }, new: { compiled: next, file: 'new.yaml' }, files: [file] });
    expect([report.changed, report.total]).toEqual([2, 3]);
    expect(report.byRoute.map((r) => [r.route, r.requests, r.changed])).toEqual([['code', 2, 2], ['chat', 1, 0]]);
    expect(report.examples.map((e) => [e.oldModel, e.newModel])).toEqual([['claude', 'small'], ['claude', 'small']]);
    expect(report.cost.delta).toBeLessThan(0);
    expect(report.cost.delta).toBeCloseTo(report.cost.new - report.cost.old, 12);
  });
});
