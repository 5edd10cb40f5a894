import { describe, expect, it } from 'vitest';
import * as feat from '../../../../../../engine/src/features-abi.js';
import { checkExpr, type CheckResult, type Ir } from '../../../../../../engine/src/policy/expr/check.js';
import { parseExpr } from '../../../../../../engine/src/policy/expr/parse.js';

const NAMES = { models: ['gpt-4o-mini'], providers: ['openai'] };

function check(text: string): CheckResult {
  const parsed = parseExpr(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return checkExpr(parsed.expr, text, NAMES);
}

function ir(text: string): Ir {
  const result = check(text);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
  return result.ir;
}

function errors(text: string): Array<{ code: string; message: string; offset: number }> {
  const result = check(text);
  if (result.ok) throw new Error(`${text} checked`);
  return result.errors;
}

const messages = { kind: 'num', slot: { kind: 'request', field: 'messages' } };
const model = { kind: 'str', slot: { kind: 'request', field: 'model' } };

describe('checkExpr', () => {
  it('types comparisons of equal types and keeps operand order', () => {
    expect(ir('request.messages >= 2')).toEqual({ op: 'compare', cmp: '>=', text: false, left: { op: 'field', source: messages }, right: { op: 'const', value: 2 } });
    expect(ir('"gpt" != request.model')).toEqual({ op: 'compare', cmp: '!=', text: true, left: { op: 'text', value: 'gpt' }, right: { op: 'field', source: model } });
    expect(ir('snapshot.models["gpt-4o-mini"].latency_ewma < 1.5s')).toMatchObject({ right: { op: 'const', value: 1500 } });
    expect(ir('snapshot.budget.global.remaining_usd > $0.05')).toMatchObject({ right: { op: 'const', value: 0.05 } });
    expect(ir('request.stream == true')).toMatchObject({ right: { op: 'const', value: 1 } });
    expect(ir('(request.messages > 1) != (request.images > 0)')).toMatchObject({ op: 'compare', cmp: '!=', text: false });
  });

  it('turns enum names into their codes, on either side and in lists', () => {
    expect(ir('request.features.script == "cyrillic"')).toEqual({
      op: 'compare', cmp: '==', text: false,
      left: { op: 'field', source: { kind: 'feature', offset: feat.FEAT_SCRIPT } }, right: { op: 'const', value: feat.SCRIPT_CYRILLIC },
    });
    expect(ir('"open" != snapshot.providers["openai"].circuit')).toMatchObject({ left: { op: 'const', value: 1 } });
    expect(ir('time.weekday in ["sat", "sun"]')).toMatchObject({ op: 'in', numbers: [6, 0] });
  });

  it('types lists, logic, negation and method calls', () => {
    expect(ir('request.model in ["a", "b"]')).toEqual({ op: 'in', left: { op: 'field', source: model }, texts: ['a', 'b'] });
    expect(ir('request.messages in [1, 2]')).toMatchObject({ op: 'in', numbers: [1, 2] });
    expect(ir('!request.tools || request.stream && false')).toMatchObject({
      op: 'or', left: { op: 'not', operand: { op: 'field' } }, right: { op: 'and', right: { op: 'const', value: 0 } },
    });
    expect(ir('request.user.endsWith(caller.user)')).toMatchObject({ op: 'call', method: 'endsWith', arg: { op: 'field', source: { slot: { kind: 'caller', field: 'user' } } } });
  });

  it('refuses mismatched types with SY_POLICY_EXPR_TYPE, at the literal when one side is one', () => {
    expect(errors('request.messages == "two"')).toEqual([{
      code: 'SY_POLICY_EXPR_TYPE', offset: 20,
      message: '"==" compares request.messages, a number, with "two", text; both sides need the same type',
    }]);
    expect(errors('snapshot.models["gpt-4o-mini"].latency_ewma > 500')).toEqual([expect.objectContaining({
      code: 'SY_POLICY_EXPR_TYPE', offset: 46, message: expect.stringMatching(/a duration, with 500, a number; both sides need the same type \(write 500ms or 500s\)$/),
    })]);
    expect(errors('snapshot.budget.user.remaining_usd < 5')[0]).toMatchObject({ offset: 37, message: expect.stringContaining('(write $5)') });
    expect(errors('request.model == request.messages')[0]).toMatchObject({ code: 'SY_POLICY_EXPR_TYPE', offset: 14 });
    expect(errors('request.messages in [1, "2", 3s]')).toEqual([
      { code: 'SY_POLICY_EXPR_TYPE', offset: 24, message: 'request.messages is a number, but the list item "2" is text' },
      { code: 'SY_POLICY_EXPR_TYPE', offset: 29, message: 'request.messages is a number, but the list item 3s is a duration' },
    ]);
    expect(errors('request.features.script == request.model')).toEqual([{
      code: 'SY_POLICY_EXPR_TYPE', offset: 27, message: 'request.features.script compares only with a quoted script name such as "none", not with request.model',
    }]);
    expect(errors('time.weekday == snapshot.models["gpt-4o-mini"].circuit')[0]).toMatchObject({ code: 'SY_POLICY_EXPR_TYPE', offset: 16 });
    expect(errors('snapshot.providers["openai"].circuit != snapshot.models["gpt-4o-mini"].circuit')).toEqual([{
      code: 'SY_POLICY_EXPR_TYPE', offset: 40,
      message: 'snapshot.providers["openai"].circuit compares only with a quoted circuit name such as "closed", not with snapshot.models["gpt-4o-mini"].circuit',
    }]);
    expect(errors('time.weekday == 3')[0]).toMatchObject({ code: 'SY_POLICY_EXPR_TYPE', offset: 16 });
  });

  it('refuses non-bool operands of logic and conditions that are not true or false', () => {
    expect(errors('request.messages && request.stream')).toEqual([{
      code: 'SY_POLICY_EXPR_TYPE', offset: 0, message: '"&&" joins true or false values, but request.messages is a number; compare it, e.g. request.messages > 0',
    }]);
    expect(errors('request.stream || request.model')[0]).toMatchObject({ offset: 18, message: expect.stringContaining('compare it, e.g. request.model == "..."') });
    expect(errors('!request.features.script')[0]).toMatchObject({
      code: 'SY_POLICY_EXPR_TYPE', offset: 1, message: '"!" negates true or false, but request.features.script is a script name; compare it, e.g. request.features.script == "none"',
    });
    expect(errors('  request.tokens.prompt')).toEqual([{
      code: 'SY_POLICY_EXPR_TYPE', offset: 2, message: 'a condition must be true or false, but request.tokens.prompt is a number; compare it, e.g. request.tokens.prompt > 0',
    }]);
    expect(errors('"x"')[0]).toMatchObject({ code: 'SY_POLICY_EXPR_TYPE', message: 'a condition must be true or false, but "x" is text' });
  });

  it('refuses operators that do not apply with SY_POLICY_EXPR_OPERATOR at the operator or method', () => {
    expect(errors('request.model < "m"')).toEqual([{
      code: 'SY_POLICY_EXPR_OPERATOR', offset: 14, message: '"<" orders numbers, durations and USD amounts, not text; use == or !=',
    }]);
    expect(errors('request.stream >= false')[0]).toMatchObject({ code: 'SY_POLICY_EXPR_OPERATOR', offset: 15 });
    expect(errors('time.weekday > "mon"')).toEqual([{ code: 'SY_POLICY_EXPR_OPERATOR', offset: 13, message: '">" does not apply to weekday names; use == or !=' }]);
    expect(errors('request.messages.contains("1")')).toEqual([{
      code: 'SY_POLICY_EXPR_OPERATOR', offset: 17, message: '.contains() applies to text, but request.messages is a number',
    }]);
    expect(errors('request.model.startswith("gpt")')).toEqual([{ code: 'SY_POLICY_EXPR_OPERATOR', offset: 14, message: 'unknown method .startswith() (did you mean .startsWith()?)' }]);
    expect(errors('request.model.matches("g.*")')[0]).toMatchObject({ message: 'unknown method .matches(); text has .contains(), .startsWith() and .endsWith()' });
    expect(errors('request.model.contains(request.stream)')).toEqual([{
      code: 'SY_POLICY_EXPR_TYPE', offset: 23, message: '.contains() takes text, but request.stream is true or false',
    }]);
  });

  it('refuses enum names that are not members with SY_POLICY_EXPR_UNKNOWN_NAME at the name', () => {
    expect(errors('time.weekday == "mom"')).toEqual([{ code: 'SY_POLICY_EXPR_UNKNOWN_NAME', offset: 16, message: '"mom" is not a weekday name (did you mean "mon"?)' }]);
    expect(errors('request.features.script in ["latin", "cyrilic"]')).toEqual([{
      code: 'SY_POLICY_EXPR_UNKNOWN_NAME', offset: 37, message: '"cyrilic" is not a script name (did you mean "cyrillic"?)',
    }]);
    expect(errors('snapshot.models["gpt-4o-mini"].circuit == "broken"')[0]).toMatchObject({
      message: '"broken" is not a circuit name; circuit names: closed, open, half_open, unavailable',
    });
    expect(errors('snapshot.models["gpt-4o"].circuit == "open"')[0]).toMatchObject({ code: 'SY_POLICY_EXPR_UNKNOWN_NAME', offset: 16 });
  });

  it('refuses lists and texts past the cost bound with SY_POLICY_EXPR_COST at the start', () => {
    const items = (n: number): string => Array.from({ length: n }, (_, i) => i).join(', ');
    expect(check(`request.messages in [${items(64)}]`).ok).toBe(true);
    expect(errors(` request.messages in [${items(65)}]`)).toEqual([{ code: 'SY_POLICY_EXPR_COST', offset: 1, message: 'a list after "in" has 65 items; at most 64' }]);
    expect(check(`request.user == "${'é'.repeat(128)}"`).ok).toBe(true);
    expect(errors(`request.user == "${'é'.repeat(128)}x"`)).toEqual([{ code: 'SY_POLICY_EXPR_COST', offset: 0, message: 'a quoted text in the condition is 257 bytes long; at most 256' }]);
    expect(errors(`request.user in ["a", "${'x'.repeat(300)}"]`)[0]).toMatchObject({ code: 'SY_POLICY_EXPR_COST', offset: 0 });
  });

  it('reports every independent problem of a condition at once', () => {
    expect(errors('request.modle == "a" || request.messages > "b" || time.weekday == "fri"').map((e) => [e.code, e.offset])).toEqual([
      ['SY_POLICY_EXPR_UNKNOWN_FIELD', 0],
      ['SY_POLICY_EXPR_TYPE', 43],
    ]);
  });
});
