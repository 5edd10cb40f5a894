import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicyFile } from '../../../../../engine/src/policy/compile.js';
import { packagePath } from '../../../../../engine/src/package-root.js';
import type { ChatRequest } from '../../../../../server/adapters/types.js';
import {
  arrivalFromData, callerFromData, defaultPolicyFor, loadTestFile, requestFeaturesFromHttp, snapshotFromData, testFileFor,
} from '../../../../../server/tools/policy/cases.js';
import { Problems } from '../../../../../server/tools/policy/fields.js';
import { policyNames } from '../../../../../server/tools/policy/names.js';

const FIXTURES = packagePath('test', 'fixtures', 'policy-cli');
const fixture = (name: string): string => join(FIXTURES, name);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sy-policy-cases-'));
}

describe('requestFeaturesFromHttp', () => {
  const body = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], ...extra });

  it('reads session and priority from the x-switchyard headers before metadata', () => {
    const f = requestFeaturesFromHttp(body({ metadata: { session_id: 'm-session', priority: 'low' } }), { 'x-switchyard-session': 's1', 'x-switchyard-priority': 'high' });
    expect(f.session).toBe('s1');
    expect(f.priority).toBe('high');
  });

  it('falls back to metadata.session_id and metadata.priority', () => {
    const f = requestFeaturesFromHttp(body({ metadata: { session_id: 'm-session', priority: 'low' } }), {});
    expect(f.session).toBe('m-session');
    expect(f.priority).toBe('low');
  });

  it('takes the first of a repeated header and ignores an empty one', () => {
    expect(requestFeaturesFromHttp(body(), { 'x-switchyard-session': ['a', 'b'] }).session).toBe('a');
    expect(requestFeaturesFromHttp(body({ metadata: { session_id: 'm' } }), { 'x-switchyard-session': '' }).session).toBe('m');
  });

  it('sets JSON mode for json_object and json_schema formats, and the body user', () => {
    expect(requestFeaturesFromHttp(body({ response_format: { type: 'json_object' } }), {}).jsonMode).toBe(true);
    expect(requestFeaturesFromHttp(body({ response_format: { type: 'json_schema', json_schema: {} } }), {}).jsonMode).toBe(true);
    expect(requestFeaturesFromHttp(body({ response_format: { type: 'text' } }), {}).jsonMode).toBe(false);
    expect(requestFeaturesFromHttp(body({ user: 'u-9' }), {}).user).toBe('u-9');
  });
});

describe('test and policy file names', () => {
  it('puts the test file beside the policy and back', () => {
    expect(testFileFor('policies/default.yaml')).toBe('policies/default.test.yaml');
    expect(testFileFor('a/b.yml')).toBe('a/b.test.yml');
    expect(testFileFor('a/b.test.yaml')).toBe('a/b.test.yaml');
    expect(defaultPolicyFor('a/b.test.yaml')).toBe('a/b.yaml');
    expect(defaultPolicyFor('a/b.test.yml')).toBe('a/b.yml');
  });
});

describe('snapshotFromData', () => {
  const built = compilePolicyFile(fixture('basic.yaml'));
  if (!built.ok) throw new Error('basic.yaml must compile');
  const names = policyNames(built.compiled.policy);

  it('turns the snake_case form into a Snapshot', () => {
    const problems = new Problems();
    const snapshot = snapshotFromData({
      models: { nano: { circuit: 'open', latency_ewma_ms: 900, error_rate: 0.2 } },
      providers: { openai: { circuit: 'half_open' } },
      budgets: { team: { remaining_usd: 0.5, remaining_tokens: 10000 }, global: { remaining_usd: 3 } },
    }, names, [], problems);
    expect(problems.list).toEqual([]);
    expect(snapshot).toEqual({
      models: { nano: { circuit: 'open', latencyEwmaMs: 900, errorRate: 0.2 } },
      providers: { openai: { circuit: 'half_open' } },
      budgets: { team: { remainingUsd: 0.5, remainingTokens: 10000 }, global: { remainingUsd: 3 } },
    });
  });

  it('names every problem by its path: undeclared names, bad values, unknown fields', () => {
    const problems = new Problems();
    snapshotFromData({
      models: { 'gpt-9': { circuit: 'open' }, nano: { circuit: 'shut', error_rate: 2, latency_ewmams: 5 } },
      providers: { azure: {} },
      budgets: { tenant: { remaining_usd: 1 } },
      clock: 1,
    }, names, ['snapshot'], problems);
    expect(problems.list.map((p) => [p.path.join('.'), p.code])).toEqual([
      ['snapshot.clock', 'SY_POLICY_UNKNOWN_FIELD'],
      ['snapshot.models.gpt-9', 'SY_POLICY_UNKNOWN_MODEL'],
      ['snapshot.models.nano.latency_ewmams', 'SY_POLICY_UNKNOWN_FIELD'],
      ['snapshot.models.nano.circuit', 'SY_POLICY_BAD_VALUE'],
      ['snapshot.models.nano.error_rate', 'SY_POLICY_OUT_OF_RANGE'],
      ['snapshot.providers.azure', 'SY_POLICY_UNKNOWN_PROVIDER'],
      ['snapshot.budgets.tenant', 'SY_POLICY_BAD_VALUE'],
    ]);
    expect(problems.list[2]!.message).toContain('did you mean "latency_ewma_ms"?');
  });
});

