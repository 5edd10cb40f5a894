import { describe, expect, it } from 'vitest';
import { ADAPTER_KINDS, type AdapterKind, getAdapter } from '../../../../server/adapters/registry.js';

describe('getAdapter', () => {
  it('lists openai, anthropic and gemini', () => {
    expect([...ADAPTER_KINDS].sort()).toEqual(['anthropic', 'gemini', 'openai']);
  });

  it.each(ADAPTER_KINDS)('returns the %s adapter', (kind) => {
    const adapter = getAdapter(kind);
    expect(adapter.kind).toBe(kind);
    for (const fn of [adapter.toRequest, adapter.fromResponse, adapter.createStreamDecoder, adapter.fromError]) {
      expect(typeof fn).toBe('function');
    }
  });

  it.each(['azure', 'toString', '__proto__'])('throws for a kind no adapter serves: %s', (kind) => {
    expect(() => getAdapter(kind as AdapterKind)).toThrow(/no adapter for provider kind/);
  });
});
