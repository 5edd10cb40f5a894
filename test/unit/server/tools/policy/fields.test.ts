import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../../../engine/src/policy/parse.js';
import { describeProblems, locateProblems, Problems, typeName } from '../../../../../server/tools/policy/fields.js';

describe('Problems', () => {
  it('checks types, ranges and allowed values, naming the path', () => {
    const p = new Problems();
    expect(p.record([], ['a'], 'thing')).toBeUndefined();
    expect(p.string(3, ['b'])).toBeUndefined();
    expect(p.number('x', ['c'])).toBeUndefined();
    expect(p.number(5, ['d'], 0, 1)).toBeUndefined();
    expect(p.number(1.5, ['e'], 0, Infinity, true)).toBeUndefined();
    expect(p.oneOf('blue', ['red', 'green'], ['f'])).toBeUndefined();
    expect(p.strings(['a', 1], ['g'])).toBeUndefined();
    expect(p.list.map((x) => `${x.path.join('.')} ${x.code}: ${x.message}`)).toEqual([
      'a SY_POLICY_BAD_TYPE: thing must be a map, got a list',
      'b SY_POLICY_BAD_TYPE: b must be text, got number 3',
      'c SY_POLICY_BAD_TYPE: c must be a number, got text "x"',
      'd SY_POLICY_OUT_OF_RANGE: d must be between 0 and 1, got 5',
      'e SY_POLICY_BAD_TYPE: e must be an integer, got number 1.5',
      'f SY_POLICY_BAD_VALUE: f must be one of red, green, got "blue"',
      'g.1 SY_POLICY_BAD_TYPE: g[1] must be text, got number 1',
    ]);
  });

  it('passes good values through', () => {
    const p = new Problems();
    expect(p.record({ a: 1 }, [], 'x')).toEqual({ a: 1 });
    expect(p.number(0.5, [], 0, 1)).toBe(0.5);
    expect(p.oneOf('red', ['red'], [])).toBe('red');
    expect(p.strings(['a', 'b'], [])).toEqual(['a', 'b']);
    expect(p.list).toEqual([]);
  });

  it('suggests the nearest allowed field for an unknown one, and lists them when none is near', () => {
    const p = new Problems();
    p.onlyKeys({ nme: 1, zzz: 2, name: 3 }, ['name', 'request'], ['cases', 0], 'a case');
    expect(p.list.map((x) => x.message)).toEqual([
      'a case has no field "nme"; did you mean "name"?',
      'a case has no field "zzz"; allowed: name, request',
    ]);
    expect(p.list[0]!.at).toBe('key');
  });
});

describe('locateProblems and describeProblems', () => {
  it('puts a problem at its value, or at its key for an unknown field', () => {
    const { parsed } = parsePolicy('cases:\n  - name: x\n    colour: red\n', 't.yaml');
    const errors = locateProblems(parsed, [
      { path: ['cases', 0, 'name'], code: 'SY_POLICY_BAD_VALUE', message: 'bad name' },
      { path: ['cases', 0, 'colour'], code: 'SY_POLICY_UNKNOWN_FIELD', message: 'no colour', at: 'key' },
    ]);
    expect(errors.map((e) => e.format())).toEqual([
      't.yaml:2:11: SY_POLICY_BAD_VALUE: bad name',
      't.yaml:3:5: SY_POLICY_UNKNOWN_FIELD: no colour',
    ]);
    expect(errors[0]!.path).toBe('cases[0].name');
  });

  it('names a JSON input problem by file and path', () => {
    expect(describeProblems('s.json', [
      { path: ['models', 'gpt-4.1'], code: 'SY_POLICY_UNKNOWN_MODEL', message: 'no such model' },
      { path: [], code: 'SY_POLICY_BAD_FORMAT', message: 'not JSON' },
    ])).toEqual([
      's.json: models["gpt-4.1"]: SY_POLICY_UNKNOWN_MODEL: no such model',
      's.json: SY_POLICY_BAD_FORMAT: not JSON',
    ]);
  });

  it('typeName says what a value is', () => {
    expect([null, undefined, [], {}, 'x', 1, true].map(typeName)).toEqual(['nothing', 'nothing', 'a list', 'a map', 'text "x"', 'number 1', 'boolean true']);
  });
});
