import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Decider, type RequestFeatures, type Snapshot } from '../../engine/src/decide.js';
import { compilePolicyFile } from '../../engine/src/policy/compile.js';
import { packagePath } from '../../engine/src/package-root.js';
import { coreModule } from '../../engine/src/wasm.js';

// decide(program, request, snapshot) is a function: the same inputs give the same decision,
// whatever was decided before, on whichever instance, and nothing else is read: no clock, no
// randomness. The default policy exercises conditions, the cheapest and ordered strategies,
// fallbacks and max_tokens rewrites (the weighted split's hash is pinned in decide.test.ts).

const built = compilePolicyFile(packagePath('policies', 'default.yaml'));
if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
const compiled = built.compiled;
const models = compiled.policy.models.map((m) => m.name);
const providers = compiled.policy.providers.map((p) => p.name);

const circuit = fc.constantFrom('closed', 'open', 'half_open', 'unavailable') as fc.Arbitrary<'closed' | 'open' | 'half_open' | 'unavailable'>;
const health = fc.record({ circuit, latencyEwmaMs: fc.double({ min: 0, max: 5000, noNaN: true }), errorRate: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: [] });
const snapshotArb: fc.Arbitrary<Snapshot> = fc.record({
  models: fc.dictionary(fc.constantFrom(...models), health, { maxKeys: 6 }),
  providers: fc.dictionary(fc.constantFrom(...providers), health, { maxKeys: 3 }),
  budgets: fc.record({ team: fc.record({ remainingUsd: fc.double({ min: 0, max: 100, noNaN: true }) }) }, { requiredKeys: [] }),
}, { requiredKeys: [] });
const text = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('Prove step by step that sqrt(2) is irrational.', '```ts\nconst x = 1;\n```', '日本語の質問ですか？'));
const requestArb: fc.Arbitrary<RequestFeatures> = fc.record({
  model: fc.constantFrom('auto', 'cheap', 'smart', 'local', 'nope', ...models),
  messages: fc.array(fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: text }), { minLength: 1, maxLength: 4 }),
  maxTokens: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: null }),
  stream: fc.boolean(),
  metadata: fc.option(fc.dictionary(fc.constantFrom('team', 'plan', 'priority'), fc.string({ maxLength: 8 })), { nil: undefined }),
  jsonMode: fc.boolean(),
  user: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  session: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  arrivedAt: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }),
});

describe('decide is pure', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives the same decision for the same program, request and snapshot, before and after other decisions, on any instance', () => {
    const a = new Decider(compiled);
    const b = new Decider(compiled);
    fc.assert(fc.property(requestArb, snapshotArb, requestArb, snapshotArb, (request, snapshot, other, otherSnapshot) => {
      const first = JSON.stringify(a.decide(request, snapshot));
      a.decide(other, otherSnapshot);
      expect(JSON.stringify(a.decide(request, snapshot))).toBe(first);
      expect(JSON.stringify(b.decide(request, snapshot))).toBe(first);
    }), { numRuns: 300 });
  });

  it('reads no clock and no randomness: the core imports only abort, and the host calls neither', () => {
    expect(WebAssembly.Module.imports(coreModule()).map((i) => `${i.module}.${i.name}`)).toEqual(['env.abort']);
    const decider = new Decider(compiled);
    const sample = fc.sample(fc.tuple(requestArb, snapshotArb), { numRuns: 50, seed: 7 });
    const expected = sample.map(([r, s]) => JSON.stringify(decider.decide(r, s)));
    const forbidden = (): never => { throw new Error('decide read the clock or randomness'); };
    vi.spyOn(Date, 'now').mockImplementation(forbidden);
    vi.spyOn(Math, 'random').mockImplementation(forbidden);
    vi.spyOn(performance, 'now').mockImplementation(forbidden);
    sample.forEach(([r, s], i) => expect(JSON.stringify(decider.decide(r, s))).toBe(expected[i]));
  });
});
