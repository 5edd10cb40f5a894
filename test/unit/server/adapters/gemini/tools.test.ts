import { describe, expect, it } from 'vitest';
import { type GeminiTools, type ToolFields, toGeminiTools } from '../../../../../server/adapters/gemini/tools.js';
import { UnsupportedFeatureError } from '../../../../../server/adapters/unsupported.js';

const params = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const fn = (name: string, extra: Record<string, unknown> = {}) => ({ type: 'function', function: { name, ...extra } });
const weather = fn('get_weather', { description: 'Weather now', parameters: params });
const time = fn('get_time');
const declarations = [{ name: 'get_weather', description: 'Weather now', parametersJsonSchema: params }, { name: 'get_time' }];

describe('gemini toGeminiTools', () => {
  it.each<[string, ToolFields, GeminiTools]>([
    ['no tools', {}, {}],
    ['no tools, tool_choice none', { tool_choice: 'none' }, {}],
    ['an empty tools list', { tools: [], tool_choice: 'auto' }, {}],
    ['tools, default choice', { tools: [weather, time] }, { tools: [{ functionDeclarations: declarations }] }],
    ['an empty parameters schema is no parameters', { tools: [fn('f', { parameters: {} })] }, { tools: [{ functionDeclarations: [{ name: 'f' }] }] }],
    ['auto', { tools: [weather, time], tool_choice: 'auto', parallel_tool_calls: true }, { tools: [{ functionDeclarations: declarations }] }],
    ['none', { tools: [weather, time], tool_choice: 'none' }, { tools: [{ functionDeclarations: declarations }], toolConfig: { functionCallingConfig: { mode: 'NONE' } } }],
    ['required', { tools: [weather, time], tool_choice: 'required' }, { tools: [{ functionDeclarations: declarations }], toolConfig: { functionCallingConfig: { mode: 'ANY' } } }],
    [
      'a named function',
      { tools: [weather, time], tool_choice: { type: 'function', function: { name: 'get_time' } } },
      { tools: [{ functionDeclarations: declarations }], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } } },
    ],
    [
      'allowed_tools, required',
      { tools: [weather, time], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'get_weather' } }] } } },
      { tools: [{ functionDeclarations: declarations }], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } } },
    ],
    [
      'allowed_tools, auto',
      { tools: [weather, time], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'get_weather' } }] } } },
      { tools: [{ functionDeclarations: declarations }], toolConfig: { functionCallingConfig: { mode: 'VALIDATED', allowedFunctionNames: ['get_weather'] } } },
    ],
    [
      'a strict function with auto validates calls',
      { tools: [fn('f', { parameters: params, strict: true })] },
      { tools: [{ functionDeclarations: [{ name: 'f', parametersJsonSchema: params }] }], toolConfig: { functionCallingConfig: { mode: 'VALIDATED' } } },
    ],
    [
      'a strict function with required stays ANY',
      { tools: [fn('f', { parameters: params, strict: true })], tool_choice: 'required' },
      { tools: [{ functionDeclarations: [{ name: 'f', parametersJsonSchema: params }] }], toolConfig: { functionCallingConfig: { mode: 'ANY' } } },
    ],
  ])('%s', (_name, fields, expected) => {
    expect(toGeminiTools(fields)).toEqual(expected);
  });

  it.each<[string, ToolFields, string]>([
    ['a non-function tool', { tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0].type'],
    ['a function without a name', { tools: [weather, { type: 'function', function: {} }] }, 'tools[1].function.name'],
    ['an unknown function field', { tools: [fn('f', { examples: [] as unknown[], returns: {} })] }, 'tools[0].function.returns'],
    ['a parameter keyword Gemini does not enforce', { tools: [fn('f', { parameters: { type: 'object', properties: { a: { type: 'string', maxLength: 3 } } } })] }, 'tools[0].function.parameters.properties.a.maxLength'],
    ['parallel_tool_calls false', { tools: [weather], parallel_tool_calls: false }, 'parallel_tool_calls'],
    ['required without tools', { tool_choice: 'required' }, 'tool_choice'],
    ['an unknown tool_choice', { tools: [weather], tool_choice: 'sometimes' }, 'tool_choice'],
    ['allowed_tools with a custom tool', { tools: [weather], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'custom', custom: { name: 'x' } }] } } }, 'tool_choice.allowed_tools.tools[0]'],
    ['allowed_tools with an unknown mode', { tools: [weather], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'none', tools: [] } } }, 'tool_choice.allowed_tools.mode'],
  ])('refuses %s, naming the field', (_name, fields, param) => {
    let thrown: unknown;
    try {
      toGeminiTools(fields);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsupportedFeatureError);
    expect((thrown as UnsupportedFeatureError).param).toBe(param);
  });
});
