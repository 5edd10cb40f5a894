import { describe, expect, it } from 'vitest';
import { MAX_NESTING, MAX_NODES, parseExpr, type Expr } from '../../../../../../engine/src/policy/expr/parse.js';

function tree(text: string): Expr {
  const result = parseExpr(text);
  if (!result.ok) throw new Error(`${text}: ${result.error.message}`);
  return result.expr;
}

/** The tree as compact text: fields dotted, operators prefix. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'literal': return JSON.stringify(e.value);
    case 'field': return e.segments.map((s) => (s.quoted ? `[${s.name}]` : s.name)).join('.');
    case 'not': return `(! ${shape(e.operand)})`;
    case 'logic': case 'compare': return `(${e.op} ${shape(e.left)} ${shape(e.right)})`;
    case 'in': return `(in ${shape(e.left)} ${e.items.map(shape).join(' ')})`;
    case 'call': return `(.${e.method} ${shape(e.target)} ${shape(e.arg)})`;
  }
}

function failure(text: string): { code: string; message: string; offset: number } {
  const result = parseExpr(text);
  if (result.ok) throw new Error(`${text} parsed`);
  return result.error;
}

describe('parseExpr', () => {
  it('binds || loosest, then &&, then !, then comparisons, then method calls', () => {
    expect(shape(tree('a || b && c'))).toBe('(|| a (&& b c))');
    expect(shape(tree('a && b || c && d'))).toBe('(|| (&& a b) (&& c d))');
    expect(shape(tree('!a == b'))).toBe('(! (== a b))');
    expect(shape(tree('!a && b'))).toBe('(&& (! a) b)');
    expect(shape(tree('!!a'))).toBe('(! (! a))');
    expect(shape(tree('x.contains("a") == true'))).toBe('(== (.contains x "a") true)');
    expect(shape(tree('(a || b) && c'))).toBe('(&& (|| a b) c)');
    expect(shape(tree('a && b && c'))).toBe('(&& (&& a b) c)');
  });

  it('parses every comparison and `in` with a list of literals', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=']) expect(shape(tree(`x ${op} 1`))).toBe(`(${op} x 1)`);
    expect(shape(tree('x in [1, 2.5, 3s, $1, "a", \'b\', true, false,]'))).toBe('(in x 1 2.5 3000 1 "a" "b" true false)');
    expect(shape(tree('x in []'))).toBe('(in x )');
    expect(tree('x in [1s]')).toMatchObject({ items: [{ type: 'duration', value: 1000 }] });
    expect(tree('x < $0.5')).toMatchObject({ right: { kind: 'literal', type: 'usd', value: 0.5 } });
  });

  it('reads field paths: dotted metadata keys, bracketed names, up to a method call', () => {
    expect(tree('request.metadata.a.b-c.d_1')).toMatchObject({
      kind: 'field',
      segments: [{ name: 'request' }, { name: 'metadata' }, { name: 'a' }, { name: 'b-c' }, { name: 'd_1' }],
    });
    expect(shape(tree('request.metadata.team.name.startsWith("a")'))).toBe('(.startsWith request.metadata.team.name "a")');
    expect(tree('snapshot.models["gpt-4.1"].circuit')).toEqual({
      kind: 'field', start: 0, end: 34,
      segments: [
        { name: 'snapshot', quoted: false, start: 0, end: 8 },
        { name: 'models', quoted: false, start: 9, end: 15 },
        { name: 'gpt-4.1', quoted: true, start: 16, end: 25 },
        { name: 'circuit', quoted: false, start: 27, end: 34 },
      ],
    });
    expect(shape(tree('(request.model).endsWith(caller.team)'))).toBe('(.endsWith request.model caller.team)');
    // Without a call after it, `.contains` is one more segment; the checker reports the field.
    expect(shape(tree('a.b.contains'))).toBe('a.b.contains');
    expect(shape(tree('a.contains("x").contains("y") == false'))).toBe('(== (.contains (.contains a "x") "y") false)');
  });

  it('records the offsets errors point at', () => {
    expect(tree('a  ==  b')).toMatchObject({ kind: 'compare', opStart: 3, start: 0, end: 8 });
    expect(tree('x.contains("a")')).toMatchObject({ kind: 'call', nameStart: 2, start: 0, end: 15 });
    expect(tree('p || q')).toMatchObject({ kind: 'logic', opStart: 2 });
    expect(tree('x in [1]')).toMatchObject({ kind: 'in', opStart: 2, end: 8 });
    expect(tree(' ! x')).toMatchObject({ kind: 'not', start: 1, end: 4 });
  });

  it('refuses malformed conditions with SY_POLICY_EXPR_SYNTAX at the offending token', () => {
    const cases: Array<[string, number, string]> = [
      ['', 0, 'the condition is empty'],
      ['   ', 0, 'the condition is empty'],
      ['a ==', 4, 'the condition ends where a value belongs'],
      ['a == == b', 5, 'expected a value'],
      ['a < b < c', 6, 'comparisons do not chain'],
      ['a == b in [1]', 7, 'comparisons do not chain'],
      ['x == [1, 2]', 5, 'a list can only follow "in"'],
      ['x in 1', 5, '"in" takes a list'],
      ['x in [1 2]', 8, 'expected "," or "]"'],
      ['x in [1, y]', 9, 'list items are literals; quote text: "y"'],
      ['x in [1, (2)]', 9, 'list items are literals'],
      ['x in [1, 2', 5, 'never closed with "]"'],
      ['x in [1,', 5, 'never closed with "]"'],
      ['(a && b', 7, 'expected ")"'],
      ['()', 0, 'empty parentheses'],
      ['a b', 2, 'after a complete condition'],
      ['(a).b', 3, 'must be a method call'],
      ['a.contains("x").y', 15, 'must be a method call'],
      ['a.contains("x", "y")', 14, 'takes one argument'],
      ['a.contains("x"', 14, 'expected ")" to close .contains('],
      ['snapshot.models[gpt]', 16, 'expected a quoted name inside [ ]'],
      ['snapshot.models["a"', 19, 'expected "]"'],
      ['a)', 1, 'after a complete condition'],
    ];
    for (const [text, offset, message] of cases) {
      const error = failure(text);
      expect([text, error.code, error.offset]).toEqual([text, 'SY_POLICY_EXPR_SYNTAX', offset]);
      expect(error.message).toContain(message);
    }
  });

  it('refuses word operators with SY_POLICY_EXPR_OPERATOR and the symbol to write', () => {
    expect(failure('a and b')).toEqual({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 2, message: '"and" is not an operator; write "&&"' });
    expect(failure('a == 1 or b')).toMatchObject({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 7, message: '"or" is not an operator; write "||"' });
    expect(failure('not a')).toMatchObject({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 0, message: '"not" is not an operator; write "!"' });
    expect(failure('(a or b)')).toMatchObject({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 3 });
  });

  it('bounds nesting and size with SY_POLICY_EXPR_COST at the start of the condition', () => {
    const deep = `${'('.repeat(MAX_NESTING + 1)}a${')'.repeat(MAX_NESTING + 1)}`;
    expect(failure(`  ${deep}`)).toMatchObject({ code: 'SY_POLICY_EXPR_COST', offset: 2, message: `the condition nests deeper than ${MAX_NESTING} levels` });
    expect(parseExpr(`${'('.repeat(MAX_NESTING)}a${')'.repeat(MAX_NESTING)}`).ok).toBe(true);
    expect(failure('!'.repeat(MAX_NESTING + 1) + 'a').code).toBe('SY_POLICY_EXPR_COST');
    // n leaves joined by && make 2n - 1 nodes.
    const joined = (n: number): string => Array.from({ length: n }, (_, i) => `f${i}`).join(' && ');
    expect(parseExpr(joined((MAX_NODES + 1) / 2)).ok).toBe(true);
    expect(failure(` ${joined((MAX_NODES + 1) / 2 + 1)}`)).toMatchObject({ code: 'SY_POLICY_EXPR_COST', offset: 1, message: expect.stringContaining('more than 256 instructions') });
  });
});
