/**
 * Tokens of OpenAI tool (function) definitions, by the formula OpenAI's cookbook gives in
 * "How to count tokens with tiktoken" (num_tokens_for_tools): a fixed cost per function, per
 * property and per enum item, plus the encoded `name:description` and `name:type:description`
 * lines. The cookbook calls its result an estimate that matches the API for gpt-4o and gpt-4.
 */

type Count = (text: string) => number;

interface ToolConstants { funcInit: number; propInit: number; propKey: number; enumInit: number; enumItem: number; funcEnd: number }

/** The cookbook's constants: o200k_base models (gpt-4o family) and cl100k_base (gpt-4, 3.5). */
export const TOOL_CONSTANTS: Record<'o200k_base' | 'cl100k_base', ToolConstants> = {
  o200k_base: { funcInit: 7, propInit: 3, propKey: 3, enumInit: -3, enumItem: 3, funcEnd: 12 },
  cl100k_base: { funcInit: 10, propInit: 3, propKey: 3, enumInit: -3, enumItem: 3, funcEnd: 12 },
};

const withoutFinalPeriod = (s: string): string => (s.endsWith('.') ? s.slice(0, -1) : s);

/** Tokens the `tools` of a chat request add to its prompt under `encoding`; 0 when there are none. */
export function toolTokens(tools: readonly unknown[] | undefined, encoding: 'o200k_base' | 'cl100k_base', count: Count): number {
  if (!tools || tools.length === 0) return 0;
  const k = TOOL_CONSTANTS[encoding];
  let total = 0;
  for (const tool of tools) {
    const fn = (tool as { function?: { name?: unknown; description?: unknown; parameters?: { properties?: Record<string, { type?: unknown; description?: unknown; enum?: unknown[] }> } } }).function;
    if (!fn) continue;
    total += k.funcInit;
    total += count(`${String(fn.name ?? '')}:${withoutFinalPeriod(String(fn.description ?? ''))}`);
    const properties = fn.parameters?.properties;
    if (properties && Object.keys(properties).length > 0) {
      total += k.propInit;
      for (const [key, prop] of Object.entries(properties)) {
        total += k.propKey;
        if (Array.isArray(prop.enum)) {
          total += k.enumInit;
          for (const item of prop.enum) total += k.enumItem + count(String(item));
        }
        total += count(`${key}:${String(prop.type ?? '')}:${withoutFinalPeriod(String(prop.description ?? ''))}`);
      }
    }
  }
  return total + k.funcEnd;
}

/** Characters of the same text, for providers whose tokens are estimated from characters. */
export function toolChars(tools: readonly unknown[] | undefined): number {
  if (!tools || tools.length === 0) return 0;
  return [...JSON.stringify(tools)].length;
}
