/**
 * Canonical tool definitions and tool choice -> Anthropic's `tools` and `tool_choice`
 * (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use).
 */
import { assertExpressible, UnsupportedFeatureError } from '../unsupported.js';
import { isRecord, PROVIDER } from './content.js';

export interface AnthropicTool {
  name: unknown;
  description?: unknown;
  input_schema: unknown;
  strict?: true;
  cache_control?: unknown;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: true }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: true }
  | { type: 'none' };

// `cache_control` as on content parts: an Anthropic caching breakpoint some clients set.
const TOOL_FIELDS: ReadonlySet<string> = new Set(['type', 'function', 'cache_control']);
const FUNCTION_FIELDS: ReadonlySet<string> = new Set(['name', 'description', 'parameters', 'strict']);

// OpenAI lets a function without parameters stand for one that takes none; Anthropic requires
// an object schema.
const NO_PARAMETERS = Object.freeze({ type: 'object', properties: {} });

/** Returns Anthropic tools for the canonical `tools` (function tools only); empty when there are none. */
export function toolsOf(tools: unknown): AnthropicTool[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw new UnsupportedFeatureError(PROVIDER, 'tools', 'expected an array of function tools');
  return tools.map((tool: unknown, i) => {
    const where = `tools[${i}]`;
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) {
      throw new UnsupportedFeatureError(PROVIDER, where, `${String(isRecord(tool) ? tool.type : tool)} tools`);
    }
    assertExpressible(PROVIDER, tool, TOOL_FIELDS, `${where}.`);
    const fn = tool.function;
    assertExpressible(PROVIDER, fn, FUNCTION_FIELDS, `${where}.function.`);
    const mapped: AnthropicTool = { name: fn.name, input_schema: fn.parameters ?? NO_PARAMETERS };
    if (fn.description != null) mapped.description = fn.description;
    // Both mean: the call's arguments always validate against the schema.
    if (fn.strict === true) mapped.strict = true;
    if (tool.cache_control != null) mapped.cache_control = tool.cache_control;
    return mapped;
  });
}

/**
 * Returns Anthropic's `tool_choice` for OpenAI's `tool_choice` and `parallel_tool_calls`, or null
 * to leave it unset: auto -> auto, none -> none, required -> any, a named function -> tool.
 * `parallel_tool_calls: false` becomes `disable_parallel_tool_use` (on `auto` when no choice
 * was given). Without tools, `auto`, `none` and `parallel_tool_calls` ask for nothing; a forced
 * choice is sent anyway, and Anthropic refuses it as OpenAI would.
 */
export function toolChoiceOf(choice: unknown, parallelToolCalls: unknown, hasTools: boolean): AnthropicToolChoice | null {
  const single = parallelToolCalls === false && hasTools;
  let mapped: AnthropicToolChoice;
  if (choice === undefined || choice === null) {
    if (!single) return null;
    mapped = { type: 'auto' };
  } else if (choice === 'auto' || choice === 'none') {
    if (!hasTools) return null;
    mapped = { type: choice };
  } else if (choice === 'required') {
    mapped = { type: 'any' };
  } else if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    mapped = { type: 'tool', name: choice.function.name };
  } else {
    const kind = isRecord(choice) ? `${String(choice.type)} choices` : `"${String(choice)}"`;
    throw new UnsupportedFeatureError(PROVIDER, 'tool_choice', kind);
  }
  // With tool use off there is nothing to run in parallel; `none` takes no other field.
  if (single && mapped.type !== 'none') mapped.disable_parallel_tool_use = true;
  return mapped;
}
