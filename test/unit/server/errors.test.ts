import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../../engine/src/package-root.js';
import { GATEWAY_ERRORS, GatewayError, type GatewayErrorCode } from '../../../server/errors.js';

const codes = Object.keys(GATEWAY_ERRORS) as GatewayErrorCode[];

describe('gateway error registry', () => {
  it('every code is SY_-prefixed, has a status, an OpenAI type and a unique wire code', () => {
    for (const code of codes) {
      const spec = GATEWAY_ERRORS[code];
      expect(code).toMatch(/^SY_[A-Z][A-Z_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.type).toMatch(/_error$/);
      expect(spec.description.length).toBeGreaterThan(10);
    }
    const wire = codes.map((c) => GATEWAY_ERRORS[c].code);
    expect(new Set(wire).size).toBe(wire.length);
  });

  it("README's error table lists exactly the registry, with the same status and code", () => {
    const readme = readFileSync(packagePath('README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `(SY_[A-Z_]+)` \| (\d+|—) \| `([a-z_]+)` \|/gm)];
    expect(rows.map((r) => r[1]).sort()).toEqual([...codes].sort());
    for (const [, code, status, wire] of rows) {
      const spec = GATEWAY_ERRORS[code as GatewayErrorCode];
      expect([code, wire]).toEqual([code, spec.code]);
      if (status !== '—') expect([code, Number(status)]).toEqual([code, spec.status]);
    }
  });

  it('renders the OpenAI error shape', () => {
    const err = new GatewayError('SY_REQUEST_INVALID', 'messages must be a non-empty array', { param: 'messages' });
    expect(err.toBody()).toEqual({ error: { message: 'messages must be a non-empty array', type: 'invalid_request_error', param: 'messages', code: 'invalid_request' } });
    expect(err.status).toBe(400);
  });

  it('adds error.budget to a budget error, and nothing to the others', () => {
    const budget = { name: 'daily', scope: 'team', unit: 'usd' as const, limit: 5, remaining: 0.25, resets_at: '2030-01-02T00:00:00.000Z' };
    const err = new GatewayError('SY_BUDGET_EXCEEDED', 'budget daily would be exceeded', { retryAfterS: 60, budget });
    expect(err.toBody()).toEqual({ error: { message: 'budget daily would be exceeded', type: 'rate_limit_error', param: null, code: 'budget_exceeded', budget } });
    expect('budget' in new GatewayError('SY_INTERNAL', 'x').toBody().error).toBe(false);
  });
});
