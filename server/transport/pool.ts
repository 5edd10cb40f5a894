/**
 * The one upstream transport: an undici Agent, which keeps a keep-alive connection pool per
 * provider origin. Adapters build the request; this sends it.
 */
import { Agent, type Dispatcher } from 'undici';
import type { UpstreamHttpRequest } from '../adapters/types.js';

/** Connection and read limits for upstream calls, in milliseconds. */
export interface TransportTimeouts {
  /** TCP + TLS connect. */
  connectMs: number;
  /** From sending the request to receiving the response headers (the first byte). */
  firstByteMs: number;
  /** Longest silence between two body chunks; streams that stall are cut after it. */
  idleMs: number;
}

/**
 * Defaults sized for LLM calls: a long first-byte wait because a large prompt can take a model
 * a minute to start answering; a connect limit short enough that a dead host fails over quickly.
 */
export const DEFAULT_TIMEOUTS: TransportTimeouts = { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000 };

/** Limits of one request that may differ from the transport's own (the serving policy's). */
export interface RequestTimeouts {
  firstByteMs: number;
  idleMs: number;
}

export interface Transport {
  /** Sends one request; resolves at the response headers, rejects on connection errors. */
  send(request: UpstreamHttpRequest, signal: AbortSignal, timeouts?: RequestTimeouts): Promise<Dispatcher.ResponseData>;
  close(): Promise<void>;
}

/** A transport with keep-alive pools per origin. */
export function createTransport(timeouts: TransportTimeouts = DEFAULT_TIMEOUTS): Transport {
  const agent = new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.firstByteMs,
    bodyTimeout: timeouts.idleMs,
    keepAliveTimeout: 30_000,
    // One request per connection at a time: LLM servers do not all pipeline safely.
    pipelining: 1,
  });
  return {
    send(request, signal, limits) {
      const url = new URL(request.url);
      return agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal,
        ...(limits ? { headersTimeout: limits.firstByteMs, bodyTimeout: limits.idleMs } : {}),
      });
    },
    close: () => agent.close(),
  };
}