describe('arrivalFromData', () => {
  it('reads an ISO 8601 date-time with a zone as epoch ms', () => {
    const problems = new Problems();
    expect(arrivalFromData('2026-11-28T10:00:00Z', [], problems)).toBe(Date.UTC(2026, 10, 28, 10));
    expect(arrivalFromData('2026-11-28T12:00:00+02:00', [], problems)).toBe(Date.UTC(2026, 10, 28, 10));
    expect(problems.list).toEqual([]);
  });

  it('refuses a time without a zone, which would decide differently on another machine', () => {
    const problems = new Problems();
    expect(arrivalFromData('2026-11-28T10:00:00', ['at'], problems)).toBeUndefined();
    expect(arrivalFromData(1700000000000, ['at'], problems)).toBeUndefined();
    expect(problems.list.map((p) => p.code)).toEqual(['SY_POLICY_BAD_FORMAT', 'SY_POLICY_BAD_FORMAT']);
  });
});

describe('callerFromData', () => {
  it('reads key, team, user and a key\'s metadata (text values), and says where anything else is', () => {
    const problems = new Problems();
    expect(callerFromData({ key: 'k1', metadata: { tier: 'gold' } }, ['caller'], problems)).toEqual({ key: 'k1', metadata: { tier: 'gold' } });
    expect(problems.list).toEqual([]);
    callerFromData({ metadata: { tier: 5 }, metdata: {} }, ['caller'], problems);
    callerFromData({ metadata: 'gold' }, ['caller'], problems);
    expect(problems.list.map((p) => [p.code, p.path.join('.')])).toEqual([
      ['SY_POLICY_UNKNOWN_FIELD', 'caller.metdata'],
      ['SY_POLICY_BAD_TYPE', 'caller.metadata.tier'],
      ['SY_POLICY_BAD_TYPE', 'caller.metadata'],
    ]);
  });
});

