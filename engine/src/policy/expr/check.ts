/**
 * The type checker: expression tree -> the typed form emit.ts compiles, or every problem found.
 * Enum names become their codes here, fields their run-time sources, so the bytecode only ever
 * compares numbers with numbers and text with text.
 */
import { closestName } from '../schema.js';
import { EXPR_MAX_LIST, EXPR_MAX_STRING_BYTES } from './bytecode.js';
import { ENUM_MEMBERS, isEnum, resolveField, type DeclaredNames, type EnumName, type ExprType, type FieldSource } from './fields.js';
import type { ExprDiagnostic } from './lex.js';
import type { CompareOp, Expr, LiteralExpr } from './parse.js';

export const METHODS = ['contains', 'startsWith', 'endsWith'] as const;
export type Method = (typeof METHODS)[number];

/** The checked expression: what emit.ts turns into bytecode, one instruction per node. */
export type Ir =
  | { op: 'const'; value: number }
  | { op: 'text'; value: string }
  | { op: 'field'; source: FieldSource }
  | { op: 'compare'; cmp: CompareOp; text: boolean; left: Ir; right: Ir }
  | { op: 'call'; method: Method; target: Ir; arg: Ir }
  | { op: 'in'; left: Ir; numbers: number[] }
  | { op: 'in'; left: Ir; texts: string[] }
  | { op: 'not'; operand: Ir }
  | { op: 'and' | 'or'; left: Ir; right: Ir };

export type CheckResult = { ok: true; ir: Ir } | { ok: false; errors: ExprDiagnostic[] };

interface Typed { type: ExprType; ir: Ir }

const ORDERED: ReadonlySet<ExprType> = new Set(['number', 'duration', 'usd']);

/** How a message names a type: "is a number", "is true or false". */
function typeWords(type: ExprType): string {
  switch (type) {
    case 'number': return 'a number';
    case 'string': return 'text';
    case 'bool': return 'true or false';
    case 'duration': return 'a duration';
    case 'usd': return 'a USD amount';
    default: return `a ${type} name`;
  }
}

/** Checks one parsed condition; `text` is its source, for quoting operands in messages. */
export function checkExpr(expr: Expr, text: string, names: DeclaredNames): CheckResult {
  return new Checker(text, names).run(expr);
}

class Checker {
  readonly #text: string;
  readonly #names: DeclaredNames;
  readonly #start: number;
  readonly errors: ExprDiagnostic[] = [];

  constructor(text: string, names: DeclaredNames) {
    this.#text = text;
    this.#names = names;
    this.#start = text.length - text.trimStart().length;
  }

  run(expr: Expr): CheckResult {
    const typed = this.#check(expr);
    if (typed !== null && typed.type !== 'bool') {
      this.#error('SY_POLICY_EXPR_TYPE', `a condition must be true or false, but ${this.#quote(expr)} is ${typeWords(typed.type)}${this.#compareHint(expr, typed.type)}`, this.#start);
    }
    return typed === null || this.errors.length > 0 ? { ok: false, errors: this.errors } : { ok: true, ir: typed.ir };
  }

  #check(e: Expr): Typed | null {
    switch (e.kind) {
      case 'literal':
        return this.#literal(e);
      case 'field': {
        const resolved = resolveField(e.segments, e.start, this.#names);
        if (!resolved.ok) return this.#fail(resolved.error);
        return { type: resolved.field.type, ir: { op: 'field', source: resolved.field.source } };
      }
      case 'not': {
        const operand = this.#check(e.operand);
        if (operand === null) return null;
        if (operand.type !== 'bool') {
          return this.#error('SY_POLICY_EXPR_TYPE', `"!" negates true or false, but ${this.#quote(e.operand)} is ${typeWords(operand.type)}${this.#compareHint(e.operand, operand.type)}`, e.operand.start);
        }
        return { type: 'bool', ir: { op: 'not', operand: operand.ir } };
      }
      case 'logic': {
        const sides = [e.left, e.right].map((side) => {
          const typed = this.#check(side);
          if (typed === null || typed.type === 'bool') return typed;
          return this.#error('SY_POLICY_EXPR_TYPE', `"${e.op}" joins true or false values, but ${this.#quote(side)} is ${typeWords(typed.type)}${this.#compareHint(side, typed.type)}`, side.start);
        });
        const [left, right] = sides;
        if (!left || !right) return null;
        return { type: 'bool', ir: { op: e.op === '&&' ? 'and' : 'or', left: left.ir, right: right.ir } };
      }
      case 'compare':
        return this.#compare(e.op, e.left, e.right, e.opStart);
      case 'in':
        return this.#in(e.left, e.items);
      case 'call':
        return this.#call(e.method, e.target, e.arg, e.nameStart);
    }
  }

