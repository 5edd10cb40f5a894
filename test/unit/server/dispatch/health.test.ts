import { describe, expect, it } from 'vitest';
import { HealthRegistry } from '../../../../server/dispatch/health.js';

const breaker = { windowS: 30, minRequests: 4, failureRate: 0.5, openS: 10, halfOpenProbes: 1 };

describe('HealthRegistry', () => {
  it('opens when the failure rate over the window reaches the threshold, with enough requests', () => {
    let now = 1_000_000;
    const h = new HealthRegistry(() => now);
    h.record('m', false, null, breaker);
    h.record('m', false, null, breaker);
    h.record('m', true, 100, breaker);
    expect(h.circuit('m', breaker)).toBe('closed'); // 3 < minRequests
    h.record('m', false, null, breaker);
    expect(h.circuit('m', breaker)).toBe('open'); // 3 of 4 failed
    expect(h.admit('m', breaker)).toBe(false);
    now += 5_000;
    expect(h.circuit('m', breaker)).toBe('open');
  });

  it('goes half-open after open_s, lets one probe through, and closes on its success', () => {
    let now = 2_000_000;
    const h = new HealthRegistry(() => now);
    for (let i = 0; i < 4; i++) h.record('m', false, null, breaker);
    now += 10_000;
    expect(h.circuit('m', breaker)).toBe('half_open');
    expect(h.admit('m', breaker)).toBe(true);
    expect(h.admit('m', breaker)).toBe(false); // one probe at a time
    h.record('m', true, 50, breaker);
    expect(h.circuit('m', breaker)).toBe('closed');
    expect(h.admit('m', breaker)).toBe(true);
  });

  it('opens again when the probe fails', () => {
    let now = 3_000_000;
    const h = new HealthRegistry(() => now);
    for (let i = 0; i < 4; i++) h.record('m', false, null, breaker);
    now += 10_000;
    expect(h.admit('m', breaker)).toBe(true);
    h.record('m', false, null, breaker);
    expect(h.circuit('m', breaker)).toBe('open');
    now += 9_999;
    expect(h.circuit('m', breaker)).toBe('open');
  });

  it('forgets failures older than the window', () => {
    let now = 4_000_000;
    const h = new HealthRegistry(() => now);
    for (let i = 0; i < 3; i++) h.record('m', false, null, breaker);
    now += 31_000;
    h.record('m', false, null, breaker);
    expect(h.circuit('m', breaker)).toBe('closed');
  });

  it('reports latency and error-rate EWMAs and the circuit in the snapshot', () => {
    const h = new HealthRegistry(() => 0);
    h.record('a', true, 100, breaker);
    h.record('a', true, 200, breaker);
    h.record('b', false, null, breaker);
    const snap = h.snapshot(breaker);
    expect(snap.a).toEqual({ circuit: 'closed', latencyEwmaMs: 120, errorRate: 0 });
    expect(snap.b!.errorRate).toBeCloseTo(0.2, 10);
    expect(snap.c).toBeUndefined();
  });
});
