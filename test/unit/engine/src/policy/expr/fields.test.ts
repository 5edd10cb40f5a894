import { describe, expect, it } from 'vitest';
import * as abi from '../../../../../../engine/src/abi.js';
import * as feat from '../../../../../../engine/src/features-abi.js';
import {
  ENUM_MEMBERS, FEATURE_FIELDS, FIELD_NAMES, FIXED_NUM_SLOTS, FIXED_STR_SLOTS, SlotTable, formatSegments, resolveField, type Resolution,
} from '../../../../../../engine/src/policy/expr/fields.js';
import { parseExpr } from '../../../../../../engine/src/policy/expr/parse.js';

const NAMES = { models: ['gpt-4o-mini', 'gpt-4.1'], providers: ['openai', 'anthropic'] };

function resolve(text: string): Resolution {
  const parsed = parseExpr(text);
  if (!parsed.ok || parsed.expr.kind !== 'field') throw new Error(`${text} is not a field`);
  return resolveField(parsed.expr.segments, parsed.expr.start, NAMES);
}

function field(text: string): unknown {
  const r = resolve(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.field;
}

function error(text: string): { code: string; message: string; offset: number } {
  const r = resolve(text);
  if (r.ok) throw new Error(`${text} resolved`);
  return r.error;
}

describe('field catalogue', () => {
  it('lists every field of the language once, each resolving to its documented type', () => {
    expect(new Set(FIELD_NAMES).size).toBe(FIELD_NAMES.length);
    expect(FIELD_NAMES).toHaveLength(44);
    for (const doc of FEATURE_FIELDS) {
      const concrete = doc.name.replace('<key>', 'tier').replace('"<model>"', '"gpt-4.1"').replace('"<provider>"', '"openai"');
      expect([doc.name, field(concrete)]).toEqual([doc.name, expect.objectContaining({ type: doc.type })]);
      expect(doc.description.length).toBeGreaterThan(10);
    }
  });

  it('reads the request\'s own fields, the caller and the time from the fixed slots', () => {
    const fixed = [...FIXED_NUM_SLOTS, ...FIXED_STR_SLOTS].map((s) => JSON.stringify(s));
    const fixedFields = FEATURE_FIELDS.map((f) => f.name).filter((n) => /^(request|caller|time)\./.test(n) && !n.includes('<'))
      .map((n) => field(n) as { source: { kind: string; slot?: unknown } }).filter((f) => f.source.kind !== 'feature');
    expect(fixedFields.map((f) => JSON.stringify(f.source.slot)).sort()).toEqual([...fixed].sort());
  });

  it('reads core-computed fields from the FEATURES record by offset', () => {
    expect(field('request.tokens.prompt')).toEqual({ name: 'request.tokens.prompt', type: 'number', source: { kind: 'feature', offset: feat.FEAT_TOKENS } });
    expect(field('request.complexity')).toMatchObject({ source: { kind: 'feature', offset: feat.FEAT_COMPLEXITY } });
    expect(field('request.features.script')).toMatchObject({ type: 'script', source: { kind: 'feature', offset: feat.FEAT_SCRIPT } });
    expect(field('request.features.non_latin_share')).toMatchObject({ source: { kind: 'feature', offset: feat.FEAT_NON_LATIN_SHARE } });
  });

  it('gives enum members the codes the core uses', () => {
    expect(ENUM_MEMBERS.circuit.map((m) => m)).toEqual(['closed', 'open', 'half_open', 'unavailable']);
    expect([abi.CIRCUIT_CLOSED, abi.CIRCUIT_OPEN, abi.CIRCUIT_HALF_OPEN, abi.CIRCUIT_UNAVAILABLE]).toEqual([0, 1, 2, 3]);
    expect(ENUM_MEMBERS.script.indexOf('latin')).toBe(feat.SCRIPT_LATIN);
    expect(ENUM_MEMBERS.script.indexOf('cjk')).toBe(feat.SCRIPT_CJK);
    expect(ENUM_MEMBERS.script).toHaveLength(feat.SCRIPT_COUNT);
    expect(ENUM_MEMBERS.weekday).toEqual(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']);
  });

  it('reads metadata keys dotted or bracketed into one STR slot source', () => {
    expect(field('request.metadata.a.b-c')).toEqual({ name: 'request.metadata.a.b-c', type: 'string', source: { kind: 'str', slot: { kind: 'metadata', key: 'a.b-c' } } });
    expect(field('request.metadata["any key"]')).toEqual({ name: 'request.metadata["any key"]', type: 'string', source: { kind: 'str', slot: { kind: 'metadata', key: 'any key' } } });
    expect(error('request.metadata.a["b"]')).toMatchObject({ code: 'SY_POLICY_EXPR_UNKNOWN_FIELD', message: expect.stringContaining('write request.metadata["a.b"]') });
    expect(error('request.metadata').message).toBe('request.metadata needs a key: request.metadata.<key> or request.metadata["<key>"]');
  });

  it('reads the virtual key\'s metadata the same way, from its own STR slot source', () => {
    expect(field('caller.metadata.tier')).toEqual({ name: 'caller.metadata.tier', type: 'string', source: { kind: 'str', slot: { kind: 'caller_metadata', key: 'tier' } } });
    expect(field('caller.metadata["cost centre"]')).toEqual({ name: 'caller.metadata["cost centre"]', type: 'string', source: { kind: 'str', slot: { kind: 'caller_metadata', key: 'cost centre' } } });
    expect(error('caller.metadata.a["b"]').message).toContain('write caller.metadata["a.b"]');
    expect(error('caller.metadata').message).toBe('caller.metadata needs a key: caller.metadata.<key> or caller.metadata["<key>"]');
    expect(error('caller.metdata.tier').message).toBe('unknown field caller.metdata.tier (did you mean caller.metadata.tier?)');
  });

  it('reads model and provider health and budgets into NUM slot sources', () => {
    expect(field('snapshot.models["gpt-4.1"].latency_ewma')).toEqual({
      name: 'snapshot.models["gpt-4.1"].latency_ewma', type: 'duration', source: { kind: 'num', slot: { kind: 'model', name: 'gpt-4.1', field: 'latency_ewma' } },
    });
    expect(field('snapshot.providers["openai"].circuit')).toMatchObject({ type: 'circuit', source: { slot: { kind: 'provider', name: 'openai', field: 'circuit' } } });
    expect(field('snapshot.budget.team.remaining_usd')).toMatchObject({ type: 'usd', source: { kind: 'num', slot: { kind: 'budget', scope: 'team', field: 'remaining_usd' } } });
  });

  it('refuses undeclared model and provider names at the name, with the closest declared one', () => {
    expect(error('snapshot.models["gpt-4o-mnii"].circuit')).toEqual({
      code: 'SY_POLICY_EXPR_UNKNOWN_NAME', offset: 16, message: 'model "gpt-4o-mnii" is not declared (did you mean "gpt-4o-mini"?)',
    });
    expect(error('snapshot.providers["azure"].circuit')).toEqual({
      code: 'SY_POLICY_EXPR_UNKNOWN_NAME', offset: 19, message: 'provider "azure" is not declared; declared providers: openai, anthropic',
    });
  });

  it('refuses unknown fields at the reference, suggesting the closest', () => {
    const cases: Array<[string, string]> = [
      ['request.tokns.prompt', 'unknown field request.tokns.prompt (did you mean request.tokens.prompt?)'],
      ['reqest.model', 'unknown field reqest.model (did you mean request.model?)'],
      ['request.modle', 'unknown field request.modle (did you mean request.model?)'],
      ['request.metdata.tier', 'unknown field request.metdata.tier (did you mean request.metadata.tier?)'],
      ['request.token', 'unknown field request.token (did you mean request.tokens?)'],
      ['snapshot.budget.globl.remaining_usd', 'unknown field snapshot.budget.globl.remaining_usd (did you mean snapshot.budget.global.remaining_usd?)'],
      ['snapshot.model["gpt-4.1"].circuit', 'unknown field snapshot.model["gpt-4.1"].circuit (did you mean snapshot.models["gpt-4.1"].circuit?)'],
      ['snapshot.models["gpt-4.1"].circut', 'unknown field snapshot.models["gpt-4.1"].circut (did you mean snapshot.models["gpt-4.1"].circuit?)'],
      ['snapshot.models["gpt-4.1"].speed', 'unknown field snapshot.models["gpt-4.1"].speed; its fields: circuit, latency_ewma, error_rate'],
      ['foo.bar', 'unknown field foo.bar; fields start with request, caller, snapshot, time'],
      ['request.model.length', 'request.model has no field "length": it is a string itself'],
      ['request.tokens', 'request.tokens is not a field by itself; its fields: request.tokens.prompt, request.tokens.max_output'],
      ['snapshot.models.gpt.circuit', 'snapshot.models takes a model name in brackets and quotes: snapshot.models["gpt"]'],
      ['snapshot.models["gpt-4.1"]', 'snapshot.models["gpt-4.1"] needs a field: .circuit, .latency_ewma, .error_rate'],
      ['snapshot.providers', 'snapshot.providers needs a provider name and a field: snapshot.providers["<provider>"].circuit, .latency_ewma or .error_rate'],
      ['snapshot.models["gpt-4.1"].circuit.x', 'snapshot.models["gpt-4.1"].circuit has no field "x"'],
      ['request["model"]', 'unknown field request["model"] (did you mean request.model?)'],
      ['request.size', 'unknown field request.size; request has model, messages, tokens, complexity, features, stream, tools, json_mode, images, priority, user, session, metadata'],
    ];
    for (const [text, message] of cases) expect([text, error(text)]).toEqual([text, { code: 'SY_POLICY_EXPR_UNKNOWN_FIELD', offset: 0, message }]);
  });

  it('formats segments as a condition writes them', () => {
    const parsed = parseExpr('snapshot.models["a b"].x');
    if (!parsed.ok || parsed.expr.kind !== 'field') throw new Error('not a field');
    expect(formatSegments(parsed.expr.segments)).toBe('snapshot.models["a b"].x');
  });
});

describe('SlotTable', () => {
  it('starts with the fixed slots and adds each dynamic source once, in order of first use', () => {
    const slots = new SlotTable();
    expect(slots.numSlots).toEqual(FIXED_NUM_SLOTS);
    expect(slots.strSlots).toEqual(FIXED_STR_SLOTS);
    expect(slots.index('num', { kind: 'time', field: 'weekday' })).toBe(FIXED_NUM_SLOTS.length - 1);
    expect(slots.index('str', { kind: 'metadata', key: 'b' })).toBe(FIXED_STR_SLOTS.length);
    expect(slots.index('str', { kind: 'metadata', key: 'a' })).toBe(FIXED_STR_SLOTS.length + 1);
    expect(slots.index('str', { kind: 'metadata', key: 'b' })).toBe(FIXED_STR_SLOTS.length);
    expect(slots.index('num', { kind: 'model', name: 'x', field: 'circuit' })).toBe(FIXED_NUM_SLOTS.length);
    expect(slots.index('num', { kind: 'model', name: 'x', field: 'error_rate' })).toBe(FIXED_NUM_SLOTS.length + 1);
    expect(slots.strSlots.slice(FIXED_STR_SLOTS.length)).toEqual([{ kind: 'metadata', key: 'b' }, { kind: 'metadata', key: 'a' }]);
  });
});