  #literal(e: LiteralExpr): Typed | null {
    if (typeof e.value === 'string') {
      if (!this.#textFits(e.value)) return null;
      return { type: 'string', ir: { op: 'text', value: e.value } };
    }
    return { type: e.type, ir: { op: 'const', value: typeof e.value === 'boolean' ? Number(e.value) : e.value } };
  }

  #compare(op: CompareOp, l: Expr, r: Expr, opStart: number): Typed | null {
    const left = this.#check(l);
    const right = this.#check(r);
    if (left === null || right === null) return null;
    if (isEnum(left.type) || isEnum(right.type)) return this.#compareEnum(op, [l, left], [r, right], opStart);
    if (left.type !== right.type) return this.#mismatch(op, [l, left.type], [r, right.type], opStart);
    if (!ORDERED.has(left.type) && op !== '==' && op !== '!=') {
      return this.#error('SY_POLICY_EXPR_OPERATOR', `"${op}" orders numbers, durations and USD amounts, not ${typeWords(left.type)}; use == or !=`, opStart);
    }
    return { type: 'bool', ir: { op: 'compare', cmp: op, text: left.type === 'string', left: left.ir, right: right.ir } };
  }

  /** An enum field against a quoted member name, either side. */
  #compareEnum(op: CompareOp, l: [Expr, Typed], r: [Expr, Typed], opStart: number): Typed | null {
    const [enumSide, other] = isEnum(l[1].type) ? [l, r] : [r, l];
    const en = enumSide[1].type as EnumName;
    const literal = other[0];
    if (!isEnum(other[1].type) && other[1].type !== 'string') return this.#mismatch(op, [l[0], l[1].type], [r[0], r[1].type], opStart);
    if (literal.kind !== 'literal') {
      return this.#error('SY_POLICY_EXPR_TYPE', `${this.#quote(enumSide[0])} compares only with a quoted ${en} name such as "${ENUM_MEMBERS[en][0]}", not with ${this.#quote(literal)}`, literal.start);
    }
    if (op !== '==' && op !== '!=') {
      return this.#error('SY_POLICY_EXPR_OPERATOR', `"${op}" does not apply to ${en} names; use == or !=`, opStart);
    }
    const code = this.#member(en, literal);
    if (code === null) return null;
    const codeIr: Ir = { op: 'const', value: code };
    const [left, right] = enumSide === l ? [l[1].ir, codeIr] : [codeIr, r[1].ir];
    return { type: 'bool', ir: { op: 'compare', cmp: op, text: false, left, right } };
  }

  #in(l: Expr, items: readonly LiteralExpr[]): Typed | null {
    const left = this.#check(l);
    if (items.length > EXPR_MAX_LIST) {
      return this.#error('SY_POLICY_EXPR_COST', `a list after "in" has ${items.length} items; at most ${EXPR_MAX_LIST}`, this.#start);
    }
    if (left === null) return null;
    const type = left.type;
    if (isEnum(type)) {
      const codes = items.map((item) => (item.type === 'string' ? this.#member(type, item) : this.#itemMismatch(l, type, item)));
      return codes.every((c) => c !== null) ? { type: 'bool', ir: { op: 'in', left: left.ir, numbers: codes } } : null;
    }
    let fits = true;
    for (const item of items) {
      if (item.type !== type) fits = this.#itemMismatch(l, type, item) ?? false;
      else if (typeof item.value === 'string' && !this.#textFits(item.value)) fits = false;
    }
    if (!fits) return null;
    if (type === 'string') return { type: 'bool', ir: { op: 'in', left: left.ir, texts: items.map((i) => i.value as string) } };
    return { type: 'bool', ir: { op: 'in', left: left.ir, numbers: items.map((i) => Number(i.value)) } };
  }

  #itemMismatch(l: Expr, type: ExprType, item: LiteralExpr): null {
    return this.#error('SY_POLICY_EXPR_TYPE', `${this.#quote(l)} is ${typeWords(type)}, but the list item ${this.#quote(item)} is ${typeWords(item.type)}${this.#unitHint(type, item)}`, item.start);
  }

  #call(method: string, t: Expr, a: Expr, nameStart: number): Typed | null {
    const known = (METHODS as readonly string[]).includes(method);
    if (!known) {
      const guess = closestName(method, METHODS);
      const hint = guess === undefined ? '; text has .contains(), .startsWith() and .endsWith()' : ` (did you mean .${guess}()?)`;
      this.#error('SY_POLICY_EXPR_OPERATOR', `unknown method .${method}()${hint}`, nameStart);
    }
    const target = this.#check(t);
    const arg = this.#check(a);
    if (!known || target === null || arg === null) return null;
    if (target.type !== 'string') {
      return this.#error('SY_POLICY_EXPR_OPERATOR', `.${method}() applies to text, but ${this.#quote(t)} is ${typeWords(target.type)}`, nameStart);
    }
    if (arg.type !== 'string') {
      return this.#error('SY_POLICY_EXPR_TYPE', `.${method}() takes text, but ${this.#quote(a)} is ${typeWords(arg.type)}`, a.start);
    }
    return { type: 'bool', ir: { op: 'call', method: method as Method, target: target.ir, arg: arg.ir } };
  }

  /** The code of `literal` in enum `en`, or null after reporting an undeclared name. */
  #member(en: EnumName, literal: LiteralExpr): number | null {
    const members = ENUM_MEMBERS[en];
    const code = members.indexOf(String(literal.value));
    if (code >= 0) return code;
    const guess = closestName(String(literal.value), members);
    const hint = guess === undefined ? `; ${en} names: ${members.join(', ')}` : ` (did you mean "${guess}"?)`;
    return this.#error('SY_POLICY_EXPR_UNKNOWN_NAME', `${JSON.stringify(literal.value)} is not a ${en} name${hint}`, literal.start);
  }

  #mismatch(op: CompareOp, [l, lt]: [Expr, ExprType], [r, rt]: [Expr, ExprType], opStart: number): null {
    // A literal on one side is the likelier mistake (`500` for `500ms`), so the error points there.
    const literal = l.kind === 'literal' && r.kind !== 'literal' ? l : r.kind === 'literal' && l.kind !== 'literal' ? r : undefined;
    const hint = literal === undefined ? '' : this.#unitHint(literal === l ? rt : lt, literal);
    return this.#error('SY_POLICY_EXPR_TYPE',
      `"${op}" compares ${this.#quote(l)}, ${typeWords(lt)}, with ${this.#quote(r)}, ${typeWords(rt)}; both sides need the same type${hint}`,
      literal?.start ?? opStart);
  }

  /** `(write 500ms)` when a plain number stands where a duration or USD amount belongs. */
  #unitHint(wanted: ExprType, literal: LiteralExpr): string {
    if (literal.type !== 'number') return '';
    if (wanted === 'duration') return ` (write ${literal.value}ms or ${literal.value}s)`;
    if (wanted === 'usd') return ` (write $${literal.value})`;
    return '';
  }

  /** ` (compare it, e.g. x > 0)` for a non-bool field used as a condition. */
  #compareHint(e: Expr, type: ExprType): string {
    if (e.kind !== 'field') return '';
    const name = this.#quote(e);
    if (type === 'string') return `; compare it, e.g. ${name} == "..."`;
    if (ORDERED.has(type)) return `; compare it, e.g. ${name} > 0`;
    if (isEnum(type)) return `; compare it, e.g. ${name} == "${ENUM_MEMBERS[type][0]}"`;
    return '';
  }

  #textFits(value: string): boolean {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes <= EXPR_MAX_STRING_BYTES) return true;
    this.#error('SY_POLICY_EXPR_COST', `a quoted text in the condition is ${bytes} bytes long; at most ${EXPR_MAX_STRING_BYTES}`, this.#start);
    return false;
  }

  /** The operand as written, shortened. */
  #quote(e: Expr): string {
    const source = this.#text.slice(e.start, e.end).replace(/\s+/g, ' ');
    return source.length > 40 ? `${source.slice(0, 37)}...` : source;
  }

  #fail(error: ExprDiagnostic): null {
    this.errors.push(error);
    return null;
  }

  #error(code: ExprDiagnostic['code'], message: string, offset: number): null {
    return this.#fail({ code, message, offset });
  }
}
