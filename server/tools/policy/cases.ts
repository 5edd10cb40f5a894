/**
 * Test files (`x.test.yaml` beside `x.yaml`): reading and validating them into cases ready for
 * decide(), with every problem located file:line:col as the policy compiler locates its own.
 * Also the inputs a case shares with `policy explain` and the server: the request's features from
 * an HTTP body and headers, the snapshot, the caller and the arrival time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { BudgetScope, BudgetState, CircuitState, HealthState, RequestFeatures, Snapshot } from '../../../engine/src/decide.js';
import { PolicyError } from '../../../engine/src/errors.js';
import { compilePolicyFile } from '../../../engine/src/policy/compile.js';
import type { CompiledPolicy } from '../../../engine/src/policy/lower.js';
import { locate, parsePolicy, type PathSegment } from '../../../engine/src/policy/parse.js';
import type { SourceLocation } from '../../../engine/src/policy/types.js';
import type { ChatRequest } from '../../adapters/types.js';
import { parseChatRequest, requestFeatures, type HeaderMap } from '../../chat-request.js';
import { GatewayError } from '../../errors.js';
import { expectationFromData, type Expectation } from './expect.js';
import { locateProblems, Problems, typeName } from './fields.js';
import { policyNames, type PolicyNames } from './names.js';

/**
 * The features decide() reads from a validated chat body and its HTTP headers (names in lower
 * case): the body's own, session and priority (x-switchyard-session / x-switchyard-priority,
 * else metadata.session_id / metadata.priority), JSON mode and the body's `user`.
 */
export function requestFeaturesFromHttp(body: ChatRequest, headers: HeaderMap): RequestFeatures {
  return requestFeatures(body, headers);
}

const CIRCUITS = Object.keys({ closed: 0, open: 0, half_open: 0, unavailable: 0 } satisfies Record<CircuitState, 0>) as CircuitState[];
const BUDGET_SCOPES = Object.keys({ key: 0, user: 0, team: 0, session: 0, global: 0 } satisfies Record<BudgetScope, 0>) as BudgetScope[];

/** The validated chat body at `path` as decide() features, with the case's headers. */
export function requestFromData(data: unknown, headers: HeaderMap, path: PathSegment[], problems: Problems): RequestFeatures | undefined {
  try {
    return requestFeaturesFromHttp(parseChatRequest(data), headers);
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    const param = e.param === null || e.param === 'body' ? [] : paramPath(e.param);
    problems.add([...path, ...param], 'SY_POLICY_BAD_VALUE', `not a valid chat completion request: ${e.message}`);
    return undefined;
  }
}

/** `messages[0].role` -> ['messages', 0, 'role']. */
function paramPath(param: string): PathSegment[] {
  return [...param.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1]! : Number(m[2])));
}

/** Header names in lower case (as Node delivers them) with text values. */
export function headersFromData(data: unknown, path: PathSegment[], problems: Problems): Record<string, string> {
  const record = problems.record(data, path, 'headers');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') headers[name.toLowerCase()] = String(value);
    else problems.add([...path, name], 'SY_POLICY_BAD_TYPE', `header ${name} must be text, got ${typeName(value)}`);
  }
  return headers;
}

/** `{ key, team, user, metadata }`, each optional; metadata maps names to text, as a key's does. */
export function callerFromData(data: unknown, path: PathSegment[], problems: Problems): RequestFeatures['caller'] {
  const record = problems.record(data, path, 'caller');
  if (record === undefined) return undefined;
  problems.onlyKeys(record, ['key', 'team', 'user', 'metadata'], path, 'caller');
  const caller: NonNullable<RequestFeatures['caller']> = {};
  for (const field of ['key', 'team', 'user'] as const) {
    if (record[field] !== undefined) caller[field] = problems.string(record[field], [...path, field]);
  }
  if (record.metadata !== undefined) {
    const metadata = problems.record(record.metadata, [...path, 'metadata'], 'caller metadata');
    if (metadata !== undefined) {
      caller.metadata = Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name, problems.string(value, [...path, 'metadata', name]) ?? '']));
    }
  }
  return caller;
}

/**
 * Epoch milliseconds of an ISO 8601 date-time with an explicit zone: without one, Date.parse
 * reads local time, and a case would decide differently on another machine.
 */
