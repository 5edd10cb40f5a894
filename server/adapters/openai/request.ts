/**
 * The canonical request is already an OpenAI chat request, so this adapter changes as little as
 * it can: it is on the gateway's hot path, and every OpenAI-compatible server (DeepSeek,
 * Mistral, Groq, vLLM, Ollama, llama.cpp) accepts the fields the client chose to send.
 */
import type { ChatRequest, UpstreamHttpRequest, UpstreamTarget } from '../types.js';

// The gateway prices every answer, so a stream must always end with a usage chunk; the
// gateway strips that chunk when the client did not ask for it.
const STREAM_OPTIONS_WITH_USAGE = Object.freeze({ include_usage: true });

/** Builds `POST {baseUrl}/chat/completions` (baseUrl as the OpenAI SDK spells it, with `/v1`) with only `model` replaced. */
export function toRequest(req: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest {
  // `metadata` is gateway-owned: the gateway consumes it for routing and does not forward it.
  // A shallow copy without it; every other field passes through untouched.
  const { metadata: _gatewayOwned, ...body } = req;
  body.model = target.upstreamModel;
  if (req.stream === true) {
    body.stream_options =
      req.stream_options == null
        ? STREAM_OPTIONS_WITH_USAGE
        : { ...req.stream_options, include_usage: true };
  }
  return {
    url: `${target.baseUrl}/chat/completions`,
    headers: {
      authorization: `Bearer ${target.apiKey}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  };
}
