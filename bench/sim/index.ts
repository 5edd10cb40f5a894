// The simulated LLM providers every test, benchmark and demo runs against: one node:http server
// speaking the OpenAI, Anthropic and Gemini wire formats (chat, and OpenAI and Gemini
// embeddings), with scripted latency and faults.
// Nothing here reaches a real provider, and every answer says it is simulated: replies start with
// `[simulated <model>]`, every response carries `x-simulated: true`, and OpenAI bodies carry
// `system_fingerprint: "simulated"`.
//
// node:http rather than Fastify because a benchmark measures the gateway's added latency against
// calling the sim directly: the sim's own cost per request must stay as small as it can be.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicAuth, anthropicFault, anthropicInvalidJson, anthropicMessages } from './anthropic.js';
import { geminiEmbed, openaiEmbeddings } from './embeddings.js';
import { ServedAccount, type SimPrices } from './exports.js';
import { geminiAuth, geminiFault, geminiGenerate, geminiInvalidJson } from './gemini.js';
import {
  openaiAuth, openaiChat, openaiFault, openaiInvalidJson, openaiModel, openaiModelList, openaiNotFound,
  WELL_KNOWN_MODELS,
} from './openai.js';
import { isObject } from './request-body.js';
import { matchRoute, providerOf, type Provider, type Route } from './route.js';
import { withMalformedEvent } from './malformed.js';
import { plainScenario, resolveScenario, type Scenario, type SimFault } from './scenario.js';
import { jsonReply, later, resetSocket, sendJson, sendStream, type JsonReply, type Reply } from './wire.js';

export type { SimFault } from './scenario.js';
export { SIM_HEADERS } from './scenario.js';
export { simulatedLabel } from './reply.js';

/** Options of a simulated provider server. */
export interface SimOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port to bind (default 0: an ephemeral port). */
  port?: number;
  /** Delay before every response's headers, in ms (default 0). */
  latencyMs?: number;
  /** Delay between streamed chunks, in ms (default 0: the whole stream in one write). */
  chunkDelayMs?: number;
  /** Completion length in tokens when the request sets no token limit (default 16). */
  replyTokens?: number;
  /** Behaviour scripted per model name (the upstream model name in the request). */
  models?: Record<string, SimFault>;
  /**
   * When set, requests must carry it (`Authorization: Bearer` for OpenAI, `x-api-key` for
   * Anthropic, `x-goog-api-key` or `?key=` for Gemini) or get that provider's real auth error.
   */
  apiKey?: string;
  /**
   * When set, the sim keeps an account of the tokens it bills, priced with these (USD per million,
   * by upstream model name; `pricesOf(policy.models)`), and serves it as OpenAI's
   * GET /v1/organization/costs and Anthropic's GET /v1/organizations/cost_report (exports.ts).
   */
  prices?: SimPrices;
}

/** A running sim. */
export interface SimHandle {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  port: number;
  /** Requests received so far, on any path (a live count). */
  readonly requests: number;
  /**
   * Scripted requests (a model fault or `x-sim-*` headers) whose client closed the connection
   * before the sim had finished answering: a gateway cancelling its upstream call, or giving up
   * on a stall. Cuts and resets the sim makes itself are not counted; plain requests are not
   * watched, so the benchmark path pays nothing for it. A live count.
   */
  readonly abandoned: number;
  /** Stops the server and drops every connection, hung ones included. */
  close(): Promise<void>;
}

/** Default completion length in tokens when a request sets no limit. */
export const DEFAULT_REPLY_TOKENS = 16;

// Idle keep-alive connections are kept a minute (Node's default is 5 s) so a benchmark's or a
// test's pooled connections are not closed under it between phases.
const KEEP_ALIVE_TIMEOUT_MS = 60_000;

