import { describe, expect, it } from 'vitest';
import { isDirectRoute } from '../../../../../server/tools/policy/names.js';

describe('isDirectRoute', () => {
  it('tells the implicit model:<name> routes from written ones', () => {
    expect(isDirectRoute('model:gpt-4o')).toBe(true);
    expect(isDirectRoute('cheap')).toBe(false);
    expect(isDirectRoute('models')).toBe(false);
  });
});
