/**
 * Tokens -> expression tree, every node with the offsets it spans. Precedence, low to high:
 * `||`, `&&`, prefix `!`, comparison (`== != < <= > >= in`, not chained), method calls.
 */
import { EXPR_MAX_INSTRUCTIONS } from './bytecode.js';
import { ExprSyntaxError, Lexer, type ExprDiagnostic, type Token } from './lex.js';

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type LiteralType = 'number' | 'string' | 'bool' | 'duration' | 'usd';

interface Span {
  /** Offset of the node's first character in the condition text. */
  start: number;
  /** Offset just past its last character. */
  end: number;
}

export interface LiteralExpr extends Span { kind: 'literal'; type: LiteralType; value: number | string | boolean }
export interface FieldSegment extends Span {
  name: string;
  /** Written in brackets and quotes: `["gpt-4.1"]`. */
  quoted: boolean;
}
export interface FieldExpr extends Span { kind: 'field'; segments: FieldSegment[] }
export interface NotExpr extends Span { kind: 'not'; operand: Expr }
export interface LogicExpr extends Span { kind: 'logic'; op: '&&' | '||'; left: Expr; right: Expr; opStart: number }
export interface CompareExpr extends Span { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; opStart: number }
export interface InExpr extends Span { kind: 'in'; left: Expr; items: LiteralExpr[]; opStart: number }
export interface CallExpr extends Span { kind: 'call'; method: string; target: Expr; arg: Expr; nameStart: number }

export type Expr = LiteralExpr | FieldExpr | NotExpr | LogicExpr | CompareExpr | InExpr | CallExpr;

export type ParseResult = { ok: true; expr: Expr } | { ok: false; error: ExprDiagnostic };

/** Deeper nesting than this is refused: it bounds the recursion, and no condition needs it. */
export const MAX_NESTING = 64;

/**
 * Every node compiles to exactly one instruction and the code ends with one more, so a tree of
 * more nodes than this breaks the cost bound; the parser stops there, which also bounds every
 * later pass over the tree.
 */
export const MAX_NODES = EXPR_MAX_INSTRUCTIONS - 1;

const COMPARE_OPS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);
const WORD_OPERATORS: Readonly<Record<string, string>> = { and: '&&', or: '||', not: '!' };

/** Parses one condition. */
export function parseExpr(text: string): ParseResult {
  try {
    return { ok: true, expr: new Parser(text).condition() };
  } catch (e) {
    if (e instanceof ExprSyntaxError) return { ok: false, error: e.diagnostic };
    throw e;
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof': return 'the end of the condition';
    case 'ident': return `"${token.name}"`;
    case 'member': return `".${token.name}"`;
    case 'string': return 'a quoted text';
    case 'number': case 'duration': case 'usd': return 'a number';
    default: return `"${token.kind}"`;
  }
}

class Parser {
  readonly #lex: Lexer;
  readonly #start: number;
  #depth = 0;
  #nodes = 0;

  constructor(text: string) {
    this.#lex = new Lexer(text);
    this.#start = text.length - text.trimStart().length;
  }

  condition(): Expr {
    if (this.#lex.peek().kind === 'eof') this.#fail('the condition is empty', 0);
    const expr = this.#or();
    const next = this.#lex.peek();
    if (next.kind !== 'eof') {
      this.#wordOperator(next);
      this.#fail(`unexpected ${describe(next)} after a complete condition; join conditions with && or ||`, next.start);
    }
    return expr;
  }

  #or(): Expr {
    let left = this.#and();
    for (let t = this.#lex.peek(); t.kind === '||'; t = this.#lex.peek()) {
      this.#lex.next();
      const right = this.#and();
      left = this.#node({ kind: 'logic', op: '||', left, right, opStart: t.start, start: left.start, end: right.end });
    }
    return left;
  }

