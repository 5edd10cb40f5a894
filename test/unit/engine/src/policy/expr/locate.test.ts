import { describe, expect, it } from 'vitest';
import { exprLocator } from '../../../../../../engine/src/policy/expr/locate.js';
import { locate, parsePolicy, type ParsedPolicy } from '../../../../../../engine/src/policy/parse.js';

const FILE = 'policies/p.yaml';

function parse(...lines: string[]): ParsedPolicy {
  const { parsed, errors } = parsePolicy(`${lines.join('\n')}\n`, FILE);
  expect(errors).toEqual([]);
  return parsed;
}

/** Where the `nth` occurrence of `token` in the condition at `path` lands in the file, as line:col. */
function where(parsed: ParsedPolicy, path: Array<string | number>, token: string, nth = 0): string {
  const value = String(path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], parsed.data));
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = value.indexOf(token, offset + 1);
  if (offset < 0) throw new Error(`${token} not in ${JSON.stringify(value)}`);
  const loc = exprLocator(parsed, path)(offset);
  expect(loc.file).toBe(FILE);
  return `${loc.line}:${loc.col}`;
}

describe('exprLocator', () => {
  it('maps offsets in a plain scalar, on one line or folded over several', () => {
    const parsed = parse(
      'routes:', //                                          1
      '  - when: request.model == "a"   # a comment', //      2
      '  - when: request.stream &&', //                      3
      '      request.tools', //                              4
      '', //                                                 5
      '      || caller.key == "k"', //                       6
    );
    expect(where(parsed, ['routes', 0, 'when'], '==')).toBe('2:25');
    expect(where(parsed, ['routes', 0, 'when'], '"a"')).toBe('2:28');
    expect(where(parsed, ['routes', 1, 'when'], '&&')).toBe('3:26');
    expect(where(parsed, ['routes', 1, 'when'], 'request.tools')).toBe('4:7');
    expect(where(parsed, ['routes', 1, 'when'], '||')).toBe('6:7');
    expect(where(parsed, ['routes', 1, 'when'], '"k"')).toBe('6:24');
  });

  it('maps offsets in quoted scalars, through escapes and folds', () => {
    const parsed = parse(
      'routes:', //                                                       1
      "  - when: 'request.model == ''x'' && y'", //                        2
      '  - when: "request.user == \\"x\\" && caller.key == \\"k\\""', //   3
      '  - when: "a \\u0026\\u0026 b"', //                                 4
      '  - when: "request.model == \\"a\\" \\', //                         5
      '      && request.stream"', //                                       6
      "  - when: 'x == ''y''", //                                          7
      "       || z'", //                                                   8
    );
    expect(where(parsed, ['routes', 0, 'when'], "'x'")).toBe('2:29');
    expect(where(parsed, ['routes', 0, 'when'], '&&')).toBe('2:35');
    expect(where(parsed, ['routes', 1, 'when'], '"x"')).toBe('3:28');
    expect(where(parsed, ['routes', 1, 'when'], 'caller')).toBe('3:37');
    expect(where(parsed, ['routes', 1, 'when'], '"k"')).toBe('3:51');
    expect(where(parsed, ['routes', 2, 'when'], '&')).toBe('4:14');
    expect(where(parsed, ['routes', 2, 'when'], '&', 1)).toBe('4:20');
    expect(where(parsed, ['routes', 2, 'when'], 'b')).toBe('4:27');
    expect(where(parsed, ['routes', 3, 'when'], '&&')).toBe('6:7');
    expect(where(parsed, ['routes', 3, 'when'], 'request.stream')).toBe('6:10');
    expect(where(parsed, ['routes', 4, 'when'], '||')).toBe('8:8');
    expect(where(parsed, ['routes', 4, 'when'], 'z')).toBe('8:11');
  });

  it('maps offsets in block scalars, literal and folded, more-indented lines included', () => {
    const parsed = parse(
      'routes:', //                                  1
      '  - name: a', //                              2
      '    when: |', //                              3
      '      request.tokens.prompt > 8000', //       4
      '        && !request.tools', //                5
      '  - name: b', //                              6
      '    when: >-', //                             7
      '      request.stream', //                     8
      '', //                                         9
      '      || request.tools', //                  10
      '          && time.hour < 6', //              11
      '      || x', //                              12
    );
    expect(where(parsed, ['routes', 0, 'when'], 'request.tokens')).toBe('4:7');
    expect(where(parsed, ['routes', 0, 'when'], '8000')).toBe('4:31');
    expect(where(parsed, ['routes', 0, 'when'], '!request')).toBe('5:12');
    expect(where(parsed, ['routes', 1, 'when'], '||')).toBe('10:7');
    expect(where(parsed, ['routes', 1, 'when'], 'time.hour')).toBe('11:14');
    expect(where(parsed, ['routes', 1, 'when'], 'x')).toBe('12:10');
  });

  it('maps the end of the condition just past its last character', () => {
    const parsed = parse('routes:', '  - when: a &&', '  - when: |', '      a &&');
    const plain = exprLocator(parsed, ['routes', 0, 'when']);
    expect(plain(4)).toMatchObject({ line: 2, col: 15 });
    expect(plain(99)).toMatchObject({ line: 2, col: 15 });
    expect(plain(-1)).toMatchObject({ line: 2, col: 11 });
    expect(exprLocator(parsed, ['routes', 1, 'when'])(4)).toMatchObject({ line: 4, col: 11 });
  });

  it('follows CRLF line ends', () => {
    const { parsed } = parsePolicy('routes:\r\n  - when: a &&\r\n      b || c\r\n', FILE);
    expect(where(parsed, ['routes', 0, 'when'], 'b')).toBe('3:7');
    expect(where(parsed, ['routes', 0, 'when'], '||')).toBe('3:9');
  });

  it('locates inside the anchored scalar behind an alias', () => {
    const parsed = parse('routes:', '  - when: &cond request.stream && x', '  - when: *cond');
    expect(where(parsed, ['routes', 1, 'when'], '&&')).toBe('2:32');
  });

  it('answers with the node\'s own position when the path holds no text scalar', () => {
    const parsed = parse('routes:', '  - when: [a, b]', '  - when: 12');
    for (const path of [['routes', 0, 'when'], ['routes', 1, 'when'], ['routes', 5, 'when']]) {
      expect(exprLocator(parsed, path)(3)).toEqual(locate(parsed, path));
    }
  });
});
