import { describe, expect, it } from 'vitest';
import { plainScenario, resolveScenario } from '../../../../bench/sim/scenario.js';

describe('resolveScenario', () => {
  const plain = plainScenario(25);

  it('returns the plain scenario itself when nothing is scripted', () => {
    expect(resolveScenario(plain, undefined, { 'content-type': 'application/json' })).toBe(plain);
    expect(plain).toMatchObject({ status: 0, retryAfterS: -1, hang: false, reset: false, latencyMs: 25, cutAfterChunks: -1 });
  });

  it('applies the fault scripted for the model', () => {
    const s = resolveScenario(plain, { status: 429, retryAfterS: 2, body: { custom: true } }, {});
    expect(s).toMatchObject({ status: 429, retryAfterS: 2, body: { custom: true }, latencyMs: 25, hang: false });
  });

  it('lets a fault replace the server-wide latency, including with zero', () => {
    expect(resolveScenario(plain, { latencyMs: 0 }, {}).latencyMs).toBe(0);
    expect(resolveScenario(plain, { latencyMs: 80 }, {}).latencyMs).toBe(80);
  });

  it('lets request headers override the model fault', () => {
    const s = resolveScenario(plain, { status: 503, body: 'scripted' }, {
      'x-sim-status': '500', 'x-sim-latency-ms': '7', 'x-sim-cut-after': '3', 'x-sim-hang': '1', 'x-sim-reset': 'true', 'x-sim-retry-after': '4',
    });
    expect(s).toMatchObject({ status: 500, body: undefined, latencyMs: 7, cutAfterChunks: 3, hang: true, reset: true, retryAfterS: 4 });
  });

  it('carries the stream faults and extra headers of the model fault; none means -1 and no headers', () => {
    const s = resolveScenario(plain, { stallAfterChunks: 2, chunkDelayMs: 0, malformedAfterChunks: 1, headers: { 'x-should-retry': 'true' } }, {});
    expect(s).toMatchObject({ stallAfterChunks: 2, chunkDelayMs: 0, malformedAfterChunks: 1, headers: { 'x-should-retry': 'true' } });
    expect(plain).toMatchObject({ stallAfterChunks: -1, chunkDelayMs: -1, malformedAfterChunks: -1, headers: undefined });
    expect(resolveScenario(plain, { stallAfterChunks: -3 }, {}).stallAfterChunks).toBe(-1);
  });

  it('lets a header switch a scripted hang off', () => {
    expect(resolveScenario(plain, { hang: true }, { 'x-sim-hang': '0' }).hang).toBe(false);
  });

  it('ignores header values that are not valid numbers for the field', () => {
    const s = resolveScenario(plain, undefined, { 'x-sim-status': '99', 'x-sim-latency-ms': '-1', 'x-sim-cut-after': 'abc' });
    expect(s).toMatchObject({ status: 0, latencyMs: 25, cutAfterChunks: -1 });
  });
});