export function arrivalFromData(data: unknown, path: PathSegment[], problems: Problems): number | undefined {
  const ms = typeof data === 'string' && ISO_WITH_ZONE.test(data) ? Date.parse(data) : NaN;
  if (Number.isNaN(ms)) {
    problems.add(path, 'SY_POLICY_BAD_FORMAT', `the arrival time must be an ISO 8601 date-time with a zone, like 2026-11-28T10:00:00Z, got ${JSON.stringify(data)}`);
    return undefined;
  }
  return ms;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A Snapshot from its snake_case form (`models`/`providers`: circuit, latency_ewma_ms,
 * error_rate; `budgets`: remaining_usd, remaining_tokens per scope), names checked against the
 * policy: a snapshot of a model the policy lacks would silently change nothing.
 */
export function snapshotFromData(data: unknown, names: PolicyNames, path: PathSegment[], problems: Problems): Snapshot {
  const record = problems.record(data, path, 'snapshot');
  if (record === undefined) return {};
  problems.onlyKeys(record, ['models', 'providers', 'budgets'], path, 'snapshot');
  const snapshot: { -readonly [K in keyof Snapshot]: Snapshot[K] } = {};
  if (record.models !== undefined) snapshot.models = healthMap(record.models, names.models, 'model', [...path, 'models'], problems);
  if (record.providers !== undefined) snapshot.providers = healthMap(record.providers, names.providers, 'provider', [...path, 'providers'], problems);
  if (record.budgets !== undefined) {
    const budgets: Partial<Record<BudgetScope, BudgetState>> = {};
    const map = problems.record(record.budgets, [...path, 'budgets'], 'snapshot.budgets');
    for (const [scope, value] of Object.entries(map ?? {})) {
      const at = [...path, 'budgets', scope];
      if (problems.oneOf(scope, BUDGET_SCOPES, at) === undefined) continue;
      const budget = problems.record(value, at, `budget ${scope}`);
      if (budget === undefined) continue;
      problems.onlyKeys(budget, ['remaining_usd', 'remaining_tokens'], at, `budget ${scope}`);
      budgets[scope as BudgetScope] = {
        ...(budget.remaining_usd === undefined ? {} : { remainingUsd: problems.number(budget.remaining_usd, [...at, 'remaining_usd']) }),
        ...(budget.remaining_tokens === undefined ? {} : { remainingTokens: problems.number(budget.remaining_tokens, [...at, 'remaining_tokens']) }),
      };
    }
    snapshot.budgets = budgets;
  }
  return snapshot;
}

function healthMap(data: unknown, declared: ReadonlySet<string>, kind: 'model' | 'provider', path: PathSegment[], problems: Problems): Record<string, HealthState> {
  const out: Record<string, HealthState> = {};
  for (const [name, value] of Object.entries(problems.record(data, path, `snapshot.${kind}s`) ?? {})) {
    const at = [...path, name];
    if (!declared.has(name)) {
      problems.add(at, kind === 'model' ? 'SY_POLICY_UNKNOWN_MODEL' : 'SY_POLICY_UNKNOWN_PROVIDER', `the policy declares no ${kind} "${name}"`, 'key');
      continue;
    }
    const health = problems.record(value, at, `${kind} ${name}`);
    if (health === undefined) continue;
    problems.onlyKeys(health, ['circuit', 'latency_ewma_ms', 'error_rate'], at, `the health of ${kind} ${name}`);
    const state: HealthState = {};
    if (health.circuit !== undefined) {
      const circuit = problems.oneOf(health.circuit, CIRCUITS, [...at, 'circuit']);
      if (circuit !== undefined) state.circuit = circuit;
    }
    const latency = health.latency_ewma_ms === undefined ? undefined : problems.number(health.latency_ewma_ms, [...at, 'latency_ewma_ms'], 0);
    if (latency !== undefined) state.latencyEwmaMs = latency;
    const errorRate = health.error_rate === undefined ? undefined : problems.number(health.error_rate, [...at, 'error_rate'], 0, 1);
    if (errorRate !== undefined) state.errorRate = errorRate;
    out[name] = state;
  }
  return out;
}

/** One case of a test file, ready for decide(). */
export interface TestCase {
  name: string;
  /** Where the case starts in the test file. */
  loc: SourceLocation;
  request: RequestFeatures;
  snapshot: Snapshot;
  expect: Expectation;
}

/** A valid test file with its compiled policy. */
export interface TestSuite {
  file: string;
  policyFile: string;
  compiled: CompiledPolicy;
  cases: TestCase[];
  /** YAML warnings of the test file. */
  warnings: PolicyError[];
}

export type LoadResult = { ok: true; suite: TestSuite } | { ok: false; errors: PolicyError[]; warnings: PolicyError[] };

const TEST_SUFFIX = /\.test\.ya?ml$/;

/** True for a file named like a test file (`*.test.yaml`, `*.test.yml`). */
export function isTestFile(file: string): boolean {
  return TEST_SUFFIX.test(file);
}

/** The test file beside a policy: `x.yaml` -> `x.test.yaml`; a test file names itself. */
export function testFileFor(file: string): string {
  if (isTestFile(file)) return file;
  const ext = /\.ya?ml$/.exec(file)?.[0] ?? '.yaml';
  return `${file.slice(0, file.length - (file.endsWith(ext) ? ext.length : 0))}.test${ext}`;
}

/** The policy a test file tests when it does not say: its own name without `.test`. */
export function defaultPolicyFor(testFile: string): string {
  return testFile.replace(/\.test(\.ya?ml)$/, '$1');
}

const CASE_FIELDS = ['name', 'request', 'headers', 'caller', 'snapshot', 'at', 'expect'];

/** Reads, validates and compiles one test file and its policy; every problem located. */
export function loadTestFile(file: string): LoadResult {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    return { ok: false, errors: [new PolicyError('SY_POLICY_READ', `cannot read the test file: ${reason}`, { file, line: 1, col: 1 })], warnings: [] };
  }
  const { parsed, errors, warnings } = parsePolicy(source, file);
  if (errors.length > 0) return { ok: false, errors, warnings };
  const problems = new Problems();
  const top = problems.record(parsed.data, [], 'a test file');
  if (top === undefined) return { ok: false, errors: locateProblems(parsed, problems.list), warnings };
  problems.onlyKeys(top, ['policy', 'cases'], [], 'a test file');

  const named = top.policy === undefined ? undefined : problems.string(top.policy, ['policy']);
  const policyFile = named === undefined ? defaultPolicyFor(file) : isAbsolute(named) ? named : join(dirname(file), named);
  if (problems.list.length === 0 && !existsSync(policyFile)) {
    const where = named === undefined ? { file, line: 1, col: 1 } : locate(parsed, ['policy']);
    const how = named === undefined ? `; name it with "policy:" when it is not ${basename(policyFile)}` : '';
    return { ok: false, errors: [new PolicyError('SY_POLICY_READ', `the policy ${policyFile} does not exist${how}`, where)], warnings };
  }
  if (problems.list.length > 0) return { ok: false, errors: locateProblems(parsed, problems.list), warnings };
  const built = compilePolicyFile(policyFile);
  if (!built.ok) return { ok: false, errors: built.errors, warnings };
  const names = policyNames(built.compiled.policy);

  const cases: TestCase[] = [];
  if (top.cases === undefined) problems.add([], 'SY_POLICY_MISSING_FIELD', 'a test file needs "cases:", a list of cases');
  else if (!Array.isArray(top.cases)) problems.add(['cases'], 'SY_POLICY_BAD_TYPE', 'cases must be a list');
  else if (top.cases.length === 0) problems.add(['cases'], 'SY_POLICY_EMPTY', 'cases is empty; a test file holds at least one case');
  else {
    const seen = new Map<string, number>();
    top.cases.forEach((data: unknown, i) => {
      const testCase = caseFromData(data, i, names, problems);
      if (testCase === undefined) return;
      const earlier = seen.get(testCase.name);
      if (earlier !== undefined) {
        problems.add(['cases', i, 'name'], 'SY_POLICY_BAD_VALUE', `case ${earlier + 1} already has the name "${testCase.name}"; names tell cases apart in the report`);
        return;
      }
      seen.set(testCase.name, i);
      cases.push({ ...testCase, loc: locate(parsed, ['cases', i]) });
    });
  }
  if (problems.list.length > 0) return { ok: false, errors: byPosition(locateProblems(parsed, problems.list)), warnings };
  return { ok: true, suite: { file, policyFile, compiled: built.compiled, cases, warnings } };
}

