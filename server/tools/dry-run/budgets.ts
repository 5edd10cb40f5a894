/**
 * Budgets simulated in time order over recorded traffic: `--budget team:research=100usd/month`.
 * Each request sees what is left of every budget it falls under (as `snapshot.budget.*`, so
 * conditions that downgrade on a low budget act as they would have), and a request that finds a
 * budget spent is rejected (or only counted, with `:alert`). Windows are UTC calendar hours,
 * days and months.
 */
import type { BudgetScope, BudgetState, Snapshot } from '../../../engine/src/decide.js';
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

function windowStart(t: number, window: BudgetWindow): number {
  const d = new Date(t);
  if (window === 'hour') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours());
  if (window === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** One request's view of the budgets: what is left, and which are spent. */
export interface BudgetView {
  snapshot: Snapshot['budgets'];
  /** Budgets this request finds spent, by action. */
  exceeded: BudgetSpec[];
  /** The counters to charge when the request is served. */
  charge(usd: number, tokens: number): void;
}

export class BudgetSimulator {
  readonly specs: readonly BudgetSpec[];
  readonly #spent = new Map<string, { window: number; usd: number; tokens: number }>();
  /** USD charged under each budget over the whole replay, by budget name. */
  readonly spentUsd = new Map<string, number>();

  constructor(specs: readonly BudgetSpec[]) {
    this.specs = specs;
  }

  /** The budgets `record` falls under at its arrival time. */
  view(record: TrafficRecord): BudgetView {
    const budgets: Partial<Record<BudgetScope, BudgetState>> = {};
    const exceeded: BudgetSpec[] = [];
    const counters: Array<{ name: string; counter: { usd: number; tokens: number } }> = [];
    for (const spec of this.specs) {
      const value = scopeValue(record, spec.scope);
      if (spec.value !== null && spec.value !== value) continue;
      const key = `${spec.name}\u0000${value}`;
      const window = windowStart(record.at, spec.window);
      let counter = this.#spent.get(key);
      if (!counter || counter.window !== window) {
        counter = { window, usd: 0, tokens: 0 };
        this.#spent.set(key, counter);
      }
      counters.push({ name: spec.name, counter });
      const left = spec.limit - (spec.unit === 'usd' ? counter.usd : counter.tokens);
      const state = budgets[spec.scope] ?? {};
      // Several budgets on one scope: the tightest is what is left.
      if (spec.unit === 'usd') state.remainingUsd = Math.min(state.remainingUsd ?? Infinity, Math.max(0, left));
      else state.remainingTokens = Math.min(state.remainingTokens ?? Infinity, Math.max(0, left));
      budgets[spec.scope] = state;
      if (left <= 0) exceeded.push(spec);
    }
    return {
      snapshot: budgets,
      exceeded,
      charge: (usd, tokens) => {
        for (const { name, counter } of counters) {
          counter.usd += usd;
          counter.tokens += tokens;
          this.spentUsd.set(name, (this.spentUsd.get(name) ?? 0) + usd);
        }
      },
    };
  }
}
