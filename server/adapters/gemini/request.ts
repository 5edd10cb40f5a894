/**
 * Canonical (OpenAI chat) request -> Gemini generateContent request
 * (https://ai.google.dev/api/generate-content). Text conversations only for now: any field
 * this mapping cannot express is refused with `UnsupportedFeatureError`, never dropped.
 */
import type { ChatMessage, ChatRequest, UpstreamHttpRequest, UpstreamTarget } from '../types.js';
import { assertExpressible, UnsupportedFeatureError } from '../unsupported.js';

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
  // An end-user id for the provider's abuse monitoring: Gemini has no such field, and leaving
  // it out does not change the answer.
  'user',
  // Gateway-owned: consumed for routing, never forwarded.
  'metadata',
]);

const HANDLED_MESSAGE_FIELDS: ReadonlySet<string> = new Set(['role', 'content']);

interface GeminiContent {
  role: 'user' | 'model';
  parts: Array<{ text: string }>;
}

/** Builds `POST {baseUrl}/v1beta/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse` when `req.stream`. */
export function toRequest(req: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest {
  assertExpressible(PROVIDER, req, HANDLED_FIELDS);
  const { system, contents } = mapMessages(req.messages);
  const body: Record<string, unknown> = { contents };
  if (system !== null) body.systemInstruction = { parts: [{ text: system }] };
  const generationConfig: Record<string, unknown> = {};
  const maxTokens = req.max_tokens ?? req.max_completion_tokens;
  if (maxTokens != null) generationConfig.maxOutputTokens = maxTokens;
  if (req.temperature != null) generationConfig.temperature = req.temperature;
  if (req.top_p != null) generationConfig.topP = req.top_p;
  if (req.stop != null) generationConfig.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
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

/**
 * Splits canonical messages into Gemini's `systemInstruction` text and `contents`. System and
 * developer messages are hoisted wherever they appear and joined by a blank line; assistant
 * turns become role `model`; consecutive same-role turns share one content's parts.
 */
function mapMessages(input: ChatMessage[]): { system: string | null; contents: GeminiContent[] } {
  const systemTexts: string[] = [];
  const contents: GeminiContent[] = [];
  for (let i = 0; i < input.length; i++) {
    const message = input[i] as ChatMessage;
    const { role } = message;
    if (role !== 'system' && role !== 'developer' && role !== 'user' && role !== 'assistant') {
      throw new UnsupportedFeatureError(PROVIDER, `messages[${i}].role`, `${String(role)} messages`);
    }
    assertExpressible(PROVIDER, message, HANDLED_MESSAGE_FIELDS, `messages[${i}].`);
    const texts = textsOf(message, i);
    if (role === 'system' || role === 'developer') {
      systemTexts.push(...texts);
      continue;
    }
    const geminiRole = role === 'assistant' ? 'model' : 'user';
    const parts = texts.map((text) => ({ text }));
    const previous = contents[contents.length - 1];
    if (previous !== undefined && previous.role === geminiRole) previous.parts.push(...parts);
    else contents.push({ role: geminiRole, parts });
  }
  return { system: systemTexts.length === 0 ? null : systemTexts.join('\n\n'), contents };
}

function textsOf(message: ChatMessage, index: number): string[] {
  const content = message.content;
  if (typeof content === 'string') return [content];
  if (content === null || content === undefined) return [];
  return content.map((part, j) => {
    if (part.type !== 'text' || typeof part.text !== 'string') {
      throw new UnsupportedFeatureError(PROVIDER, `messages[${index}].content[${j}]`, `${String(part.type)} parts`);
    }
    return part.text;
  });
}
