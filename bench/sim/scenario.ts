// How one request to the sim behaves: the server's defaults, overridden by the fault scripted for
// the request's model, overridden in turn by `x-sim-*` request headers (for direct tests).
import type { IncomingHttpHeaders } from 'node:http';

/**
 * A scripted behaviour: an error status, a hang, a reset, extra latency, or a stream that is cut,
 * stalls, is slow, or carries a malformed event.
 */
export interface SimFault {
  /** Answer with this HTTP status and the provider's real error body for it. */
  status?: number;
  /** Replaces the generated error body (a string is sent as is, anything else as JSON). Needs `status`. */
  body?: unknown;
  /** Adds `retry-after: N` (seconds) to the error response. */
  retryAfterS?: number;
  /**
   * Extra response headers, on errors and answers alike: e.g. `x-should-retry` or
   * `retry-after-ms` (milliseconds), which OpenAI sends and its SDKs read.
   */
  headers?: Record<string, string>;
  /** Accept the request and never answer; the socket stays open until the sim closes. */
  hang?: boolean;
  /** Destroy the socket (TCP RST) before any byte of the response. */
  reset?: boolean;
  /** Delay before the response headers, replacing the server-wide latency. */
  latencyMs?: number;
  /**
   * Streams: send this many content chunks, then drop the socket (no [DONE]/message_stop); a
   * stream with no more chunks than that is sent whole. A JSON answer is cut half-way through.
   */
  cutAfterChunks?: number;
  /**
   * Streams: send this many content chunks, then nothing more while keeping the connection open
   * (a provider that stalls mid-stream); 0 stalls right after the stream's head.
   */
  stallAfterChunks?: number;
  /** Streams: delay between chunks for this model, replacing the server-wide `chunkDelayMs`. */
  chunkDelayMs?: number;
  /**
   * Streams: after this many content chunks, send one event whose JSON is broken, then the rest
   * of an otherwise valid stream; 0 puts it first of all, before the stream's head.
   */
  malformedAfterChunks?: number;
  /** OpenAI format: leave usage out of streams even when asked, as some compatible servers do. */
  omitStreamUsage?: boolean;
  /** Apply this fault to the next N requests for the model only, then answer normally (a burst). */
  times?: number;
  /** Apply this fault to this share of requests (0..1), chosen at random; the rest answer normally. */
  rate?: number;
}

/** The resolved behaviour of one request; `status` 0 and -1 in the other counts mean "none" (`chunkDelayMs` -1: the server's). */
export interface Scenario {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfterS: number;
  readonly hang: boolean;
  readonly reset: boolean;
  readonly latencyMs: number;
  readonly cutAfterChunks: number;
  readonly omitStreamUsage: boolean;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly stallAfterChunks: number;
  readonly chunkDelayMs: number;
  readonly malformedAfterChunks: number;
}

/** Request headers that script a fault for that one request. */
export const SIM_HEADERS = {
  status: 'x-sim-status',
  retryAfter: 'x-sim-retry-after',
  hang: 'x-sim-hang',
  reset: 'x-sim-reset',
  latency: 'x-sim-latency-ms',
  cutAfter: 'x-sim-cut-after',
} as const;

/** Returns the scenario a request gets when nothing is scripted for it. */
export function plainScenario(latencyMs: number): Scenario {
  return Object.freeze({
    status: 0, body: undefined, retryAfterS: -1, hang: false, reset: false, latencyMs, cutAfterChunks: -1, omitStreamUsage: false,
    headers: undefined, stallAfterChunks: -1, chunkDelayMs: -1, malformedAfterChunks: -1,
  });
}

/**
 * Returns the request's scenario. `plain` is returned as is (no allocation) when neither the
 * model nor the headers script anything, which is every request of a benchmark.
 */
export function resolveScenario(plain: Scenario, fault: SimFault | undefined, headers: IncomingHttpHeaders): Scenario {
  const hStatus = headers[SIM_HEADERS.status];
  const hRetry = headers[SIM_HEADERS.retryAfter];
  const hHang = headers[SIM_HEADERS.hang];
  const hReset = headers[SIM_HEADERS.reset];
  const hLatency = headers[SIM_HEADERS.latency];
  const hCut = headers[SIM_HEADERS.cutAfter];
  if (fault === undefined && hStatus === undefined && hRetry === undefined && hHang === undefined
    && hReset === undefined && hLatency === undefined && hCut === undefined) return plain;

  if (fault !== undefined && !faultApplies(fault)) return resolveScenario(plain, undefined, headers);
  const f = fault ?? {};
  return {
    status: intHeader(hStatus, 100, 599) ?? validStatus(f.status) ?? 0,
    body: hStatus === undefined ? f.body : undefined,
    retryAfterS: intHeader(hRetry, 0) ?? nonNegative(f.retryAfterS) ?? -1,
    hang: flagHeader(hHang) ?? f.hang === true,
    reset: flagHeader(hReset) ?? f.reset === true,
    latencyMs: intHeader(hLatency, 0) ?? nonNegative(f.latencyMs) ?? plain.latencyMs,
    cutAfterChunks: intHeader(hCut, 0) ?? nonNegative(f.cutAfterChunks) ?? -1,
    omitStreamUsage: f.omitStreamUsage === true,
    headers: f.headers,
    stallAfterChunks: nonNegative(f.stallAfterChunks) ?? -1,
    chunkDelayMs: nonNegative(f.chunkDelayMs) ?? -1,
    malformedAfterChunks: nonNegative(f.malformedAfterChunks) ?? -1,
  };
}

/** Whether a burst or a random fault applies to this request; counts the burst down. */
function faultApplies(fault: SimFault): boolean {
  if (fault.rate !== undefined && Math.random() >= fault.rate) return false;
  if (fault.times === undefined) return true;
  if (fault.times <= 0) return false;
  fault.times--;
  return true;
}

function intHeader(value: string | string[] | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (typeof value !== 'string') return undefined;
  const n = Number(value.trim());
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

function flagHeader(value: string | string[] | undefined): boolean | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

function validStatus(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function nonNegative(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}
