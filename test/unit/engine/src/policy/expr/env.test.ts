import { describe, expect, it } from 'vitest';
import * as abi from '../../../../../../engine/src/abi.js';
import type { RequestFeatures } from '../../../../../../engine/src/decide.js';
import { envValues, type EnvLayout } from '../../../../../../engine/src/policy/expr/env.js';
import { FIXED_NUM_SLOTS, FIXED_STR_SLOTS, type SlotSource } from '../../../../../../engine/src/policy/expr/fields.js';

const BARE: RequestFeatures = { model: 'auto', messages: [], maxTokens: null, stream: false };

const layout = (numSlots: SlotSource[] = [], strSlots: SlotSource[] = []): EnvLayout => ({
  numSlots: [...FIXED_NUM_SLOTS, ...numSlots], strSlots: [...FIXED_STR_SLOTS, ...strSlots],
});

describe('envValues', () => {
  it('fills the fixed slots with defaults for a bare request: arrival at epoch 0, a Thursday', () => {
    const { nums, strs } = envValues(layout(), BARE);
    // messages, max_output, stream, tools, json_mode, images, hour, weekday
    expect(Array.from(nums)).toEqual([0, 0, 0, 0, 0, 0, 0, 4]);
    // model, priority, user, session, caller key, team, user
    expect(strs).toEqual(['auto', 'normal', '', '', '', '', '']);
  });

  it('fills the fixed slots from a full request', () => {
    const request: RequestFeatures = {
      model: 'gpt-4o',
      messages: [{ role: 'system', content: 'a' }, { role: 'user', content: 'b' }, { role: 'assistant', content: 'c' }],
      maxTokens: 512,
      stream: true,
      tools: [{ type: 'function' }],
      jsonMode: true,
      images: { count: 2, tiles: 4, sizesKnown: true },
      priority: 'high',
      user: 'u-1',
      session: 's-1',
      caller: { key: 'k', team: 't', user: 'cu' },
      arrivedAt: Date.UTC(2024, 5, 1, 13, 45),
    };
    const { nums, strs } = envValues(layout(), request);
    expect(Array.from(nums)).toEqual([3, 512, 1, 1, 1, 2, 13, 6]);
    expect(strs).toEqual(['gpt-4o', 'high', 'u-1', 's-1', 'k', 't', 'cu']);
  });

  it('counts an empty tool list as no tools and an unusable arrival time as epoch 0', () => {
    const { nums } = envValues(layout(), { ...BARE, tools: [], arrivedAt: Number.NaN });
    expect([nums[3], nums[6], nums[7]]).toEqual([0, 0, 4]);
  });

  it('falls back to metadata for priority and session', () => {
    const { strs } = envValues(layout(), { ...BARE, metadata: { priority: 'low', session_id: 'sess' } });
    expect([strs[1], strs[3]]).toEqual(['low', 'sess']);
    const { strs: explicit } = envValues(layout(), { ...BARE, priority: 'high', session: 'x', metadata: { priority: 'low', session_id: 'sess' } });
    expect([explicit[1], explicit[3]]).toEqual(['high', 'x']);
  });

  it('reads metadata keys as text, "" when absent or inherited', () => {
    const metadata = { tier: 'gold', 'a key': 'v', n: 5, flag: true, obj: { a: 1 }, nil: null } as unknown as Record<string, string>;
    const keys = ['tier', 'a key', 'n', 'flag', 'obj', 'nil', 'missing', 'constructor'];
    const { strs } = envValues(layout([], keys.map((key): SlotSource => ({ kind: 'metadata', key }))), { ...BARE, metadata });
    expect(strs.slice(FIXED_STR_SLOTS.length)).toEqual(['gold', 'v', '5', 'true', '{"a":1}', '', '', '']);
    expect(envValues(layout([], [{ kind: 'metadata', key: 'tier' }]), BARE).strs.at(-1)).toBe('');
  });

  it('reads model and provider health: circuits as codes, absent ones closed with no data', () => {
    const sources: SlotSource[] = [
      { kind: 'model', name: 'a', field: 'circuit' }, { kind: 'model', name: 'a', field: 'latency_ewma' }, { kind: 'model', name: 'a', field: 'error_rate' },
      { kind: 'model', name: 'b', field: 'circuit' }, { kind: 'model', name: 'b', field: 'latency_ewma' },
      { kind: 'provider', name: 'p', field: 'circuit' }, { kind: 'provider', name: 'q', field: 'circuit' }, { kind: 'provider', name: 'q', field: 'error_rate' },
      { kind: 'model', name: 'constructor', field: 'circuit' },
    ];
    const snapshot = {
      models: { a: { circuit: 'open' as const, latencyEwmaMs: 420, errorRate: 0.25 }, b: {} },
      providers: { p: { circuit: 'unavailable' as const }, q: { circuit: 'half_open' as const, errorRate: 0.5 } },
    };
    const { nums } = envValues(layout(sources), BARE, snapshot);
    expect(Array.from(nums.slice(FIXED_NUM_SLOTS.length))).toEqual([
      abi.CIRCUIT_OPEN, 420, 0.25, abi.CIRCUIT_CLOSED, 0, abi.CIRCUIT_UNAVAILABLE, abi.CIRCUIT_HALF_OPEN, 0.5, abi.CIRCUIT_CLOSED,
    ]);
    expect(Array.from(envValues(layout(sources), BARE).nums.slice(FIXED_NUM_SLOTS.length))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('reads budgets, +Infinity where there is none', () => {
    const sources: SlotSource[] = [
      { kind: 'budget', scope: 'team', field: 'remaining_usd' }, { kind: 'budget', scope: 'team', field: 'remaining_tokens' },
      { kind: 'budget', scope: 'global', field: 'remaining_usd' }, { kind: 'budget', scope: 'key', field: 'remaining_tokens' },
    ];
    const { nums } = envValues(layout(sources), BARE, { budgets: { team: { remainingUsd: 1.5 }, key: { remainingTokens: 0 } } });
    expect(Array.from(nums.slice(FIXED_NUM_SLOTS.length))).toEqual([1.5, Infinity, Infinity, 0]);
  });
});
