import { describe, expect, it } from 'vitest';
import { mapMessages, type MappedMessages, UNSIGNED_CALL_SIGNATURE } from '../../../../../server/adapters/gemini/messages.js';
import type { ChatMessage } from '../../../../../server/adapters/types.js';
import { UnsupportedFeatureError } from '../../../../../server/adapters/unsupported.js';

const call = (id: string, name: string, args: string, extra?: Record<string, unknown>) => ({
  id,
  type: 'function',
  function: { name, arguments: args },
  ...(extra ? { extra_content: extra } : {}),
});

describe('gemini mapMessages', () => {
  it.each<[string, ChatMessage[], MappedMessages]>([
    [
      'system and developer messages are hoisted, assistant becomes model',
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'developer', content: [{ type: 'text', text: 'In French.' }] },
        { role: 'user', content: 'Thanks' },
      ],
      {
        systemInstruction: { parts: [{ text: 'Be brief.\n\nIn French.' }] },
        contents: [
          { role: 'user', parts: [{ text: 'Hello' }] },
          { role: 'model', parts: [{ text: 'Hi!' }] },
          { role: 'user', parts: [{ text: 'Thanks' }] },
        ],
      },
    ],
    [
      'consecutive same-role messages share one content',
      [
        { role: 'user', content: 'one' },
        { role: 'user', content: [{ type: 'text', text: 'two' }, { type: 'text', text: 'three' }] },
      ],
      { systemInstruction: null, contents: [{ role: 'user', parts: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] }] },
    ],
    [
      'a tool round trip: calls with their signature, responses named after their call',
      [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            call('c1', 'get_weather', '{"city":"Paris"}', { google: { thought_signature: 'sig-1' } }),
            call('c2', 'get_weather', '{"city":"Rome"}'),
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: '{"temp":21}' },
        { role: 'tool', tool_call_id: 'c2', content: 'sunny' },
      ],
      {
        systemInstruction: null,
        contents: [
          { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
          {
            role: 'model',
            parts: [
              { functionCall: { id: 'c1', name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'sig-1' },
              { functionCall: { id: 'c2', name: 'get_weather', args: { city: 'Rome' } } },
            ],
          },
          {
            role: 'user',
            parts: [
              { functionResponse: { id: 'c1', name: 'get_weather', response: { temp: 21 } } },
              { functionResponse: { id: 'c2', name: 'get_weather', response: { output: 'sunny' } } },
            ],
          },
        ],
      },
    ],
    [
      'calls no model signed get the placeholder on the first; text before calls stays first; empty arguments are {}',
      [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: 'Looking.', tool_calls: [call('a', 'f', ''), call('b', 'g', '{}')] },
        { role: 'tool', tool_call_id: 'a', content: [{ type: 'text', text: '[1,2]' }] },
        { role: 'tool', tool_call_id: 'b', content: '' },
      ],
      {
        systemInstruction: null,
        contents: [
          { role: 'user', parts: [{ text: 'go' }] },
          {
            role: 'model',
            parts: [
              { text: 'Looking.' },
              { functionCall: { id: 'a', name: 'f', args: {} }, thoughtSignature: UNSIGNED_CALL_SIGNATURE },
              { functionCall: { id: 'b', name: 'g', args: {} } },
            ],
          },
          {
            role: 'user',
            parts: [
              { functionResponse: { id: 'a', name: 'f', response: { output: '[1,2]' } } },
              { functionResponse: { id: 'b', name: 'g', response: { output: '' } } },
            ],
          },
        ],
      },
    ],
    [
      'images and audio in user messages',
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?size=2' } },
            { type: 'input_audio', input_audio: { data: 'UklG', format: 'wav' } },
          ],
        },
      ],
      {
        systemInstruction: null,
        contents: [
          {
            role: 'user',
            parts: [
              { text: 'What is this?' },
              { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?size=2' } },
              { inlineData: { mimeType: 'audio/wav', data: 'UklG' } },
            ],
          },
        ],
      },
    ],
    [
      'fields an echoed OpenAI message carries empty are no-ops',
      [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: 'y', refusal: null, annotations: [], tool_calls: [] },
      ],
      { systemInstruction: null, contents: [{ role: 'user', parts: [{ text: 'x' }] }, { role: 'model', parts: [{ text: 'y' }] }] },
    ],
  ])('%s', (_name, messages, expected) => {
    expect(mapMessages(messages)).toEqual(expected);
  });

  it.each<[string, ChatMessage[], string]>([
    ['a tool message answering no known call', [{ role: 'tool', tool_call_id: 'nope', content: 'r' }], 'messages[0].tool_call_id'],
    [
      'arguments that are not a JSON object',
      [{ role: 'assistant', content: null, tool_calls: [call('a', 'f', '[1]')] }],
      'messages[0].tool_calls[0].function.arguments',
    ],
    ['arguments that are not JSON', [{ role: 'assistant', content: null, tool_calls: [call('a', 'f', '{x')] }], 'messages[0].tool_calls[0].function.arguments'],
    ['a tool call without an id', [{ role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }], 'messages[0].tool_calls[0].id'],
    ['a custom tool call', [{ role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'custom', custom: { name: 'f', input: 'x' } }] }], 'messages[0].tool_calls[0].custom'],
    ['an image in a system message', [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }], 'messages[0].content[0]'],
    ['a refusal part in an assistant message', [{ role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] }], 'messages[0].content[0]'],
    ['an assistant refusal', [{ role: 'assistant', content: null, refusal: 'no' }], 'messages[0].refusal'],
    ['an assistant audio reference', [{ role: 'assistant', content: null, audio: { id: 'a1' } }], 'messages[0].audio'],
  ])('refuses %s, naming the field', (_name, messages, param) => {
    let thrown: unknown;
    try {
      mapMessages(messages);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsupportedFeatureError);
    expect((thrown as UnsupportedFeatureError).param).toBe(param);
  });
});
