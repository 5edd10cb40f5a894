import { describe, expect, it } from 'vitest';
import { ExprSyntaxError, Lexer, type Token } from '../../../../../../engine/src/policy/expr/lex.js';

function tokens(text: string): Token[] {
  const lexer = new Lexer(text);
  const out: Token[] = [];
  for (let t = lexer.next(); ; t = lexer.next()) {
    out.push(t);
    if (t.kind === 'eof') return out;
  }
}

/** The diagnostic of the first lexical error in `text`. */
function failure(text: string): { code: string; message: string; offset: number } {
  try {
    tokens(text);
  } catch (e) {
    if (e instanceof ExprSyntaxError) return e.diagnostic;
    throw e;
  }
  throw new Error(`${text} lexed without error`);
}

describe('Lexer', () => {
  it('reads fields as a head identifier and .member tokens, with offsets', () => {
    expect(tokens('request.metadata.x-y.2nd')).toEqual([
      { kind: 'ident', name: 'request', start: 0, end: 7 },
      { kind: 'member', name: 'metadata', start: 7, end: 16 },
      { kind: 'member', name: 'x-y', start: 16, end: 20 },
      { kind: 'member', name: '2nd', start: 20, end: 24 },
      { kind: 'eof', start: 24, end: 24 },
    ]);
  });

  it('reads every operator and punctuation mark', () => {
    const kinds = tokens('&& || ! == != < <= > >= ( ) [ ] ,').map((t) => t.kind);
    expect(kinds).toEqual(['&&', '||', '!', '==', '!=', '<', '<=', '>', '>=', '(', ')', '[', ']', ',', 'eof']);
    expect(tokens('a<=b').map((t) => t.kind)).toEqual(['ident', '<=', 'ident', 'eof']);
  });

  it('reads numbers, durations in milliseconds and USD amounts', () => {
    const values = tokens('12 0.5 250ms 2s 1.5m 1h $0.05 $3').map((t) => ('value' in t ? [t.kind, t.value] : [t.kind]));
    expect(values).toEqual([
      ['number', 12], ['number', 0.5], ['duration', 250], ['duration', 2000], ['duration', 90_000], ['duration', 3_600_000],
      ['usd', 0.05], ['usd', 3], ['eof'],
    ]);
  });

  it('decodes string escapes in both quote styles', () => {
    const [double] = tokens(String.raw`"a\"b\'c\\d\ne\tf\u00e9"`);
    expect(double).toEqual({ kind: 'string', value: 'a"b\'c\\d\ne\tfé', start: 0, end: 24 });
    const [single] = tokens(String.raw`'it\'s "x"'`);
    expect(single).toMatchObject({ kind: 'string', value: 'it\'s "x"' });
  });

  it('skips white space of every kind a YAML block leaves, and puts eof after the last token', () => {
    expect(tokens('\n  a\r\n\t&&  b  \n')).toEqual([
      { kind: 'ident', name: 'a', start: 3, end: 4 },
      { kind: '&&', start: 7, end: 9 },
      { kind: 'ident', name: 'b', start: 11, end: 12 },
      { kind: 'eof', start: 12, end: 12 },
    ]);
  });

  it('lexes lazily: a bad character after the tokens asked for is not an error yet', () => {
    const lexer = new Lexer('a # b');
    expect(lexer.peek()).toMatchObject({ kind: 'ident', name: 'a' });
    expect(() => lexer.peek(1)).toThrow(ExprSyntaxError);
  });

  it('refuses malformed literals with SY_POLICY_EXPR_SYNTAX at the fault', () => {
    expect(failure('x == "abc')).toMatchObject({ code: 'SY_POLICY_EXPR_SYNTAX', offset: 5, message: 'text opened with " is never closed' });
    expect(failure("x == 'a\nb'")).toMatchObject({ code: 'SY_POLICY_EXPR_SYNTAX', offset: 5 });
    expect(failure('x == "a\\qb"')).toMatchObject({ code: 'SY_POLICY_EXPR_SYNTAX', offset: 7 });
    expect(failure('x == "a\\qb"').message).toContain('unknown escape "\\q"');
    expect(failure('x == "\\u12g4"')).toMatchObject({ code: 'SY_POLICY_EXPR_SYNTAX', offset: 6 });
    expect(failure('x > 5kb')).toMatchObject({ code: 'SY_POLICY_EXPR_SYNTAX', offset: 5, message: 'unknown unit "kb"; durations take ms, s, m or h (e.g. 250ms, 2s)' });
    expect(failure('x > $5ms')).toMatchObject({ code: 'SY_POLICY_EXPR_SYNTAX', offset: 6 });
    expect(failure('x > $')).toMatchObject({ code: 'SY_POLICY_EXPR_SYNTAX', offset: 4 });
    expect(failure('x. y')).toMatchObject({ code: 'SY_POLICY_EXPR_SYNTAX', offset: 1 });
    expect(failure('x # comment')).toMatchObject({ code: 'SY_POLICY_EXPR_SYNTAX', offset: 2, message: 'unexpected character "#"' });
    expect(failure('x \u00a0')).toMatchObject({ message: 'unexpected character U+00A0' });
  });

  it('refuses operators from other languages with SY_POLICY_EXPR_OPERATOR and the fix', () => {
    expect(failure('a = 1')).toEqual({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 2, message: '"=" is not an operator; to compare, write "=="' });
    expect(failure('a === 1')).toMatchObject({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 2, message: '"===" is not an operator; write "=="' });
    expect(failure('a !== 1')).toMatchObject({ code: 'SY_POLICY_EXPR_OPERATOR', message: '"!==" is not an operator; write "!="' });
    expect(failure('a =< 1')).toEqual({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 2, message: '"=<" is not an operator; write "<="' });
    expect(failure('a => 1')).toEqual({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 2, message: '"=>" is not an operator; write ">="' });
    expect(failure('a & b')).toMatchObject({ code: 'SY_POLICY_EXPR_OPERATOR', message: '"&" is not an operator; for "and", write "&&"' });
    expect(failure('a | b')).toMatchObject({ code: 'SY_POLICY_EXPR_OPERATOR', message: '"|" is not an operator; for "or", write "||"' });
    for (const op of ['+', '-', '*', '/', '%']) {
      expect(failure(`a ${op} 1`)).toMatchObject({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 2, message: expect.stringContaining('no arithmetic') });
    }
  });
});
