import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../../server/errors.js';
import { TOOL_ERROR_PREFIX, toChatRequest } from '../../../../../server/ingress/anthropic/request.js';

const base = { model: 'claude-haiku-4-5', max_tokens: 100 };

function refusal(body: unknown): GatewayError {
  try {
    toChatRequest(body);
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError');
}

describe('toChatRequest: Anthropic Messages request -> canonical chat request', () => {
  it('maps the plain fields: max_tokens, system, stop_sequences, temperature, top_p, stream, metadata.user_id', () => {
    const out = toChatRequest({
      ...base, system: 'Be brief.', stop_sequences: ['END'], temperature: 0.5, top_p: 0.9, stream: true,
      metadata: { user_id: 'u-1' }, messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(out).toEqual({
      model: 'claude-haiku-4-5', max_completion_tokens: 100, stream: true, temperature: 0.5, top_p: 0.9, stop: ['END'], user: 'u-1',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }],
    });
  });

  it('keeps system text blocks as text parts and metadata keys other than user_id as routing metadata', () => {
    const out = toChatRequest({
      ...base, system: [{ type: 'text', text: 'One.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Two.' }],
      metadata: { user_id: 'u', team: 'research' }, messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(out.messages[0]).toEqual({ role: 'system', content: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }] });
    expect(out.metadata).toEqual({ team: 'research' });
    expect(out.user).toBe('u');
  });

  it('maps text and image blocks (base64 as a data URL, url as is)', () => {
    const out = toChatRequest({
      ...base,
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      }],
    });
    expect(out.messages).toEqual([{
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ],
    }]);
  });

  it('maps a tool round trip: tool_use as tool_calls, tool_result as tool messages before the rest of the user turn', () => {
    const out = toChatRequest({
      ...base,
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: 'Weather in Oslo and Bergen?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Bergen' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '12 C' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'rain' }], is_error: true },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
    });
    expect(out.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]);
    expect(out.tool_choice).toBe('auto');
    expect(out.parallel_tool_calls).toBe(false);
    expect(out.messages.slice(1)).toEqual([
      {
        role: 'assistant', content: 'Checking.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Bergen"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '12 C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: TOOL_ERROR_PREFIX.trimEnd() }, { type: 'text', text: 'rain' }] },
      { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
    ]);
  });

  it('a user turn of tool results only adds no empty user message; an assistant turn of tool calls only has null content', () => {
    const out = toChatRequest({
      ...base,
      messages: [
        { role: 'user', content: 'Go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', is_error: true }] },
      ],
    });
    expect(out.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't', content: TOOL_ERROR_PREFIX },
    ]);
  });

  it.each([
    [{ type: 'any' }, { tool_choice: 'required' }],
    [{ type: 'none' }, { tool_choice: 'none' }],
    [{ type: 'tool', name: 'f' }, { tool_choice: { type: 'function', function: { name: 'f' } } }],
  ])('maps tool_choice %j', (choice, expected) => {
    const out = toChatRequest({ ...base, tool_choice: choice, messages: [{ role: 'user', content: 'x' }] });
    expect({ tool_choice: out.tool_choice }).toEqual(expected);
    expect(out.parallel_tool_calls).toBeUndefined();
  });

  it('takes no-op values of fields it cannot carry', () => {
    expect(() => toChatRequest({ ...base, thinking: { type: 'disabled' }, service_tier: 'auto', messages: [{ role: 'user', content: 'x' }] })).not.toThrow();
  });

  it.each([
    [{ ...base, messages: [] }, 'SY_REQUEST_INVALID', 'messages'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'SY_REQUEST_INVALID', 'max_tokens'],
    [{ ...base, max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }, 'SY_REQUEST_INVALID', 'max_tokens'],
    [{ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, 'SY_REQUEST_INVALID', 'model'],
    [{ ...base, messages: [{ role: 'system', content: 'x' }] }, 'SY_REQUEST_INVALID', 'messages[0].role'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'SY_REQUEST_INVALID', 'messages[0].content[0].text'],
    [{ ...base, tool_choice: { type: 'sometimes' }, messages: [{ role: 'user', content: 'x' }] }, 'SY_REQUEST_INVALID', 'tool_choice.type'],
    [{ ...base, tools: [{ name: 'f' }], messages: [{ role: 'user', content: 'x' }] }, 'SY_REQUEST_INVALID', 'tools[0].input_schema'],
    [{ ...base, top_k: 5, messages: [{ role: 'user', content: 'x' }] }, 'SY_REQUEST_UNSUPPORTED', 'top_k'],
    [{ ...base, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'x' }] }, 'SY_REQUEST_UNSUPPORTED', 'thinking'],
    [{ ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [{ role: 'user', content: 'x' }] }, 'SY_REQUEST_UNSUPPORTED', 'tools[0]'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }, 'SY_REQUEST_UNSUPPORTED', 'messages[0].content[0]'],
    [{ ...base, messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'hm' }] }] }, 'SY_REQUEST_UNSUPPORTED', 'messages[0].content[0]'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }, 'SY_REQUEST_UNSUPPORTED', 'messages[0].content[0].source.type'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: {} }] }] }] }, 'SY_REQUEST_UNSUPPORTED', 'messages[0].content[0].content[0]'],
  ])('refuses %j with %s naming %s', (body, code, param) => {
    const err = refusal(body);
    expect([err.code, err.param]).toEqual([code, param]);
  });
});
