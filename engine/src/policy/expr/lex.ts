/**
 * Condition text -> tokens, on demand, each with its offset in the text. Offsets are UTF-16
 * code units, as the YAML parser's are, so exprLocator can map them into the file.
 */
import type { PolicyErrorCode } from '../../errors.js';

/** A problem in one condition, at an offset of its text; index.ts turns it into a PolicyError. */
export interface ExprDiagnostic {
  code: PolicyErrorCode;
  message: string;
  offset: number;
}

/** Thrown by the lexer and parser; one condition reports its first syntax problem only. */
export class ExprSyntaxError extends Error {
  constructor(readonly diagnostic: ExprDiagnostic) {
    super(diagnostic.message);
  }
}

export type Operator = '&&' | '||' | '!' | '==' | '!=' | '<' | '<=' | '>' | '>=';
export type Punctuation = '(' | ')' | '[' | ']' | ',';

export type Token =
  | { kind: 'ident'; name: string; start: number; end: number }
  /** `.name` right after a field or call; name is [A-Za-z0-9_-]+. */
  | { kind: 'member'; name: string; start: number; end: number }
  | { kind: 'number' | 'duration' | 'usd'; value: number; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: Operator | Punctuation; start: number; end: number }
  /** start: the end of the last token, where whatever is missing belongs. */
  | { kind: 'eof'; start: number; end: number };

const DURATION_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const OPERATORS: readonly Operator[] = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!'];
const PUNCTUATION = '()[],';
const ARITHMETIC = '+-*/%^';

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdentStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isIdentPart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
const isMemberPart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_-]/.test(c);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function syntax(message: string, offset: number, code: PolicyErrorCode = 'SY_POLICY_EXPR_SYNTAX'): never {
  throw new ExprSyntaxError({ code, message, offset });
}

/** Reads tokens as the parser asks for them, with lookahead. */
export class Lexer {
  readonly #text: string;
  #pos = 0;
  #lastEnd = 0;
  readonly #ahead: Token[] = [];

  constructor(text: string) {
    this.#text = text;
  }

  /** The token `k` ahead of the next one (0 = the next), without consuming it. */
  peek(k = 0): Token {
    while (this.#ahead.length <= k) this.#ahead.push(this.#scan());
    return this.#ahead[k]!;
  }

  next(): Token {
    const token = this.peek();
    this.#ahead.shift();
    return token;
  }

  #scan(): Token {
    const text = this.#text;
    while (isSpace(text[this.#pos])) this.#pos++;
    const start = this.#pos;
    const c = text[start];
    if (c === undefined) return { kind: 'eof', start: this.#lastEnd, end: this.#lastEnd };
    const token = this.#scanAt(start, c);
    this.#pos = token.end;
    this.#lastEnd = token.end;
    return token;
  }

  #scanAt(start: number, c: string): Token {
    const text = this.#text;
    if (isDigit(c)) return this.#number(start, start, 'number');
    if (c === '$') {
      if (!isDigit(text[start + 1])) syntax('"$" starts a USD amount and needs digits after it, e.g. $0.05', start);
      return this.#number(start, start + 1, 'usd');
    }
    if (c === '"' || c === "'") return this.#string(start, c);
    if (isIdentStart(c)) {
      let end = start + 1;
      while (isIdentPart(text[end])) end++;
      return { kind: 'ident', name: text.slice(start, end), start, end };
    }
    if (c === '.') {
      let end = start + 1;
      while (isMemberPart(text[end])) end++;
      if (end === start + 1) syntax('expected a field or method name after "."', start);
      return { kind: 'member', name: text.slice(start + 1, end), start, end };
    }
    if (PUNCTUATION.includes(c)) return { kind: c as Punctuation, start, end: start + 1 };
    if (text.startsWith('===', start) || text.startsWith('!==', start)) {
      const op = text.slice(start, start + 3);
      syntax(`"${op}" is not an operator; write "${op.slice(0, 2)}"`, start, 'SY_POLICY_EXPR_OPERATOR');
    }
    for (const op of OPERATORS) {
      if (text.startsWith(op, start)) return { kind: op, start, end: start + op.length };
    }
    // `=<` and `=>` are "<=" and ">=" written backwards; saying "==" there would mislead.
    if (text.startsWith('=<', start) || text.startsWith('=>', start)) {
      syntax(`"=${text[start + 1]}" is not an operator; write "${text[start + 1]}="`, start, 'SY_POLICY_EXPR_OPERATOR');
    }
    if (c === '=') syntax('"=" is not an operator; to compare, write "=="', start, 'SY_POLICY_EXPR_OPERATOR');
    if (c === '&') syntax('"&" is not an operator; for "and", write "&&"', start, 'SY_POLICY_EXPR_OPERATOR');
    if (c === '|') syntax('"|" is not an operator; for "or", write "||"', start, 'SY_POLICY_EXPR_OPERATOR');
    if (ARITHMETIC.includes(c)) syntax(`"${c}" is not an operator: conditions compare values and have no arithmetic`, start, 'SY_POLICY_EXPR_OPERATOR');
    const shown = /[\x21-\x7e]/.test(c) ? `"${c}"` : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return syntax(`unexpected character ${shown}`, start);
  }

  /** A number from `digits` on, then for a plain number an optional duration unit. */
  #number(start: number, digits: number, kind: 'number' | 'usd'): Token {
    const text = this.#text;
    let end = digits;
    while (isDigit(text[end])) end++;
    if (text[end] === '.' && isDigit(text[end + 1])) {
      end++;
      while (isDigit(text[end])) end++;
    }
    const value = Number(text.slice(digits, end));
    if (!isIdentStart(text[end])) return { kind, value, start, end };
    let unitEnd = end;
    while (isIdentPart(text[unitEnd])) unitEnd++;
    const unit = text.slice(end, unitEnd);
    if (kind === 'usd') syntax(`a USD amount takes no unit, but "${unit}" follows it`, end);
    const scale = DURATION_MS[unit];
    if (scale === undefined) syntax(`unknown unit "${unit}"; durations take ms, s, m or h (e.g. 250ms, 2s)`, end);
    return { kind: 'duration', value: value * scale, start, end: unitEnd };
  }

  #string(start: number, quote: string): Token {
    const text = this.#text;
    let value = '';
    let i = start + 1;
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n' || c === '\r') syntax(`text opened with ${quote} is never closed`, start);
      if (c === quote) return { kind: 'string', value, start, end: i + 1 };
      if (c !== '\\') {
        value += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      switch (e) {
        case '"': case "'": case '\\': value += e; i += 2; break;
        case 'n': value += '\n'; i += 2; break;
        case 't': value += '\t'; i += 2; break;
        case 'u': {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) syntax('"\\u" takes exactly four hex digits, e.g. \\u00e9', i);
          value += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          break;
        }
        default:
          syntax(`unknown escape "\\${e ?? ''}"; text knows \\" \\' \\\\ \\n \\t and \\u followed by 4 hex digits`, i);
      }
    }
  }
}