/** Starts a simulated provider server and resolves once it listens. */
export async function startSim(opts: SimOptions = {}): Promise<SimHandle> {
  const host = opts.host ?? '127.0.0.1';
  const replyTokens = Math.max(1, Math.floor(opts.replyTokens ?? DEFAULT_REPLY_TOKENS));
  const chunkDelayMs = Math.max(0, opts.chunkDelayMs ?? 0);
  const apiKey = opts.apiKey;
  const faults = new Map<string, SimFault>(Object.entries(opts.models ?? {}));
  const account = opts.prices === undefined ? undefined : new ServedAccount(opts.prices);
  const plain = plainScenario(Math.max(0, opts.latencyMs ?? 0));
  const listedIds = [...new Set([...WELL_KNOWN_MODELS, ...faults.keys()])];
  const listed = new Set(listedIds);
  const modelList = jsonReply(200, openaiModelList(listedIds));
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  let abandoned = 0;
  let seq = 0;
  let closed = false;
  let closing: Promise<void> | undefined;

  const answer = (route: Route, req: IncomingMessage, res: ServerResponse, path: string, query: string,
    body: unknown, badJson: boolean, scenario: Scenario): void => {
    if (closed || res.destroyed) return;
    const id = (++seq).toString(36);
    const provider = providerOf(route);
    const extra = scenario.headers === undefined ? idHeaders(provider, id) : { ...idHeaders(provider, id), ...scenario.headers };
    if (route.kind === 'not-found') return sendJson(res, openaiNotFound(req.method ?? 'GET', path), extra);
    if (apiKey !== undefined) {
      const denied = provider === 'openai' ? openaiAuth(req.headers, apiKey)
        : provider === 'anthropic' ? anthropicAuth(req.headers, apiKey, `req_sim${id}`)
        : geminiAuth(req.headers, query, apiKey);
      if (denied !== undefined) return sendJson(res, denied, extra);
    }
    if (scenario.status !== 0) {
      const fault = scenario.body !== undefined ? jsonReply(scenario.status, scenario.body) : faultReply(provider, scenario.status, id);
      const headers = scenario.retryAfterS >= 0 ? { ...extra, 'retry-after': String(scenario.retryAfterS) } : extra;
      return sendJson(res, fault, headers);
    }
    if (badJson) {
      return sendJson(res, provider === 'openai' ? openaiInvalidJson() : provider === 'anthropic' ? anthropicInvalidJson(`req_sim${id}`) : geminiInvalidJson(), extra);
    }
    const ctx = { id, nowS: Math.floor(Date.now() / 1000), replyTokens };
    let reply: Reply;
    switch (route.kind) {
      case 'openai-chat': reply = openaiChat(body, ctx, { omitStreamUsage: scenario.omitStreamUsage }); break;
      case 'openai-models': reply = modelList; break;
      case 'openai-model': reply = openaiModel(route.id, listed); break;
      case 'anthropic-messages': reply = anthropicMessages(req.headers, body, ctx); break;
      case 'gemini': reply = geminiGenerate(route.model, body, route.framing, ctx); break;
      case 'openai-embeddings': reply = openaiEmbeddings(body); break;
      case 'gemini-embed': reply = geminiEmbed(route.model, body, route.batch); break;
    }
    account?.record(route, body, reply, scenario.cutAfterChunks);
    if (reply.kind === 'json') {
      sendJson(res, reply, extra, scenario.cutAfterChunks >= 0 && reply.status === 200);
      return;
    }
    if (scenario.malformedAfterChunks >= 0) reply = withMalformedEvent(reply, provider, scenario.malformedAfterChunks);
    const delayMs = scenario.chunkDelayMs >= 0 ? scenario.chunkDelayMs : chunkDelayMs;
    sendStream(res, reply, extra, delayMs, scenario.cutAfterChunks, timers, scenario.stallAfterChunks);
  };

  const proceed = (route: Route, req: IncomingMessage, res: ServerResponse, path: string, query: string,
    body: unknown, badJson: boolean): void => {
    const model = route.kind === 'gemini' || route.kind === 'gemini-embed' ? route.model
      : isObject(body) && typeof body.model === 'string' ? body.model : undefined;
    const scenario = resolveScenario(plain, model === undefined ? undefined : faults.get(model), req.headers);
    if (scenario.reset) return resetSocket(req);
    if (scenario !== plain && scenario.cutAfterChunks < 0) {
      res.once('close', () => {
        if (!res.writableFinished && !closed) abandoned++;
      });
    }
    // A hung request is never answered; close() destroys its socket.
    if (scenario.hang) return;
    if (scenario.latencyMs > 0) {
      later(timers, scenario.latencyMs, () => answer(route, req, res, path, query, body, badJson, scenario));
    } else {
      answer(route, req, res, path, query, body, badJson, scenario);
    }
  };

  const server = createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    requests++;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const exported = account?.answer(req.method ?? 'GET', path, query);
    if (exported !== undefined) return sendJson(res, exported, undefined);
    const route = matchRoute(req.method ?? 'GET', path, query);
    if (req.method !== 'POST') {
      proceed(route, req, res, path, query, undefined, false);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      let badJson = false;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          badJson = true;
        }
      }
      proceed(route, req, res, path, query, body, badJson);
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    get requests() {
      return requests;
    },
    get abandoned() {
      return abandoned;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function faultReply(provider: Provider, status: number, id: string): JsonReply {
  if (provider === 'anthropic') return anthropicFault(status, `req_sim${id}`);
  if (provider === 'gemini') return geminiFault(status);
  return openaiFault(status);
}

// The request-id header each provider sends (Gemini sends none).
function idHeaders(provider: Provider, id: string): OutgoingHttpHeaders | undefined {
  if (provider === 'openai') return { 'x-request-id': `req_sim${id}` };
  if (provider === 'anthropic') return { 'request-id': `req_sim${id}` };
  return undefined;
}
