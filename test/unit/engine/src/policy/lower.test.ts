import { describe, expect, it } from 'vitest';
import * as abi from '../../../../../engine/src/abi.js';
import { Decider } from '../../../../../engine/src/decide.js';
import { compilePolicySource } from '../../../../../engine/src/policy/compile.js';

const SOURCE = `version: 1
providers:
  p: { kind: openai, base_url: "https://p.example/v1", api_key_env: P_KEY }
models:
  small: { provider: p, price: { input: 0.5, output: 1.5 }, context_window: 4096 }
  large: { provider: p, upstream: large-2025, price: { input: 5, output: 15 }, context_window: 200000 }
routes:
  - name: claims-small
    match: { model: small, metadata: { team: ops } }
    candidates: [large]
  - name: any
    match: { model: [fast, cheap] }
    candidates: [small, large]
`;

function build() {
  const r = compilePolicySource(SOURCE, 'p.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.format()).join('\n'));
  return r.compiled;
}

describe('lowerPolicy', () => {
  it('writes the header and the model table in declaration order', () => {
    const { program, policy } = build();
    const v = new DataView(program.buffer);
    expect(v.getUint32(0, true)).toBe(abi.PROGRAM_MAGIC);
    expect(v.getUint32(4, true)).toBe(abi.PROGRAM_FORMAT);
    expect(v.getUint32(8, true)).toBe(2);
    expect(v.getUint32(12, true)).toBe(policy.routes.length);
    const large = abi.PROGRAM_HEADER_SIZE + abi.PROGRAM_MODEL_SIZE;
    expect(v.getUint32(large + abi.PM_CONTEXT_WINDOW, true)).toBe(200000);
    expect(v.getUint32(large + abi.PM_TOKENIZER, true)).toBe(abi.TOKENIZER_ESTIMATE);
    expect(v.getFloat64(large + abi.PM_INPUT_PRICE, true)).toBe(5);
    expect(v.getFloat64(large + abi.PM_CACHED_INPUT_PRICE, true)).toBe(5);
    expect(v.getFloat64(large + abi.PM_OUTPUT_PRICE, true)).toBe(15);
    expect(v.getFloat64(large + abi.PM_CHARS_PER_TOKEN, true)).toBe(4);
  });

  it('interns each compared string once', () => {
    const { strings } = build();
    expect([...strings.keys()].sort()).toEqual(['cheap', 'fast', 'large', 'ops', 'small', 'team']);
    expect(new Set(strings.values()).size).toBe(strings.size);
  });

  it('is deterministic: the same policy lowers to the same bytes', () => {
    expect(Buffer.from(build().program).equals(Buffer.from(build().program))).toBe(true);
  });
});

describe('direct routes', () => {
  it('appends model:<name> after the written routes, so a written route claiming a name wins', () => {
    const compiled = build();
    expect(compiled.policy.routes.map((r) => r.name)).toEqual(['claims-small', 'any', 'model:small', 'model:large']);
    const d = new Decider(compiled);
    const req = { messages: [{ role: 'user', content: 'x' }], maxTokens: null, stream: false };
    expect(d.decide({ ...req, model: 'small', metadata: { team: 'ops' } }).route).toBe('claims-small');
    expect(d.decide({ ...req, model: 'small' }).route).toBe('model:small');
    const large = d.decide({ ...req, model: 'large' });
    expect([large.route, large.candidates[0]!.upstream]).toEqual(['model:large', 'large-2025']);
  });
});