  #and(): Expr {
    let left = this.#not();
    for (let t = this.#lex.peek(); t.kind === '&&'; t = this.#lex.peek()) {
      this.#lex.next();
      const right = this.#not();
      left = this.#node({ kind: 'logic', op: '&&', left, right, opStart: t.start, start: left.start, end: right.end });
    }
    return left;
  }

  #not(): Expr {
    const t = this.#lex.peek();
    if (t.kind !== '!') return this.#comparison();
    this.#lex.next();
    const operand = this.#nested(() => this.#not());
    return this.#node({ kind: 'not', operand, start: t.start, end: operand.end });
  }

  #comparison(): Expr {
    const left = this.#postfix();
    const t = this.#lex.peek();
    let expr: Expr;
    if (COMPARE_OPS.has(t.kind)) {
      this.#lex.next();
      const right = this.#postfix();
      expr = this.#node({ kind: 'compare', op: t.kind as '==', left, right, opStart: t.start, start: left.start, end: right.end });
    } else if (t.kind === 'ident' && t.name === 'in') {
      this.#lex.next();
      const [items, end] = this.#list();
      expr = this.#node({ kind: 'in', left, items, opStart: t.start, start: left.start, end });
    } else {
      this.#wordOperator(t);
      return left;
    }
    const after = this.#lex.peek();
    if (COMPARE_OPS.has(after.kind) || (after.kind === 'ident' && after.name === 'in')) {
      this.#fail('comparisons do not chain; join them with && or || (or use parentheses)', after.start);
    }
    return expr;
  }

  #postfix(): Expr {
    let expr = this.#primary();
    for (let t = this.#lex.peek(); t.kind === 'member'; t = this.#lex.peek()) {
      if (this.#lex.peek(1).kind !== '(') this.#fail(`".${t.name}" must be a method call here, e.g. .contains("x")`, t.start);
      this.#lex.next();
      this.#lex.next();
      const arg = this.#nested(() => this.#or());
      const close = this.#lex.next();
      if (close.kind === ',') this.#fail(`.${t.name}() takes one argument`, close.start);
      if (close.kind !== ')') this.#fail(`expected ")" to close .${t.name}(, found ${describe(close)}`, close.start);
      expr = this.#node({ kind: 'call', method: t.name, target: expr, arg, nameStart: t.start + 1, start: expr.start, end: close.end });
    }
    return expr;
  }

  #primary(): Expr {
    const t = this.#lex.next();
    switch (t.kind) {
      case 'number': case 'duration': case 'usd':
        return this.#node({ kind: 'literal', type: t.kind, value: t.value, start: t.start, end: t.end });
      case 'string':
        return this.#node({ kind: 'literal', type: 'string', value: t.value, start: t.start, end: t.end });
      case 'ident':
        if (t.name === 'true' || t.name === 'false') return this.#node({ kind: 'literal', type: 'bool', value: t.name === 'true', start: t.start, end: t.end });
        if (t.name === 'not' && this.#startsOperand(this.#lex.peek())) {
          this.#fail('"not" is not an operator; write "!"', t.start, 'SY_POLICY_EXPR_OPERATOR');
        }
        return this.#field(t);
      case '(': {
        if (this.#lex.peek().kind === ')') this.#fail('empty parentheses', t.start);
        const inner = this.#nested(() => this.#or());
        const close = this.#lex.next();
        if (close.kind !== ')') {
          this.#wordOperator(close);
          this.#fail(`expected ")" to close the "(" opened before, found ${describe(close)}`, close.start);
        }
        return inner;
      }
      case '[':
        return this.#fail('a list can only follow "in": x in [a, b]', t.start);
      case 'eof':
        return this.#fail('the condition ends where a value belongs', t.start);
      default:
        return this.#fail(`expected a value (a field, a number, a quoted text, true or false), found ${describe(t)}`, t.start);
    }
  }

  /** `request.metadata.a-b`, `snapshot.models["gpt-4.1"].circuit`: segments up to a method call. */
  #field(head: Token & { kind: 'ident' }): FieldExpr {
    const segments: FieldSegment[] = [{ name: head.name, quoted: false, start: head.start, end: head.end }];
    let end = head.end;
    for (;;) {
      const t = this.#lex.peek();
      if (t.kind === 'member' && this.#lex.peek(1).kind !== '(') {
        this.#lex.next();
        segments.push({ name: t.name, quoted: false, start: t.start + 1, end: t.end });
        end = t.end;
      } else if (t.kind === '[' && t.start === end) {
        this.#lex.next();
        const name = this.#lex.next();
        if (name.kind !== 'string') this.#fail(`expected a quoted name inside [ ], e.g. ["gpt-4o"], found ${describe(name)}`, name.start);
        const close = this.#lex.next();
        if (close.kind !== ']') this.#fail(`expected "]" after the name, found ${describe(close)}`, close.start);
        segments.push({ name: name.value, quoted: true, start: name.start, end: name.end });
        end = close.end;
      } else {
        return this.#node({ kind: 'field', segments, start: head.start, end });
      }
    }
  }

  /** `[a, b, ...]` of literals; returns the items and the offset past `]`. */
  #list(): [LiteralExpr[], number] {
    const open = this.#lex.next();
    if (open.kind !== '[') this.#fail(`"in" takes a list of values in brackets, e.g. x in ["a", "b"]; found ${describe(open)}`, open.start);
    const items: LiteralExpr[] = [];
    for (;;) {
      const t = this.#lex.next();
      if (t.kind === ']') return [items, t.end];
      let item: LiteralExpr;
      switch (t.kind) {
        case 'number': case 'duration': case 'usd':
          item = { kind: 'literal', type: t.kind, value: t.value, start: t.start, end: t.end };
          break;
        case 'string':
          item = { kind: 'literal', type: 'string', value: t.value, start: t.start, end: t.end };
          break;
        case 'ident':
          if (t.name === 'true' || t.name === 'false') {
            item = { kind: 'literal', type: 'bool', value: t.name === 'true', start: t.start, end: t.end };
            break;
          }
          return this.#fail(`list items are literals; quote text: "${t.name}"`, t.start);
        case 'eof':
          return this.#fail('the list opened with "[" is never closed with "]"', open.start);
        default:
          return this.#fail(`list items are literals (numbers, quoted texts, true or false), found ${describe(t)}`, t.start);
      }
      items.push(item);
      const sep = this.#lex.next();
      if (sep.kind === ']') return [items, sep.end];
      if (sep.kind === 'eof') this.#fail('the list opened with "[" is never closed with "]"', open.start);
      if (sep.kind !== ',') this.#fail(`expected "," or "]" in the list, found ${describe(sep)}`, sep.start);
    }
  }

  #nested<T>(parse: () => T): T {
    if (++this.#depth > MAX_NESTING) {
      this.#fail(`the condition nests deeper than ${MAX_NESTING} levels`, this.#start, 'SY_POLICY_EXPR_COST');
    }
    const result = parse();
    this.#depth--;
    return result;
  }

  #node<T extends Expr>(node: T): T {
    if (++this.#nodes > MAX_NODES) {
      this.#fail(`the condition compiles to more than ${EXPR_MAX_INSTRUCTIONS} instructions (one per value, operator and method call); simplify it`, this.#start, 'SY_POLICY_EXPR_COST');
    }
    return node;
  }

  #startsOperand(t: Token): boolean {
    return ['ident', 'number', 'duration', 'usd', 'string', '(', '!'].includes(t.kind);
  }

  /** Fails on `and`, `or`, `not` where an operator belongs. */
  #wordOperator(t: Token): void {
    if (t.kind === 'ident' && t.name in WORD_OPERATORS) {
      this.#fail(`"${t.name}" is not an operator; write "${WORD_OPERATORS[t.name]}"`, t.start, 'SY_POLICY_EXPR_OPERATOR');
    }
  }

  #fail(message: string, offset: number, code: ExprDiagnostic['code'] = 'SY_POLICY_EXPR_SYNTAX'): never {
    throw new ExprSyntaxError({ code, message, offset });
  }
}
