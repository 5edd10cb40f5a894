/**
 * Canonical `tools` / `tool_choice` / `parallel_tool_calls` -> Gemini `tools[].functionDeclarations`
 * and `toolConfig.functionCallingConfig` (https://ai.google.dev/api/caching#Tool,
 * https://ai.google.dev/api/caching#FunctionCallingConfig).
 *
 * Modes: `none` -> NONE, `auto` -> AUTO, `required` -> ANY, a named function -> ANY limited to
 * it, `allowed_tools` -> ANY (required) or VALIDATED (auto) limited to its functions. A function
 * with `strict: true` asks for arguments that match its schema: ANY already decodes function
 * calls against their schemas, and for `auto` the mode becomes VALIDATED, AUTO with that same
 * constrained decoding. Gemini cannot promise at most one call per turn, so
 * `parallel_tool_calls: false` is refused.
 */
import { assertExpressible, UnsupportedFeatureError } from '../unsupported.js';
import { toGeminiJsonSchema } from './schema.js';

const PROVIDER = 'gemini';

/** One Gemini function declaration. */
export interface FunctionDeclaration {
  name: string;
  description?: string;
  parametersJsonSchema?: Record<string, unknown>;
}

/** `functionCallingConfig` as Gemini takes it. */
export interface FunctionCallingConfig {
  mode: 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';
  allowedFunctionNames?: string[];
}

/** The request fields this module maps, as the canonical request carries them. */
export interface ToolFields {
  tools?: unknown;
  tool_choice?: unknown;
  parallel_tool_calls?: unknown;
}

/** What the Gemini request gets: declarations (one Tool holds them all) and the calling config, each absent when there is nothing to say. */
export interface GeminiTools {
  tools?: Array<{ functionDeclarations: FunctionDeclaration[] }>;
  toolConfig?: { functionCallingConfig: FunctionCallingConfig };
}

const HANDLED_FUNCTION_FIELDS: ReadonlySet<string> = new Set(['name', 'description', 'parameters', 'strict']);

/** Maps the tool fields of a canonical request; throws `UnsupportedFeatureError` naming the field Gemini cannot take. */
export function toGeminiTools(req: ToolFields): GeminiTools {
  const declared = Array.isArray(req.tools) ? req.tools : [];
  if (req.tools != null && !Array.isArray(req.tools)) throw new UnsupportedFeatureError(PROVIDER, 'tools', 'tools must be an array');
  if (declared.length === 0) {
    // Without tools, only the choices that ask for no call mean anything.
    const choice = req.tool_choice;
    if (choice != null && choice !== 'none' && choice !== 'auto') {
      throw new UnsupportedFeatureError(PROVIDER, 'tool_choice', 'a tool_choice that asks for a call needs tools');
    }
    return {};
  }
  if (req.parallel_tool_calls === false) {
    throw new UnsupportedFeatureError(PROVIDER, 'parallel_tool_calls', 'Gemini may answer with several function calls in one turn and has no switch to prevent it');
  }
  let strict = false;
  const declarations = declared.map((tool, i) => {
    const { declaration, isStrict } = declarationOf(tool, i);
    strict ||= isStrict;
    return declaration;
  });
  const result: GeminiTools = { tools: [{ functionDeclarations: declarations }] };
  const config = callingConfigOf(req.tool_choice, strict);
  if (config !== null) result.toolConfig = { functionCallingConfig: config };
  return result;
}

function declarationOf(tool: unknown, i: number): { declaration: FunctionDeclaration; isStrict: boolean } {
  const t = (tool ?? {}) as { type?: unknown; function?: unknown };
  if (t.type !== 'function') throw new UnsupportedFeatureError(PROVIDER, `tools[${i}].type`, `${String(t.type)} tools`);
  const fn = t.function as Record<string, unknown> | null | undefined;
  if (fn === null || typeof fn !== 'object' || typeof fn.name !== 'string' || fn.name === '') {
    throw new UnsupportedFeatureError(PROVIDER, `tools[${i}].function.name`, 'a function needs a name');
  }
  assertExpressible(PROVIDER, fn, HANDLED_FUNCTION_FIELDS, `tools[${i}].function.`);
  const declaration: FunctionDeclaration = { name: fn.name };
  if (typeof fn.description === 'string') declaration.description = fn.description;
  const parameters = fn.parameters;
  // A function without parameters (or with an empty schema) leaves the field unset, as Gemini documents.
  if (parameters != null && !(typeof parameters === 'object' && Object.keys(parameters).length === 0)) {
    declaration.parametersJsonSchema = toGeminiJsonSchema(parameters, `tools[${i}].function.parameters`);
  }
  return { declaration, isStrict: fn.strict === true };
}

function callingConfigOf(choice: unknown, strict: boolean): FunctionCallingConfig | null {
  if (choice == null || choice === 'auto') return strict ? { mode: 'VALIDATED' } : null;
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  const c = choice as { type?: unknown; function?: { name?: unknown }; allowed_tools?: unknown };
  if (c.type === 'function' && typeof c.function?.name === 'string') {
    return { mode: 'ANY', allowedFunctionNames: [c.function.name] };
  }
  if (c.type === 'allowed_tools') {
    const allowed = (c.allowed_tools ?? {}) as { mode?: unknown; tools?: unknown };
    if (allowed.mode !== 'auto' && allowed.mode !== 'required') {
      throw new UnsupportedFeatureError(PROVIDER, 'tool_choice.allowed_tools.mode', `mode ${String(allowed.mode)}`);
    }
    const names = Array.isArray(allowed.tools)
      ? allowed.tools.map((tool, i) => {
          const t = tool as { type?: unknown; function?: { name?: unknown } } | null;
          if (t?.type !== 'function' || typeof t.function?.name !== 'string') {
            throw new UnsupportedFeatureError(PROVIDER, `tool_choice.allowed_tools.tools[${i}]`, 'only function tools can be allowed');
          }
          return t.function.name;
        })
      : [];
    if (names.length === 0) throw new UnsupportedFeatureError(PROVIDER, 'tool_choice.allowed_tools.tools', 'no functions allowed');
    return { mode: allowed.mode === 'required' ? 'ANY' : 'VALIDATED', allowedFunctionNames: names };
  }
  throw new UnsupportedFeatureError(PROVIDER, 'tool_choice', `tool_choice ${JSON.stringify(choice)}`);
}