function byPosition(errors: PolicyError[]): PolicyError[] {
  return errors.sort((a, b) => a.line - b.line || a.col - b.col);
}

function caseFromData(data: unknown, i: number, names: PolicyNames, problems: Problems): Omit<TestCase, 'loc'> | undefined {
  const path: PathSegment[] = ['cases', i];
  const record = problems.record(data, path, `case ${i + 1}`);
  if (record === undefined) return undefined;
  const before = problems.list.length;
  problems.onlyKeys(record, CASE_FIELDS, path, 'a case');
  let name: string | undefined;
  if (record.name === undefined) problems.add(path, 'SY_POLICY_MISSING_FIELD', 'a case needs a "name:" to be reported by');
  else if ((name = problems.string(record.name, [...path, 'name'])) === '') problems.add([...path, 'name'], 'SY_POLICY_EMPTY', 'the name of a case is empty');
  const headers = record.headers === undefined ? {} : headersFromData(record.headers, [...path, 'headers'], problems);
  let request: RequestFeatures | undefined;
  if (record.request === undefined) problems.add(path, 'SY_POLICY_MISSING_FIELD', 'a case needs a "request:", an OpenAI chat completion body');
  else request = requestFromData(record.request, headers, [...path, 'request'], problems);
  const caller = record.caller === undefined ? undefined : callerFromData(record.caller, [...path, 'caller'], problems);
  const arrivedAt = record.at === undefined ? undefined : arrivalFromData(record.at, [...path, 'at'], problems);
  const snapshot = record.snapshot === undefined ? {} : snapshotFromData(record.snapshot, names, [...path, 'snapshot'], problems);
  const expect = record.expect === undefined ? {} : expectationFromData(record.expect, names, [...path, 'expect'], problems);
  if (problems.list.length > before || name === undefined || request === undefined) return undefined;
  return { name, request: { ...request, caller, arrivedAt }, snapshot, expect };
}
