import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Decider, type RequestFeatures, type Snapshot } from '../../engine/src/decide.js';
import { compilePolicyFile } from '../../engine/src/policy/compile.js';
import type { CompiledPolicy } from '../../engine/src/policy/lower.js';
import { packagePath } from '../../engine/src/package-root.js';
import { coreModule } from '../../engine/src/wasm.js';

// decide(program, request, snapshot) is a function: the same inputs give the same decision,
// whatever was decided before, on whichever instance, and nothing else is read: no clock, no
// randomness. Two policies: the default one (the cheapest and ordered strategies, fallbacks,
// max_tokens rewrites), and one built for this test with every strategy (weighted split by
// caller, user and session) and conditions on every kind of field: request, caller and its
// key's metadata, budgets, health, time and request metadata.

function compiled(...path: string[]): CompiledPolicy {
  const built = compilePolicyFile(packagePath(...path));
  if (!built.ok) throw new Error(built.errors.map((e) => e.format()).join('\n'));
  return built.compiled;
}

const POLICIES: ReadonlyArray<[name: string, policy: CompiledPolicy, models: readonly string[]]> = [
  ['default', compiled('policies', 'default.yaml'), ['auto', 'cheap', 'smart', 'local', 'nope']],
  ['every-strategy', compiled('test', 'fixtures', 'policies', 'property', 'every-strategy.yaml'), ['auto', 'auto', 'auto', 'safe', 'nope']],
];

const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const circuit = fc.constantFrom('closed', 'open', 'half_open', 'unavailable') as fc.Arbitrary<'closed' | 'open' | 'half_open' | 'unavailable'>;
const health = fc.record({ circuit, latencyEwmaMs: fc.double({ min: 0, max: 5000, noNaN: true }), errorRate: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: [] });
const budget = fc.record({ remainingUsd: fc.double({ min: 0, max: 100, noNaN: true }), remainingTokens: fc.integer({ min: 0, max: 100_000 }) }, { requiredKeys: [] });

function snapshotArb(policy: CompiledPolicy): fc.Arbitrary<Snapshot> {
  const models = policy.policy.models.map((m) => m.name);
  const providers = policy.policy.providers.map((p) => p.name);
  return fc.record({
    models: fc.dictionary(fc.constantFrom(...models), health, { maxKeys: 6 }),
    providers: fc.dictionary(fc.constantFrom(...providers), health, { maxKeys: 3 }),
    budgets: fc.record({ key: budget, user: budget, team: budget, session: budget, global: budget }, { requiredKeys: [] }),
  }, { requiredKeys: [] });
}

const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.constantFrom('Prove step by step that sqrt(2) is irrational.', '```ts\nconst x = 1;\n```', '日本語の質問ですか？', 'hi'),
);
/** A short text that is sometimes one a condition looks for. */
const word = (...hits: string[]): fc.Arbitrary<string> => fc.oneof(fc.constantFrom(...hits), fc.string({ maxLength: 8 }));
const tool = { type: 'function', function: { name: 'lookup', description: 'Look a thing up', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };

function requestArb(policy: CompiledPolicy, models: readonly string[]): fc.Arbitrary<RequestFeatures> {
  const names = policy.policy.models.map((m) => m.name);
  return fc.record({
    model: fc.constantFrom(...models, ...names),
    messages: fc.array(fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: text, name: maybe(fc.constantFrom('ann', 'bob')) }), { minLength: 1, maxLength: 5 }),
    maxTokens: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: null }),
    stream: fc.boolean(),
    metadata: maybe(fc.dictionary(fc.constantFrom('team', 'plan', 'priority', 'session_id', 'x-y'), word('pro', 'xyz', 'low'))),
    tools: maybe(fc.constantFrom([], [tool], [tool, { ...tool, function: { ...tool.function, name: 'other' } }])),
    images: maybe(fc.record({ count: fc.integer({ min: 0, max: 3 }), tiles: fc.integer({ min: 0, max: 12 }), sizesKnown: fc.boolean() })),
    jsonMode: fc.boolean(),
    user: maybe(word('u1', 'u2', 'user-11')),
    session: maybe(word('s1', 'sess', 'x')),
    priority: maybe(fc.constantFrom('low', 'normal', 'high')),
    caller: maybe(fc.record({
      key: maybe(word('key_9a', 'key_1b')),
      team: maybe(word('t1', 't2')),
      user: maybe(word('cu1')),
      metadata: maybe(fc.dictionary(fc.constantFrom('tier', 'region'), word('gold', 'silver'))),
    }, { requiredKeys: [] })),
    arrivedAt: maybe(fc.integer({ min: 0, max: 4_102_444_800_000 })),
  }, { requiredKeys: ['model', 'messages', 'maxTokens', 'stream'] });
}

