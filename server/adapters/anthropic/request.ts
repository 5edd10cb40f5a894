/**
 * Canonical (OpenAI chat) request -> Anthropic Messages API request
 * (https://docs.anthropic.com/en/api/messages). Any field this mapping cannot express is
 * refused with `UnsupportedFeatureError`, never dropped: `response_format` json_object and
 * json_schema, `logprobs`, `top_logprobs`, `n` > 1, `seed`, penalties, `logit_bias`, audio and
 * modalities, `reasoning_effort`, and every field this adapter does not know.
 */
import type { ChatRequest, UpstreamHttpRequest, UpstreamTarget } from '../types.js';
import { assertExpressible, UnsupportedFeatureError } from '../unsupported.js';
import { PROVIDER } from './content.js';
import { mapMessages } from './messages.js';
import { toolChoiceOf, toolsOf } from './tools.js';

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
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  // Gateway-owned: consumed for routing, never forwarded.
  'metadata',
]);

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
  const tools = toolsOf(req.tools);
  if (tools.length > 0) body.tools = tools;
  const toolChoice = toolChoiceOf(req.tool_choice, req.parallel_tool_calls, tools.length > 0);
  if (toolChoice !== null) body.tool_choice = toolChoice;
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
