import { describe, expect, it } from 'vitest';
import { toGeminiJsonSchema } from '../../../../../server/adapters/gemini/schema.js';
import { UnsupportedFeatureError } from '../../../../../server/adapters/unsupported.js';

const P = 'tools[0].function.parameters';

describe('gemini toGeminiJsonSchema', () => {
  it.each<[string, unknown, unknown]>([
    [
      'an object schema with every keyword Gemini enforces',
      {
        type: 'object',
        title: 'Order',
        description: 'An order',
        properties: {
          id: { type: 'string', format: 'uuid' },
          qty: { type: 'integer', minimum: 1, maximum: 9 },
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, minItems: 0, maxItems: 3 },
          pair: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }] },
          note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          kind: { oneOf: [{ $ref: '#/$defs/Kind' }] },
          extra: { type: 'object', additionalProperties: { type: 'number' } },
          maybe: { type: ['string', 'null'] },
        },
        required: ['id'],
        additionalProperties: false,
        propertyOrdering: ['id', 'qty'],
        $defs: { Kind: { type: 'string', enum: [1, 2] } },
      },
      'same',
    ],
    [
      'annotations pass through',
      { $schema: 'https://json-schema.org/draft/2020-12/schema', $comment: 'c', type: 'string', default: 'x', examples: ['y'], deprecated: false, readOnly: true, writeOnly: false },
      'same',
    ],
    ['$ref with only $ keywords beside it', { $ref: '#/$defs/A', $comment: 'c', $defs: { A: { type: 'string' } } }, 'same'],
    ['const of a string becomes a one-value enum', { type: 'object', properties: { k: { const: 'v' }, n: { const: 3 } } }, { type: 'object', properties: { k: { enum: ['v'] }, n: { enum: [3] } } }],
    ['a property named like a keyword is a name, not a keyword', { type: 'object', properties: { pattern: { type: 'string' }, const: { type: 'number' } } }, 'same'],
  ])('%s', (_name, schema, expected) => {
    expect(toGeminiJsonSchema(schema, P)).toEqual(expected === 'same' ? schema : expected);
  });

  it.each<[string, unknown, string]>([
    ['pattern', { type: 'string', pattern: '^a' }, `${P}.pattern`],
    ['minLength deep inside', { type: 'object', properties: { a: { type: 'array', items: { type: 'string', minLength: 2 } } } }, `${P}.properties.a.items.minLength`],
    ['allOf', { allOf: [{ type: 'string' }] }, `${P}.allOf`],
    ['exclusiveMinimum', { type: 'number', exclusiveMinimum: 0 }, `${P}.exclusiveMinimum`],
    ['not', { not: { type: 'null' } }, `${P}.not`],
    ['definitions (the pre-2019 spelling of $defs)', { definitions: { A: { type: 'string' } } }, `${P}.definitions`],
    ['a boolean enum', { enum: [true, false] }, `${P}.enum`],
    ['const of a boolean', { const: true }, `${P}.const`],
    ['const beside enum', { const: 'a', enum: ['a'] }, `${P}.const`],
    ['$ref with a description beside it', { type: 'object', properties: { a: { $ref: '#/$defs/A', description: 'x' } } }, `${P}.properties.a.description`],
    ['an unknown type', { type: 'date' }, `${P}.type`],
    ['a schema that is not an object', { type: 'object', properties: { a: true } }, `${P}.properties.a`],
    ['anyOf that is not a list', { anyOf: { type: 'string' } }, `${P}.anyOf`],
    ['a prefixItems member with a bad keyword', { prefixItems: [{ type: 'string' }, { uniqueItems: true }] }, `${P}.prefixItems[1].uniqueItems`],
  ])('refuses %s, naming its path', (_name, schema, param) => {
    let thrown: unknown;
    try {
      toGeminiJsonSchema(schema, P);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsupportedFeatureError);
    expect((thrown as UnsupportedFeatureError).param).toBe(param);
  });
});
