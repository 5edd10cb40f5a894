import { describe, expect, it } from 'vitest';
import { toolChars, toolTokens } from '../../../../engine/src/tool-tokens.js';

/** A counter that makes the formula's arithmetic visible: one token per character. */
const chars = (text: string): number => text.length;

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the weather.',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name.' },
        unit: { type: 'string', enum: ['c', 'f'] },
      },
    },
  },
};

describe('toolTokens (OpenAI cookbook formula)', () => {
  it('adds nothing without tools', () => {
    expect(toolTokens(undefined, 'o200k_base', chars)).toBe(0);
    expect(toolTokens([], 'o200k_base', chars)).toBe(0);
  });

  it('counts function, properties and enum items with the o200k constants', () => {
    const expected = 7 + 'get_weather:Get the weather'.length + 3
      + 3 + 'city:string:City name'.length
      + 3 + -3 + (3 + 1) + (3 + 1) + 'unit:string:'.length
      + 12;
    expect(toolTokens([weather], 'o200k_base', chars)).toBe(expected);
  });

  it('uses the larger function overhead for cl100k models', () => {
    expect(toolTokens([weather], 'cl100k_base', chars) - toolTokens([weather], 'o200k_base', chars)).toBe(3);
  });

  it('measures characters for estimates', () => {
    expect(toolChars([weather])).toBe(JSON.stringify([weather]).length);
  });
});
