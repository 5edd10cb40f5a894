/**
 * OpenAI JSON Schemas (function parameters, `response_format.json_schema.schema`) -> the JSON
 * Schema Gemini takes in `parametersJsonSchema` and `generationConfig.responseJsonSchema`.
 *
 * Those fields take JSON Schema as is, but Gemini enforces only the keywords it lists
 * (https://ai.google.dev/api/generate-content#FIELDS.response_json_schema): `$id`, `$defs`,
 * `$ref`, `$anchor`, `type`, `format`, `title`, `description`, `enum` (strings and numbers),
 * `items`, `prefixItems`, `minItems`, `maxItems`, `minimum`, `maximum`, `anyOf`, `oneOf`,
 * `properties`, `additionalProperties`, `required`, and its own `propertyOrdering`; a sub-schema
 * with `$ref` may carry nothing else but `$` keywords. Sending any other validation keyword
 * (`pattern`, `minLength`, `const`, `allOf`, ...) would let Gemini ignore a constraint the
 * client relies on, so it is refused, naming its path. `const` of a string or number is the
 * one-value `enum`, so it is rewritten as that. Annotations that constrain nothing (`$schema`,
 * `$comment`, `default`, `examples`, `deprecated`, `readOnly`, `writeOnly`) pass through.
 */
import { UnsupportedFeatureError } from '../unsupported.js';

const PROVIDER = 'gemini';

type Schema = Record<string, unknown>;

/** How each keyword Gemini reads is checked and copied. */
type KeywordRule = 'plain' | 'schema' | 'schema-map' | 'schema-list' | 'enum' | 'type' | 'strings' | 'schema-or-boolean';

const KEYWORDS: Readonly<Record<string, KeywordRule>> = {
  $id: 'plain',
  $ref: 'plain',
  $anchor: 'plain',
  $schema: 'plain',
  $comment: 'plain',
  $defs: 'schema-map',
  type: 'type',
  format: 'plain',
  title: 'plain',
  description: 'plain',
  default: 'plain',
  examples: 'plain',
  deprecated: 'plain',
  readOnly: 'plain',
  writeOnly: 'plain',
  enum: 'enum',
  items: 'schema',
  prefixItems: 'schema-list',
  minItems: 'plain',
  maxItems: 'plain',
  minimum: 'plain',
  maximum: 'plain',
  anyOf: 'schema-list',
  oneOf: 'schema-list',
  properties: 'schema-map',
  additionalProperties: 'schema-or-boolean',
  required: 'strings',
  propertyOrdering: 'strings',
};

const JSON_TYPES: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);

/**
 * Returns the schema Gemini is sent for `schema`, a copy (the request is never modified); throws
 * `UnsupportedFeatureError` naming the first keyword Gemini would not enforce, as a path under
 * `param` (`tools[0].function.parameters.properties.city.pattern`).
 */
export function toGeminiJsonSchema(schema: unknown, param: string): Schema {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new UnsupportedFeatureError(PROVIDER, param, 'a schema must be a JSON object');
  }
  const source = schema as Schema;
  const out: Schema = {};
  const hasRef = source.$ref !== undefined;
  for (const key of Object.keys(source)) {
    const value = source[key];
    const at = `${param}.${key}`;
    if (key === 'const') {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new UnsupportedFeatureError(PROVIDER, at, 'Gemini enforces only string and number enums');
      }
      if (source.enum !== undefined) throw new UnsupportedFeatureError(PROVIDER, at, 'const beside enum');
      out.enum = [value];
      continue;
    }
    const rule = KEYWORDS[key];
    if (rule === undefined) throw new UnsupportedFeatureError(PROVIDER, at, `Gemini does not enforce the JSON Schema keyword ${key}`);
    if (hasRef && !key.startsWith('$')) {
      throw new UnsupportedFeatureError(PROVIDER, at, 'Gemini allows only $ keywords beside $ref');
    }
    out[key] = copyKeyword(rule, value, at);
  }
  return out;
}

function copyKeyword(rule: KeywordRule, value: unknown, at: string): unknown {
  switch (rule) {
    case 'plain':
      return value;
    case 'schema':
      return toGeminiJsonSchema(value, at);
    case 'schema-or-boolean':
      return typeof value === 'boolean' ? value : toGeminiJsonSchema(value, at);
    case 'schema-map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new UnsupportedFeatureError(PROVIDER, at, 'must be an object of schemas');
      }
      const out: Schema = {};
      for (const [name, sub] of Object.entries(value)) out[name] = toGeminiJsonSchema(sub, `${at}.${name}`);
      return out;
    }
    case 'schema-list':
      if (!Array.isArray(value)) throw new UnsupportedFeatureError(PROVIDER, at, 'must be an array of schemas');
      return value.map((sub, i) => toGeminiJsonSchema(sub, `${at}[${i}]`));
    case 'enum':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' || typeof v === 'number')) {
        throw new UnsupportedFeatureError(PROVIDER, at, 'Gemini enforces only enums of strings and numbers');
      }
      return value;
    case 'type': {
      const types = Array.isArray(value) ? value : [value];
      if (types.length === 0 || !types.every((t) => typeof t === 'string' && JSON_TYPES.has(t))) {
        throw new UnsupportedFeatureError(PROVIDER, at, 'not a JSON Schema type');
      }
      return value;
    }
    case 'strings':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        throw new UnsupportedFeatureError(PROVIDER, at, 'must be an array of strings');
      }
      return value;
  }
}
