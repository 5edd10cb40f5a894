/**
 * Compiles every route's `when` condition with one ExprCompiler, so the conditions share one
 * slot table and one literal pool. Errors point inside the condition's YAML scalar.
 */
import { ExprCompiler, exprLocator } from './expr/index.js';
import type { PolicyError } from '../errors.js';
import type { ParsedPolicy } from './parse.js';
import type { RawPolicy } from './schema.js';
import type { CompiledConditions } from './types.js';

export interface ConditionsResult {
  errors: PolicyError[];
  /** Per route, the index of its condition, or null when it has none. */
  indexes: Array<number | null>;
  compiled: CompiledConditions;
}

/** Compiles the conditions of a schema-valid policy. */
export function compileConditions(raw: RawPolicy, parsed: ParsedPolicy): ConditionsResult {
  const compiler = new ExprCompiler({ models: Object.keys(raw.models), providers: Object.keys(raw.providers) });
  const errors: PolicyError[] = [];
  const indexes = raw.routes.map((route, i): number | null => {
    if (route.when === undefined) return null;
    const result = compiler.compile(route.when, exprLocator(parsed, ['routes', i, 'when']));
    if (result.ok) return result.index;
    errors.push(...result.errors);
    return null;
  });
  return { errors, indexes, compiled: compiler.finish() };
}
