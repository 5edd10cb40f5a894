// Embeddings, simulated: OpenAI's POST /v1/embeddings and Gemini's models/{model}:embedContent
// and :batchEmbedContents, with each provider's request checks and error bodies.
// Shapes follow https://platform.openai.com/docs/api-reference/embeddings and
// https://ai.google.dev/api/embeddings.
//
// The vectors are SIMULATED: unit vectors drawn from a PRNG seeded by the model and the text, so
// the same input always gets the same vector and no vector means anything. Like every sim answer
// they go out with `x-simulated: true`. Token counts are the sim's own approximation (reply.ts).
import { geminiError } from './gemini.js';
import { openaiError } from './openai.js';
import { isObject, typeName } from './request-body.js';
import { jsonReply, type Reply } from './wire.js';

/** Vector length per model when the request does not shorten it. */
const DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
  'gemini-embedding-001': 3072,
  'text-embedding-004': 768,
};
const DEFAULT_OPENAI_DIMENSIONS = 1536;
const DEFAULT_GEMINI_DIMENSIONS = 768;

/**
 * Returns the simulated vector of `text` under `model`: the model's full-length vector cut to
 * `dimensions` and scaled to unit length (so a shortened vector is a prefix of the long one, as
 * with the real models), each value rounded to 6 decimals.
 */
export function simulatedVector(model: string, text: string, fullLength: number, dimensions = fullLength): number[] {
  const length = Math.min(dimensions, fullLength);
  const values = new Array<number>(length);
  let state = seedOf(model, text);
  let norm = 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) | 0;
    const v = mulberry32(state) / 0x80000000 - 1;
    values[i] = v;
    norm += v * v;
  }
  const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
  for (let i = 0; i < length; i++) values[i] = Math.round(values[i]! * scale * 1e6) / 1e6;
  return values;
}

/** Returns the sim's token count of one input: ceil(UTF-8 bytes / 4) of a text, the length of a token array. */
export function inputTokens(input: string | readonly number[]): number {
  return typeof input === 'string' ? Math.ceil(Buffer.byteLength(input, 'utf8') / 4) : input.length;
}

/** Returns the answer to POST /v1/embeddings: OpenAI's 400s for invalid input, else the list of vectors. */
export function openaiEmbeddings(body: unknown): Reply {
  if (!isObject(body)) return openaiError(400, 'Invalid type for request body: expected an object.', 'invalid_request_error', null, 'invalid_type');
  const model = body.model;
  if (typeof model !== 'string' || model === '') return openaiError(400, 'you must provide a model parameter', 'invalid_request_error');
  const inputs = openaiInputs(body.input);
  if (inputs === undefined) {
    return openaiError(400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'invalid_request_error');
  }
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    return openaiError(400, `Invalid value for 'encoding_format': expected 'float' or 'base64', got ${JSON.stringify(format)}.`, 'invalid_request_error', 'encoding_format');
  }
  const dimensions = body.dimensions;
  if (dimensions !== undefined && dimensions !== null) {
    if (!model.startsWith('text-embedding-3')) return openaiError(400, 'This model does not support specifying dimensions.', 'invalid_request_error', 'dimensions');
    if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1) {
      return openaiError(400, `Invalid type for 'dimensions': expected a positive integer, but got ${typeName(dimensions)} instead.`, 'invalid_request_error', 'dimensions');
    }
  }
  const full = DIMENSIONS[model] ?? DEFAULT_OPENAI_DIMENSIONS;
  let tokens = 0;
  const data = inputs.map((input, index) => {
    tokens += inputTokens(input);
    const text = typeof input === 'string' ? input : input.join(' ');
    const vector = simulatedVector(model, text, full, typeof dimensions === 'number' ? dimensions : full);
    return { object: 'embedding', index, embedding: format === 'base64' ? base64(vector) : vector };
  });
  return jsonReply(200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

/** Returns Gemini's answer to {model}:embedContent (`batch` false) or {model}:batchEmbedContents. */
export function geminiEmbed(model: string, body: unknown, batch: boolean): Reply {
  if (!isObject(body)) return geminiError(400, 'Invalid JSON payload received. Expected an object.', 'INVALID_ARGUMENT');
  const full = DIMENSIONS[model] ?? DEFAULT_GEMINI_DIMENSIONS;
  if (!batch) {
    const embedding = geminiEmbedding(model, body, full, 'EmbedContentRequest');
    return typeof embedding === 'string' ? geminiError(400, embedding, 'INVALID_ARGUMENT') : jsonReply(200, { embedding });
  }
  const requests = body.requests;
  if (!Array.isArray(requests) || requests.length === 0) {
    return geminiError(400, '* BatchEmbedContentsRequest.requests: requests is not specified\n', 'INVALID_ARGUMENT');
  }
  const embeddings: Array<{ values: number[] }> = [];
  for (let i = 0; i < requests.length; i++) {
    const request: unknown = requests[i];
    const where = `BatchEmbedContentsRequest.requests[${i}]`;
    if (!isObject(request) || request.model !== `models/${model}`) {
      return geminiError(400, `* ${where}.model: the model of every request must be models/${model}, the model in the URL\n`, 'INVALID_ARGUMENT');
    }
    const embedding = geminiEmbedding(model, request, full, where);
    if (typeof embedding === 'string') return geminiError(400, embedding, 'INVALID_ARGUMENT');
    embeddings.push(embedding);
  }
  return jsonReply(200, { embeddings });
}

// One EmbedContentRequest's vector, or the INVALID_ARGUMENT message for it.
function geminiEmbedding(model: string, request: Record<string, unknown>, full: number, where: string): { values: number[] } | string {
  const parts = isObject(request.content) ? request.content.parts : undefined;
  const texts = Array.isArray(parts) ? parts.filter((p) => isObject(p) && typeof p.text === 'string').map((p) => (p as { text: string }).text) : [];
  if (texts.length === 0) return `* ${where}.content.parts: contents.parts must not be empty.\n`;
  const dimensions = request.outputDimensionality;
  if (dimensions !== undefined && (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)) {
    return `* ${where}.output_dimensionality: must be a positive integer, got ${JSON.stringify(dimensions)}\n`;
  }
  return { values: simulatedVector(model, texts.join('\n'), full, typeof dimensions === 'number' ? dimensions : full) };
}

// OpenAI's accepted inputs: a string, an array of strings, an array of tokens or of token arrays.
function openaiInputs(input: unknown): Array<string | number[]> | undefined {
  if (typeof input === 'string') return input === '' ? undefined : [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((t) => typeof t === 'number')) return [input as number[]];
  const ok = input.every((item) => (typeof item === 'string' && item !== '')
    || (Array.isArray(item) && item.length > 0 && item.every((t) => typeof t === 'number')));
  return ok ? (input as Array<string | number[]>) : undefined;
}

// Little-endian float32, as OpenAI's base64 encoding is.
function base64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString('base64');
}

// FNV-1a over the model, a zero separator and the text (as reply.ts seeds replies).
function seedOf(model: string, text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < model.length; i++) h = Math.imul(h ^ model.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0, 0x01000193);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

// The output function of mulberry32 (Tommy Ettinger's public-domain PRNG) for one state value.
function mulberry32(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
