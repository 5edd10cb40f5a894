/**
 * One embeddings attempt against one candidate: send, read, map. Failures are classified as
 * chat attempts' are (server/dispatch/upstream-error), so failover treats both alike; a
 * provider kind without an embeddings API refuses before anything is sent.
 */
import { getEmbeddingsAdapter } from '../adapters/embeddings/registry.js';
import type { EmbeddingsRequest, EmbeddingsResult } from '../adapters/embeddings/types.js';
import { UpstreamError } from '../adapters/openai/error.js';
import type { UpstreamTarget } from '../adapters/types.js';
import { UnsupportedFeatureError } from '../adapters/unsupported.js';
import { failureFromStatus, failureFromTransport } from '../dispatch/upstream-error.js';
import type { ResolvedProvider } from '../policy-runtime.js';
import type { Transport } from '../transport/pool.js';

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Sends an embeddings request to one candidate and maps its answer. */
export async function attemptEmbeddings(transport: Transport, provider: ResolvedProvider, target: UpstreamTarget, request: EmbeddingsRequest, signal: AbortSignal, where: string): Promise<EmbeddingsResult> {
  const kind = provider.adapter.kind;
  const adapter = getEmbeddingsAdapter(kind);
  if (!adapter) throw new UnsupportedFeatureError(kind, 'model', `${kind} has no embeddings API`);
  let status: number;
  let headers: Record<string, string | string[] | undefined>;
  let text: string;
  try {
    const response = await transport.send(adapter.toRequest(request, target), signal, provider.timeouts);
    status = response.statusCode;
    headers = response.headers;
    text = await response.body.text();
  } catch (err) {
    if (signal.aborted) throw err;
    throw failureFromTransport(err, where);
  }
  const body = parseMaybeJson(text);
  if (status >= 400) {
    const header = (name: string): string | undefined => {
      const v = headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    throw failureFromStatus(status, provider.adapter.fromError(status, body), where, header('retry-after'), header('x-should-retry'), header('retry-after-ms'));
  }
  try {
    return adapter.fromResponse(body, target, request.input.length);
  } catch (err) {
    // A 200 whose body breaks the provider's own wire format is the provider's failure.
    if (err instanceof UpstreamError) throw failureFromStatus(502, err.info, where, undefined);
    throw err;
  }
}
