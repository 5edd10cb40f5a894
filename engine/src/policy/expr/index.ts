/**
 * The condition language of route `when:` clauses: compile conditions into one bytecode section
 * with a shared slot table, fill the slots for a request, and locate errors inside the YAML.
 * Pipeline per condition: lex -> parse (tree with offsets) -> check (types, fields, names) ->
 * emit (instructions) -> encode (literals and slots interned).
 */
import { PolicyError } from '../../errors.js';
import type { SourceLocation } from '../types.js';
import { EXPR_MAX_INSTRUCTIONS } from './bytecode.js';
import { checkExpr } from './check.js';
import { buildSection, emitInstructions, encodeInstructions, LiteralPool } from './emit.js';
import { SlotTable } from './fields.js';
import { parseExpr } from './parse.js';
import type { EnvLayout } from './env.js';
import type { ExprDiagnostic } from './lex.js';

export { envValues, type EnvLayout } from './env.js';
export { exprLocator } from './locate.js';
export { FEATURE_FIELDS, FIELD_NAMES, ENUM_MEMBERS, type SlotSource, type ExprType, type FieldDoc } from './fields.js';

/** The names conditions may refer to: the policy's models and providers. */
export interface ExprContext {
  models: readonly string[];
  providers: readonly string[];
}

export type CompileExprResult = { ok: true; index: number; cost: number } | { ok: false; errors: PolicyError[] };

/** Compiles a policy's conditions into one section; they share the literal pool and slot table. */
export class ExprCompiler {
  readonly #ctx: ExprContext;
  readonly #codes: Uint32Array[] = [];
  readonly #pool = new LiteralPool();
  readonly #slots = new SlotTable();

  constructor(ctx: ExprContext) {
    this.#ctx = ctx;
  }

  /**
   * Compiles one condition; `at` maps an offset in `text` to its file position. `cost` is the
   * number of instructions (at most EXPR_MAX_INSTRUCTIONS).
   */
  compile(text: string, at: (offset: number) => SourceLocation): CompileExprResult {
    const fail = (diagnostics: readonly ExprDiagnostic[]): CompileExprResult => ({
      ok: false,
      errors: diagnostics.map((d) => new PolicyError(d.code, d.message, at(d.offset))),
    });
    const parsed = parseExpr(text);
    if (!parsed.ok) return fail([parsed.error]);
    const checked = checkExpr(parsed.expr, text, this.#ctx);
    if (!checked.ok) return fail(checked.errors);
    const instrs = emitInstructions(checked.ir);
    // The parser refuses trees past the bound, so this holds; encoded words rely on it.
    if (instrs.length > EXPR_MAX_INSTRUCTIONS) throw new Error(`condition compiled to ${instrs.length} instructions`);
    const words = encodeInstructions(instrs, this.#pool, this.#slots);
    if (words === null) {
      const start = text.length - text.trimStart().length;
      return fail([{ code: 'SY_POLICY_EXPR_COST', message: 'the policy\'s conditions use more than 65535 distinct literals or fields together', offset: start }]);
    }
    this.#codes.push(words);
    return { ok: true, index: this.#codes.length - 1, cost: instrs.length };
  }

  /** Program section (bytecode of every compiled expression + literal pool) and slot table. */
  finish(): { section: Uint8Array; layout: EnvLayout } {
    return {
      section: buildSection(this.#codes, this.#pool, this.#slots),
      layout: { numSlots: [...this.#slots.numSlots], strSlots: [...this.#slots.strSlots] },
    };
  }
}
