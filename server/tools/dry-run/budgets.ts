/**
 * `--budget team:research=100usd/month`: a budget a dry-run adds to the policy's own, written on
 * the command line. Windows are UTC calendar hours, days and months; dry-run.ts simulates it with
 * the gateway's own budget store.
 */
import type { BudgetScope } from '../../../engine/src/decide.js';
import type { PolicyBudget } from '../../../engine/src/policy/types.js';
import type { TrafficRecord } from '../../recording/types.js';

export type BudgetWindow = 'hour' | 'day' | 'month';

export interface BudgetSpec {
  /** As written, for reports. */
  name: string;
  scope: BudgetScope;
  /** Only this scope value (e.g. team `research`); null = every value separately. */
  value: string | null;
  limit: number;
  unit: 'usd' | 'tokens';
  window: BudgetWindow;
  action: 'reject' | 'alert';
}

const SCOPES: readonly BudgetScope[] = ['key', 'user', 'team', 'session', 'global'];
const SPEC = /^(key|user|team|session|global)(?::([^=]+))?=(\d+(?:\.\d+)?)(usd|tokens)\/(hour|day|month)(?::(reject|alert))?$/;

/** Parses one `--budget` value, or returns why it cannot. */
export function parseBudget(text: string): BudgetSpec | string {
  const m = SPEC.exec(text.trim());
  if (!m) return `--budget ${JSON.stringify(text)}: expected SCOPE[:VALUE]=AMOUNT(usd|tokens)/(hour|day|month)[:reject|alert], e.g. team:research=100usd/month (scopes: ${SCOPES.join(', ')})`;
  return {
    name: text.trim(),
    scope: m[1] as BudgetScope,
    value: m[2] ?? null,
    limit: Number(m[3]),
    unit: m[4] as 'usd' | 'tokens',
    window: m[5] as BudgetWindow,
    action: (m[6] ?? 'reject') as 'reject' | 'alert',
  };
}

/** The value a record has for a scope: the caller's, else what the request says of itself. */
export function scopeValue(record: TrafficRecord, scope: BudgetScope): string {
  const r = record.request;
  switch (scope) {
    case 'key': return r.caller.key;
    case 'user': return r.caller.user || (r.user ?? '');
    case 'team': return r.caller.team || (r.metadata?.team ?? '');
    case 'session': return r.session ?? '';
    case 'global': return '';
  }
}

/** The budget as a policy would write it (`:alert` alerts when spending passes the limit). */
export function policyBudgetOf(spec: BudgetSpec): PolicyBudget {
  return {
    name: spec.name, scope: spec.scope, match: spec.value, unit: spec.unit, limit: spec.limit,
    window: { kind: 'calendar', unit: spec.window }, onExceed: spec.action, downgradeTo: null,
    alertAt: [],
    loc: { file: '--budget', line: 1, col: 1 },
  };
}