/**
 * Runs `fn` with the clock and randomness forbidden: Date.now, `new Date()` without arguments
 * (and Date() called as a function), Math.random and performance.now all throw.
 */
function withoutClock<T>(fn: () => T): T {
  const forbidden = (): never => { throw new Error('decide read the clock or randomness'); };
  const RealDate = globalThis.Date;
  class WatchedDate extends RealDate {
    constructor(...args: ConstructorParameters<typeof Date> | []) {
      if (args.length === 0) forbidden();
      super(...(args as ConstructorParameters<typeof Date>));
    }
    static override now(): number { return forbidden(); }
  }
  vi.spyOn(Date, 'now').mockImplementation(forbidden);
  vi.spyOn(Math, 'random').mockImplementation(forbidden);
  vi.spyOn(performance, 'now').mockImplementation(forbidden);
  globalThis.Date = WatchedDate as DateConstructor;
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
    vi.restoreAllMocks();
  }
}

describe.each(POLICIES)('decide is pure (%s policy)', (_name, policy, models) => {
  afterEach(() => vi.restoreAllMocks());
  const requests = requestArb(policy, models);
  const snapshots = snapshotArb(policy);

  it('gives the same decision for the same program, request and snapshot, before and after other decisions, on any instance', () => {
    const a = new Decider(policy);
    const b = new Decider(policy);
    fc.assert(fc.property(requests, snapshots, requests, snapshots, (request, snapshot, other, otherSnapshot) => {
      const first = JSON.stringify(a.decide(request, snapshot));
      a.decide(other, otherSnapshot);
      expect(JSON.stringify(a.decide(request, snapshot))).toBe(first);
      expect(JSON.stringify(b.decide(request, snapshot))).toBe(first);
    }), { numRuns: 300 });
  });

  it('reads no clock and no randomness: the core imports only abort, and the host calls neither', () => {
    expect(WebAssembly.Module.imports(coreModule()).map((i) => `${i.module}.${i.name}`)).toEqual(['env.abort']);
    const decider = new Decider(policy);
    const sample = fc.sample(fc.tuple(requests, snapshots), { numRuns: 100, seed: 7 });
    const expected = sample.map(([r, s]) => JSON.stringify(decider.decide(r, s)));
    const again = withoutClock(() => sample.map(([r, s]) => JSON.stringify(decider.decide(r, s))));
    expect(again).toEqual(expected);
  });
});

describe('the purity test itself', () => {
  const [, policy, models] = POLICIES[1]!;

  it('reaches every route of the purpose-built policy, and each weighted route through its split', () => {
    const decider = new Decider(policy);
    const sample = fc.sample(fc.tuple(requestArb(policy, models), snapshotArb(policy)), { numRuns: 2000, seed: 11 });
    const matched = new Set<string>();
    for (const [r, s] of sample) {
      const d = decider.decide(r, s);
      if (d.route !== null) matched.add(`${d.route}/${d.strategy}`);
    }
    expect([...matched].filter((m) => !m.startsWith('model:')).sort()).toEqual([
      'budgeted/cheapest', 'by-caller/weighted', 'by-session/weighted', 'by-user/weighted', 'healthy-fast/fastest',
      'heavy/cheapest', 'office-hours/ordered', 'safe/ordered', 'tagged/cheapest',
    ]);
  });

  it('notices a host that reads the clock: `new Date()` without arguments throws while watched', () => {
    expect(() => withoutClock(() => new Date())).toThrow(/clock/);
    expect(() => withoutClock(() => Date.now())).toThrow(/clock/);
    expect(() => withoutClock(() => Math.random())).toThrow(/randomness/);
    // Dates from an input stay allowed: time.* conditions read the arrival time that way.
    expect(withoutClock(() => new Date(0).getUTCDay())).toBe(4);
    expect(new Date().getTime()).toBeGreaterThan(0); // restored afterwards
  });
});
