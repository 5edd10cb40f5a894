/**
 * The decision's capabilities per provider kind (engine/src/policy/defaults.ts KIND_CAPABILITIES)
 * against the adapters themselves: a kind has a capability exactly when its adapter expresses the
 * request field, so the decision never promises what dispatch would refuse, nor refuses what it
 * could serve.
 */
import { describe, expect, it } from 'vitest';
import { KIND_CAPABILITIES } from '../../../../engine/src/policy/defaults.js';
import type { Capability } from '../../../../engine/src/policy/types.js';
import { ADAPTER_KINDS, getAdapter } from '../../../../server/adapters/registry.js';
import type { ChatRequest } from '../../../../server/adapters/types.js';
import { UnsupportedFeatureError } from '../../../../server/adapters/unsupported.js';

const PNG_1X1 = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hello' }] };

/** The smallest request that needs each capability. */
const NEEDS: Record<Capability, ChatRequest> = {
  tools: { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }] },
  vision: { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: PNG_1X1 } }] }] },
  json_mode: { ...base, response_format: { type: 'json_object' } },
  logprobs: { ...base, logprobs: true, top_logprobs: 2 },
  multiple_choices: { ...base, n: 2 },
};

function expresses(kind: (typeof ADAPTER_KINDS)[number], request: ChatRequest): boolean {
  try {
    getAdapter(kind).toRequest(request, { baseUrl: 'http://127.0.0.1:9', apiKey: 'k', upstreamModel: 'm' });
    return true;
  } catch (e) {
    if (e instanceof UnsupportedFeatureError) return false;
    throw e;
  }
}

describe('capabilities by provider kind match what the adapters express', () => {
  it.each(ADAPTER_KINDS.map((kind) => [kind]))('%s', (kind) => {
    const expressed = (Object.keys(NEEDS) as Capability[]).filter((c) => expresses(kind, NEEDS[c]));
    expect(expressed).toEqual(KIND_CAPABILITIES[kind as keyof typeof KIND_CAPABILITIES]);
  });
});
