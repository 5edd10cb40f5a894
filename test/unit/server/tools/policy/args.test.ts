import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { usage, UsageError } from '../../../../../server/tools/policy/args.js';

describe('usage', () => {
  it('returns what parseArgs returns', () => {
    const { values, positionals } = usage(() => parseArgs({ args: ['a.yaml', '--json', 'b.yaml'], options: { json: { type: 'boolean' } }, allowPositionals: true }));
    expect(values.json).toBe(true);
    expect(positionals).toEqual(['a.yaml', 'b.yaml']);
  });

  it('turns an unknown flag or a missing value into a UsageError, and lets other errors through', () => {
    expect(() => usage(() => parseArgs({ args: ['--nope'], options: { json: { type: 'boolean' } } }))).toThrow(UsageError);
    expect(() => usage(() => parseArgs({ args: ['--at'], options: { at: { type: 'string' } } }))).toThrow(UsageError);
    expect(() => usage(() => { throw new RangeError('bug'); })).toThrow(RangeError);
  });
});
