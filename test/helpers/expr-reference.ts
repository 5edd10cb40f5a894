/**
 * A plain evaluator of condition trees, written from the language's definition (spec and the
 * step rules in engine/assembly/expr.ts) rather than from the compiler: it reads fields straight
 * from the request, snapshot and features, compares enum names as names, and counts steps the
 * documented way. The property test holds the compiled bytecode to it.
 */
import type { RequestFeatures, Snapshot } from '../../engine/src/decide.js';
import type { ComplexityFeatures } from '../../engine/src/features.js';
import type { Expr, FieldSegment } from '../../engine/src/policy/expr/parse.js';

export interface ReferenceEnv {
  request: RequestFeatures;
  snapshot?: Snapshot;
  features: ComplexityFeatures;
}

type Value = number | string | boolean;

const STEP_LIMIT = 4096;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const utf8 = new TextEncoder();

/** The condition's value, or 'step_limit' when the run takes more than 4096 steps. */
export function referenceEval(expr: Expr, env: ReferenceEnv): boolean | 'step_limit' {
  const run = { steps: 1 }; // the final RET
  const value = evaluate(expr, env, run);
  return run.steps > STEP_LIMIT ? 'step_limit' : value === true;
}

interface Run { steps: number }

const scanSteps = (bytes: number): number => Math.ceil(bytes / 16);

function evaluate(e: Expr, env: ReferenceEnv, run: Run): Value {
  run.steps++; // every node is one instruction
  switch (e.kind) {
    case 'literal': return e.value;
    case 'field': return fieldValue(e.segments, env);
    case 'not': return !evaluate(e.operand, env, run);
    case 'logic': {
      const left = evaluate(e.left, env, run);
      if (e.op === '&&' ? !left : left) return left;
      return evaluate(e.right, env, run);
    }
    case 'compare': {
      const l = evaluate(e.left, env, run);
      const r = evaluate(e.right, env, run);
      if (typeof l === 'string' && typeof r === 'string' && !isEnumField(e.left) && !isEnumField(e.right)) {
        const [a, b] = [utf8.encode(l), utf8.encode(r)];
        if (a.length === b.length) run.steps += scanSteps(a.length);
      }
      switch (e.op) {
        case '==': return l === r;
        case '!=': return l !== r;
        case '<': return l < r;
        case '<=': return l <= r;
        case '>': return l > r;
        case '>=': return l >= r;
      }
      break;
    }
    case 'in': {
      const v = evaluate(e.left, env, run);
      if (typeof v === 'string' && !isEnumField(e.left)) {
        const len = utf8.encode(v).length;
        for (const item of e.items) {
          if (utf8.encode(String(item.value)).length !== len) continue;
          run.steps += scanSteps(len);
          if (item.value === v) return true;
        }
        return false;
      }
      return e.items.some((item) => item.value === v);
    }
    case 'call': {
      const h = utf8.encode(String(evaluate(e.target, env, run)));
      const n = utf8.encode(String(evaluate(e.arg, env, run)));
      if (n.length > h.length) return false;
      if (e.method === 'contains') return naiveContains(h, n, run);
      if (n.length === 0) return true;
      run.steps += scanSteps(n.length);
      const at = e.method === 'startsWith' ? 0 : h.length - n.length;
      return n.every((byte, i) => h[at + i] === byte);
    }
  }
  throw new Error(`unknown node ${JSON.stringify(e)}`);
}

/** Tries every start position, comparing until the first mismatch; charges every byte compared. */
function naiveContains(h: Uint8Array, n: Uint8Array, run: Run): boolean {
  if (n.length === 0) return true;
  let compared = 0;
  for (let i = 0; i + n.length <= h.length; i++) {
    let j = 0;
    while (j < n.length) {
      compared++;
      if (h[i + j] !== n[j]) break;
      j++;
    }
    if (j === n.length) {
      run.steps += scanSteps(compared);
      return true;
    }
  }
  run.steps += scanSteps(compared);
  return false;
}

function isEnumField(e: Expr): boolean {
  if (e.kind !== 'field') return false;
  const names = e.segments.map((s) => s.name);
  const last = names[names.length - 1];
  return names.join('.') === 'request.features.script' || names.join('.') === 'time.weekday'
    || (names[0] === 'snapshot' && (names[1] === 'models' || names[1] === 'providers') && last === 'circuit');
}

function fieldValue(segments: readonly FieldSegment[], env: ReferenceEnv): Value {
  const { request, snapshot, features } = env;
  const names = segments.map((s) => s.name);
  if (names[0] === 'caller' && names[1] === 'metadata') {
    const key = names.slice(2).join('.');
    const metadata = request.caller?.metadata;
    return metadata && Object.hasOwn(metadata, key) ? metadata[key]! : '';
  }
  if (names[0] === 'request' && names[1] === 'metadata') {
    const key = names.slice(2).join('.');
    const value: unknown = request.metadata && Object.hasOwn(request.metadata, key) ? request.metadata[key] : undefined;
    return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  }
  if (names[0] === 'snapshot' && (names[1] === 'models' || names[1] === 'providers')) {
    const states = names[1] === 'models' ? snapshot?.models : snapshot?.providers;
    const state = states && Object.hasOwn(states, names[2]!) ? states[names[2]!] : undefined;
    if (names[3] === 'circuit') return state?.circuit ?? 'closed';
    if (names[3] === 'latency_ewma') return state?.latencyEwmaMs ?? 0;
    return state?.errorRate ?? 0;
  }
  if (names[0] === 'snapshot' && names[1] === 'budget') {
    const budget = snapshot?.budgets?.[names[2] as 'global'];
    return (names[3] === 'remaining_usd' ? budget?.remainingUsd : budget?.remainingTokens) ?? Infinity;
  }
  if (names[0] === 'request' && names[1] === 'features') return features[names[2] as keyof ComplexityFeatures];
  const arrived = new Date(request.arrivedAt ?? 0);
  switch (names.join('.')) {
    case 'request.model': return request.model;
    case 'request.messages': return request.messages.length;
    case 'request.tokens.prompt': return features.tokens;
    case 'request.tokens.max_output': return request.maxTokens ?? 0;
    case 'request.complexity': return features.complexity;
    case 'request.stream': return request.stream;
    case 'request.tools': return (request.tools ?? []).length > 0;
    case 'request.json_mode': return request.jsonMode ?? false;
    case 'request.images': return request.images?.count ?? 0;
    case 'request.priority': return request.priority ?? (request.metadata?.['priority'] ?? 'normal');
    case 'request.user': return request.user ?? '';
    case 'request.session': return request.session ?? (request.metadata?.['session_id'] ?? '');
    case 'caller.key': return request.caller?.key ?? '';
    case 'caller.team': return request.caller?.team ?? '';
    case 'caller.user': return request.caller?.user ?? '';
    case 'time.hour': return arrived.getUTCHours();
    case 'time.weekday': return WEEKDAYS[arrived.getUTCDay()]!;
  }
  throw new Error(`the reference does not know ${names.join('.')}`);
}
