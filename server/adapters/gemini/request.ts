/**
 * Canonical (OpenAI chat) request -> Gemini generateContent request
 * (https://ai.google.dev/api/generate-content). Messages map in messages.ts, media in media.ts,
 * tools in tools.ts, JSON Schemas in schema.ts; this module maps the rest:
 *
 * - max_tokens / max_completion_tokens -> maxOutputTokens; temperature, top_p, stop,
 *   presence_penalty, frequency_penalty, seed -> their generationConfig namesakes;
 *   n -> candidateCount;
 * - logprobs -> responseLogprobs, top_logprobs -> logprobs (the response maps them back);
 * - response_format json_object -> responseMimeType application/json; json_schema -> that
 *   plus responseJsonSchema (Gemini's JSON Schema field: it takes $ref/$defs, which the older
 *   OpenAPI-subset responseSchema does not); the format's `name` is an identifier for the
 *   client and is not sent;
 * - image `detail` -> mediaResolution (media.ts).
 *
 * `user` is deliberately not forwarded: it is an end-user id OpenAI uses for abuse monitoring,
 * Gemini has no such field, and leaving it out changes no answer. `metadata` is the gateway's
 * own and is consumed for routing. Every other field this mapping cannot express is refused
 * with `UnsupportedFeatureError`, never dropped.
 */
import type { ChatRequest, UpstreamHttpRequest, UpstreamTarget } from '../types.js';
import { assertExpressible, UnsupportedFeatureError } from '../unsupported.js';
import { mediaResolutionOf } from './media.js';
import { mapMessages } from './messages.js';
import { toGeminiJsonSchema } from './schema.js';
import { toGeminiTools } from './tools.js';

const PROVIDER = 'gemini';

/** The API version path this mapping was written against. */
export const GEMINI_API_VERSION = 'v1beta';

const HANDLED_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'stream',
  // Gemini streams always report usageMetadata, so the option needs no translation.
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'n',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'logprobs',
  'top_logprobs',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'user',
  'metadata',
]);

const HANDLED_JSON_SCHEMA_FIELDS: ReadonlySet<string> = new Set(['name', 'schema', 'strict']);

/** Builds `POST {baseUrl}/v1beta/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse` when `req.stream`. */
export function toRequest(req: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest {
  assertExpressible(PROVIDER, req, HANDLED_FIELDS);
  const { systemInstruction, contents } = mapMessages(req.messages);
  const body: Record<string, unknown> = { contents };
  if (systemInstruction !== null) body.systemInstruction = systemInstruction;
  const { tools, toolConfig } = toGeminiTools({ tools: req.tools, tool_choice: req.tool_choice, parallel_tool_calls: req.parallel_tool_calls });
  if (tools !== undefined) body.tools = tools;
  if (toolConfig !== undefined) body.toolConfig = toolConfig;
  const generationConfig = generationConfigOf(req);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  const method = req.stream === true ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return {
    url: `${target.baseUrl}/${GEMINI_API_VERSION}/models/${encodeURIComponent(target.upstreamModel)}:${method}`,
    headers: {
      'x-goog-api-key': target.apiKey,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  };
}

function generationConfigOf(req: ChatRequest): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const maxTokens = req.max_tokens ?? req.max_completion_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (req.temperature != null) config.temperature = req.temperature;
  if (req.top_p != null) config.topP = req.top_p;
  if (req.stop != null) config.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.presence_penalty != null) config.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty != null) config.frequencyPenalty = req.frequency_penalty;
  if (req.seed != null) config.seed = req.seed;
  if (req.n != null && req.n !== 1) config.candidateCount = req.n;
  Object.assign(config, logprobsConfigOf(req.logprobs, req.top_logprobs));
  Object.assign(config, responseFormatConfigOf(req.response_format));
  const mediaResolution = mediaResolutionOf(req.messages);
  if (mediaResolution !== null) config.mediaResolution = mediaResolution;
  return config;
}

function logprobsConfigOf(logprobs: unknown, topLogprobs: unknown): Record<string, unknown> {
  const top = typeof topLogprobs === 'number' ? topLogprobs : 0;
  if (logprobs !== true) {
    // OpenAI refuses top_logprobs without logprobs; there is nothing to ask Gemini for either.
    if (top > 0) throw new UnsupportedFeatureError(PROVIDER, 'top_logprobs', 'top_logprobs needs logprobs: true');
    return {};
  }
  return top > 0 ? { responseLogprobs: true, logprobs: top } : { responseLogprobs: true };
}

function responseFormatConfigOf(format: unknown): Record<string, unknown> {
  if (format == null) return {};
  const f = format as { type?: unknown; json_schema?: unknown };
  switch (f.type) {
    case 'text':
      return {};
    case 'json_object':
      return { responseMimeType: 'application/json' };
    case 'json_schema': {
      const spec = (f.json_schema ?? {}) as Record<string, unknown>;
      assertExpressible(PROVIDER, spec, HANDLED_JSON_SCHEMA_FIELDS, 'response_format.json_schema.');
      if (spec.schema == null) return { responseMimeType: 'application/json' };
      return {
        responseMimeType: 'application/json',
        responseJsonSchema: toGeminiJsonSchema(spec.schema, 'response_format.json_schema.schema'),
      };
    }
    default:
      throw new UnsupportedFeatureError(PROVIDER, 'response_format.type', `response_format ${String(f.type)}`);
  }
}
