import { describe, expect, it } from 'vitest';
import { expandRecord, parseRecordLine, recordLine } from '../../../../server/recording/line.js';
import { RECORD_VERSION, type TrafficRecord } from '../../../../server/recording/types.js';

const record = (snapshot: TrafficRecord['snapshot'], v = RECORD_VERSION): TrafficRecord => ({
  v, id: 'r1', at: 10, done: 20, policy: 'h', redaction: 'counts', snapshot,
  request: { model: 'auto' }, decision: { route: 'auto' }, outcome: { status: 200 },
} as unknown as TrafficRecord);

describe('a traffic record as a log line', () => {
  const snapshot = {
    models: { a: { circuit: 'closed' as const, latencyEwmaMs: 27.115260000000035, errorRate: 0 }, b: { circuit: 'open' as const }, c: {} },
    providers: { p: { errorRate: 0.25 } },
    budgets: { team: { remainingUsd: 3.5 } },
  };

  it('writes health as [circuit, latency, error rate] tuples, v, id, at and done first', () => {
    const line = recordLine(record(snapshot));
    expect(line.startsWith(`{"v":${RECORD_VERSION},"id":"r1","at":10,"done":20,`)).toBe(true);
    expect(JSON.parse(line).snapshot).toEqual({
      models: { a: ['closed', 27.115260000000035, 0], b: ['open', null, null], c: [null, null, null] },
      providers: { p: [null, null, 0.25] },
      budgets: { team: { remainingUsd: 3.5 } },
    });
    expect(line.length).toBeLessThan(JSON.stringify(record(snapshot)).length);
  });

  it('reads back exactly the snapshot decide saw: fields it did not have stay absent', () => {
    const back = parseRecordLine(recordLine(record(snapshot)));
    expect(back.snapshot).toEqual(snapshot);
    expect(Object.keys(back.snapshot.models!.b!)).toEqual(['circuit']);
    expect(back).toEqual(record(snapshot));
  });

  it('reads version 1 lines, whose health states are objects, as they are', () => {
    const old = record(snapshot, 1);
    expect(expandRecord(JSON.parse(JSON.stringify(old)) as TrafficRecord)).toEqual(old);
    expect(parseRecordLine(JSON.stringify(record({}, 1))).snapshot).toEqual({});
  });
});
