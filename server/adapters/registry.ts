/** Provider kind -> adapter. The only file that lists the adapters. */
import { anthropicAdapter } from './anthropic/index.js';
import { geminiAdapter } from './gemini/index.js';
import { openaiAdapter } from './openai/index.js';
import type { Adapter } from './types.js';

const ADAPTERS = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
} as const satisfies Record<string, Adapter>;

/** A provider kind a policy may name. */
export type AdapterKind = keyof typeof ADAPTERS;

/** The provider kinds, in a stable order (for schemas and error messages). */
export const ADAPTER_KINDS: readonly AdapterKind[] = Object.freeze(Object.keys(ADAPTERS) as AdapterKind[]);

/** Returns the adapter for a provider kind; throws for a kind no adapter serves (a policy the schema did not check). */
export function getAdapter(kind: AdapterKind): Adapter {
  const adapter = Object.hasOwn(ADAPTERS, kind) ? ADAPTERS[kind] : undefined;
  if (adapter === undefined) {
    throw new Error(`no adapter for provider kind "${String(kind)}"; known kinds: ${ADAPTER_KINDS.join(', ')}`);
  }
  return adapter;
}
