/**
 * Canonical (OpenAI chat) request -> Anthropic Messages API request
 * (https://docs.anthropic.com/en/api/messages). Text conversations only for now: any field
 * this mapping cannot express is refused with `UnsupportedFeatureError`, never dropped.
 */
import type { ChatMessage, ChatRequest, UpstreamHttpRequest, UpstreamTarget } from '../types.js';
import { assertExpressible, UnsupportedFeatureError } from '../unsupported.js';

const PROVIDER = 'anthropic';

/** The API version this mapping was written against; Anthropic requires the header. */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * `max_tokens` when the client sets neither `max_tokens` nor `max_completion_tokens`: Anthropic
 * requires it, OpenAI does not. 4096 is the smallest output limit among Claude models still
 * served (Claude 3 Haiku), so the default is never refused for being too large.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** Anthropic's temperature range is 0..1 where OpenAI's is 0..2; above 1 cannot be expressed. */
const MAX_TEMPERATURE = 1;

const HANDLED_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'stream',
  // Anthropic streams always report usage, so the option needs no translation.
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'user',
  // Gateway-owned: consumed for routing, never forwarded.
  'metadata',
]);

const HANDLED_MESSAGE_FIELDS: ReadonlySet<string> = new Set(['role', 'content']);

interface TextBlock {
  type: 'text';
  text: string;
}

interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | TextBlock[];
}

/** Builds `POST {baseUrl}/v1/messages` (baseUrl as the Anthropic SDK spells it, without `/v1`). */
export function toRequest(req: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest {
  assertExpressible(PROVIDER, req, HANDLED_FIELDS);
  const { system, messages } = mapMessages(req.messages);
  const body: Record<string, unknown> = {
    model: target.upstreamModel,
    max_tokens: req.max_tokens ?? req.max_completion_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system !== null) body.system = system;
  body.messages = messages;
  if (req.temperature != null) {
    if (req.temperature > MAX_TEMPERATURE) {
      throw new UnsupportedFeatureError(PROVIDER, 'temperature', `Anthropic accepts 0 to ${MAX_TEMPERATURE}`);
    }
    body.temperature = req.temperature;
  }
  if (req.top_p != null) body.top_p = req.top_p;
  if (req.stop != null) body.stop_sequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.user != null) body.metadata = { user_id: req.user };
  if (req.stream === true) body.stream = true;
  return {
    url: `${target.baseUrl}/v1/messages`,
    headers: {
      'x-api-key': target.apiKey,
      'anthropic-version': ANTHROPIC_VERSION,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  };
}

/**
 * Splits canonical messages into Anthropic's top-level `system` and the conversation. System
 * and developer messages are hoisted wherever they appear (Anthropic has no mid-conversation
 * system turn) and joined by a blank line; consecutive same-role turns are merged into one
 * turn of text blocks, because the API requires user and assistant to alternate.
 */
function mapMessages(input: ChatMessage[]): { system: string | null; messages: AnthropicMessage[] } {
  const systemTexts: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (let i = 0; i < input.length; i++) {
    const message = input[i] as ChatMessage;
    const role = message.role;
    if (role !== 'system' && role !== 'developer' && role !== 'user' && role !== 'assistant') {
      throw new UnsupportedFeatureError(PROVIDER, `messages[${i}].role`, `${String(role)} messages`);
    }
    assertExpressible(PROVIDER, message, HANDLED_MESSAGE_FIELDS, `messages[${i}].`);
    if (role === 'system' || role === 'developer') {
      systemTexts.push(...textsOf(message, i));
      continue;
    }
    const content = contentOf(message, i);
    const previous = messages[messages.length - 1];
    if (previous !== undefined && previous.role === role) {
      previous.content = [...blocksOf(previous.content), ...blocksOf(content)];
    } else {
      messages.push({ role, content });
    }
  }
  return { system: systemTexts.length === 0 ? null : systemTexts.join('\n\n'), messages };
}

/** A message's content as Anthropic takes it: a string stays a string, text parts become text blocks. */
function contentOf(message: ChatMessage, index: number): string | TextBlock[] {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return textsOf(message, index).map((text) => ({ type: 'text', text }));
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

// Empty strings are left out of merged turns: Anthropic refuses empty text blocks, and an
// empty string says nothing.
function blocksOf(content: string | TextBlock[]): TextBlock[] {
  if (typeof content !== 'string') return content;
  return content === '' ? [] : [{ type: 'text', text: content }];
}