describe('loadTestFile', () => {
  it('loads every case with its request, headers, caller, snapshot and arrival time', () => {
    const loaded = loadTestFile(fixture('basic.test.yaml'));
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.format()).join('\n'));
    const { suite } = loaded;
    expect(suite.policyFile).toBe(fixture('basic.yaml'));
    expect(suite.cases.map((c) => [c.name, c.loc.line])).toEqual([
      ['a short question goes to the cheapest model', 2],
      ['an open circuit moves the request to the next candidate', 15],
      ['smart asks for the frontier model', 24],
      ['a model the policy does not offer has no route', 30],
      ['a model asked by its own name takes its implicit route', 33],
    ]);
    const [first, circuit, smart] = suite.cases;
    expect(first!.request.messages).toEqual([{ role: 'user', content: 'What is 2+2?', name: undefined }]);
    expect(first!.expect).toEqual({ status: 'ok', route: 'cheap', model: 'nano', candidates: ['nano', 'mini'], eligible: ['nano', 'mini'], maxTokens: null, promptTokens: 14,
      trail: [{ route: 'long', outcome: 'tokens_out_of_range' }, { route: 'cheap', outcome: 'matched' }],
    });
    expect(circuit!.snapshot).toEqual({ models: { nano: { circuit: 'open', latencyEwmaMs: 900, errorRate: 0.2 } } });
    expect(circuit!.expect.excluded).toEqual({ nano: 'circuit_open', mini: 'eligible' });
    // Header names are matched in lower case, as Node delivers them.
    expect(smart!.request.priority).toBe('high');
    expect(smart!.request.caller).toEqual({ key: 'k1', team: 'research' });
    expect(smart!.request.arrivedAt).toBe(Date.UTC(2026, 10, 28, 10));
  });

  it('locates every problem of an invalid test file at file:line:col', () => {
    const file = fixture('invalid.test.yaml');
    const loaded = loadTestFile(file);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    const shown = loaded.errors.map((e) => e.format().slice(file.length + 1));
    expect(shown).toEqual([
      '6:7: SY_POLICY_UNKNOWN_FIELD: expect has no field "rout"; did you mean "route"?',
      '7:14: SY_POLICY_UNKNOWN_MODEL: the policy declares no model "gpt-4o"',
      expect.stringMatching(/^9:48: SY_POLICY_BAD_VALUE: not a valid chat completion request: messages\[0\]\.role must be one of /),
      expect.stringMatching(/^12:44: SY_POLICY_BAD_VALUE: cases\[2\]\.snapshot\.models\.nano\.circuit must be one of closed, open, half_open, unavailable, got "shut"/),
      expect.stringMatching(/^13:9: SY_POLICY_BAD_FORMAT: the arrival time must be an ISO 8601 date-time with a zone/),
      '14:5: SY_POLICY_MISSING_FIELD: a case needs a "name:" to be reported by',
    ]);
  });

  it('reports a missing test file, a missing policy and a policy that does not compile', () => {
    const dir = tempDir();
    const missing = loadTestFile(join(dir, 'none.test.yaml'));
    expect(!missing.ok && missing.errors[0]!.format()).toBe(`${join(dir, 'none.test.yaml')}:1:1: SY_POLICY_READ: cannot read the test file: no such file`);

    writeFileSync(join(dir, 'x.test.yaml'), 'cases: []\n');
    const noPolicy = loadTestFile(join(dir, 'x.test.yaml'));
    expect(!noPolicy.ok && noPolicy.errors[0]!.format()).toMatch(/x\.test\.yaml:1:1: SY_POLICY_READ: the policy .*x\.yaml does not exist; name it with "policy:"/);

    writeFileSync(join(dir, 'y.test.yaml'), `# named\npolicy: nowhere.yaml\ncases: []\n`);
    const named = loadTestFile(join(dir, 'y.test.yaml'));
    expect(!named.ok && named.errors[0]!.format()).toMatch(/y\.test\.yaml:2:9: SY_POLICY_READ: the policy .*nowhere\.yaml does not exist$/);

    writeFileSync(join(dir, 'z.test.yaml'), `policy: ${JSON.stringify(fixture('broken.yaml'))}\ncases: []\n`);
    const broken = loadTestFile(join(dir, 'z.test.yaml'));
    expect(!broken.ok && broken.errors.map((e) => e.code)).toEqual(['SY_POLICY_UNKNOWN_MODEL']);
  });

  it('refuses an empty case list and two cases with one name', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.yaml'), readPolicy());
    writeFileSync(join(dir, 'p.test.yaml'), 'cases: []\n');
    const empty = loadTestFile(join(dir, 'p.test.yaml'));
    expect(!empty.ok && empty.errors.map((e) => `${e.line}:${e.col} ${e.code}`)).toEqual(['1:8 SY_POLICY_EMPTY']);
    const request = '{ model: auto, messages: [{ role: user, content: hi }] }';
    writeFileSync(join(dir, 'p.test.yaml'), `cases:\n  - name: same\n    request: ${request}\n  - name: same\n    request: ${request}\n`);
    const twice = loadTestFile(join(dir, 'p.test.yaml'));
    expect(!twice.ok && twice.errors.map((e) => `${e.line}:${e.col} ${e.code} ${e.message}`)).toEqual([
      '4:11 SY_POLICY_BAD_VALUE case 1 already has the name "same"; names tell cases apart in the report',
    ]);
  });
});

function readPolicy(): string {
  return [
    'version: 1',
    'providers:',
    '  openai: { kind: openai, base_url: "https://api.openai.com/v1", api_key_env: OPENAI_API_KEY }',
    'models:',
    '  m: { provider: openai, price: { input: 1, output: 2 }, context_window: 100000 }',
    'routes:',
    '  - name: r',
    '    candidates: [m]',
    '',
  ].join('\n');
}
