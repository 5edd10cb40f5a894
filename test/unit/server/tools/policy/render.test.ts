import { describe, expect, it } from 'vitest';
import { expectedGot, formatUsd, plural, showValue, table } from '../../../../../server/tools/policy/render.js';

describe('table', () => {
  it('pads every column to its widest cell and right-aligns the numeric ones', () => {
    expect(table(['name', 'n'], [['a', '1'], ['longer', '100']], [1])).toEqual([
      'name      n',
      'a         1',
      'longer  100',
    ]);
  });

  it('drops trailing spaces of a short last cell', () => {
    expect(table(['a', 'b'], [['x', '']])).toEqual(['a  b', 'x']);
  });
});

describe('formatUsd', () => {
  it.each([
    [0, '0'],
    [12.345, '12.35'],
    [0.0123456, '0.0123'],
    [0.000104, '0.000104'],
    [0.0000012345, '0.00000123'],
    [3e-9, '3.00e-9'],
    [Infinity, 'Infinity'],
  ])('%d -> %s', (usd, shown) => {
    expect(formatUsd(usd)).toBe(shown);
  });
});

describe('showValue and expectedGot', () => {
  it('quotes strings, brackets lists of bare names, shows null as null', () => {
    expect(showValue('cheap')).toBe('"cheap"');
    expect(showValue(['a', 'b'])).toBe('[a, b]');
    expect(showValue([])).toBe('[]');
    expect(showValue(null)).toBe('null');
    expect(showValue(1024)).toBe('1024');
    expect(expectedGot('route', 'cheap', 'smart')).toBe('route: expected "cheap", got "smart"');
    expect(expectedGot('candidates', ['a'], ['b', 'c'])).toBe('candidates: expected [a], got [b, c]');
  });

  it('plural takes an irregular plural', () => {
    expect(plural(1, 'error')).toBe('1 error');
    expect(plural(0, 'error')).toBe('0 errors');
    expect(plural(2, 'retry', 'retries')).toBe('2 retries');
  });
});
