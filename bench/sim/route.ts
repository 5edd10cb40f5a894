// Which simulated endpoint a request is for, from its method, path and query.
import type { GeminiStreamFraming } from './gemini.js';

/** A request's endpoint. Everything else is `not-found` (answered in OpenAI's 404 shape). */
export type Route =
  | { readonly kind: 'openai-chat' }
  | { readonly kind: 'openai-models' }
  | { readonly kind: 'openai-model'; readonly id: string }
  | { readonly kind: 'anthropic-messages' }
  | { readonly kind: 'gemini'; readonly model: string; readonly framing: GeminiStreamFraming }
  | { readonly kind: 'openai-embeddings' }
  | { readonly kind: 'gemini-embed'; readonly model: string; readonly batch: boolean }
  | { readonly kind: 'not-found' };

/** The wire format a route answers in, errors included. */
export type Provider = 'openai' | 'anthropic' | 'gemini';

// Shared route objects: matching the hot paths allocates nothing.
const OPENAI_CHAT: Route = { kind: 'openai-chat' };
const OPENAI_MODELS: Route = { kind: 'openai-models' };
const ANTHROPIC_MESSAGES: Route = { kind: 'anthropic-messages' };
const OPENAI_EMBEDDINGS: Route = { kind: 'openai-embeddings' };
const NOT_FOUND: Route = { kind: 'not-found' };

// Gemini is served under both API versions; v1beta is what the SDKs use by default.
const GEMINI_PREFIXES = ['/v1beta/models/', '/v1/models/'] as const;

/** Returns the route for a request; `query` is the part of the URL after `?` (may be empty). */
export function matchRoute(method: string, path: string, query: string): Route {
  if (method === 'POST') {
    if (path === '/v1/chat/completions') return OPENAI_CHAT;
    if (path === '/v1/messages') return ANTHROPIC_MESSAGES;
    if (path === '/v1/embeddings') return OPENAI_EMBEDDINGS;
    for (const prefix of GEMINI_PREFIXES) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const colon = rest.lastIndexOf(':');
      if (colon <= 0) return NOT_FOUND;
      const model = decodeSegment(rest.slice(0, colon));
      const action = rest.slice(colon + 1);
      if (action === 'generateContent') return { kind: 'gemini', model, framing: 'none' };
      if (action === 'streamGenerateContent') {
        return { kind: 'gemini', model, framing: new URLSearchParams(query).get('alt') === 'sse' ? 'sse' : 'array' };
      }
      if (action === 'embedContent') return { kind: 'gemini-embed', model, batch: false };
      if (action === 'batchEmbedContents') return { kind: 'gemini-embed', model, batch: true };
      return NOT_FOUND;
    }
    return NOT_FOUND;
  }
  if (method === 'GET') {
    if (path === '/v1/models') return OPENAI_MODELS;
    if (path.startsWith('/v1/models/') && path.length > '/v1/models/'.length) {
      return { kind: 'openai-model', id: decodeSegment(path.slice('/v1/models/'.length)) };
    }
  }
  return NOT_FOUND;
}

/** Returns the wire format of a route; unknown paths answer as OpenAI does. */
export function providerOf(route: Route): Provider {
  if (route.kind === 'anthropic-messages') return 'anthropic';
  if (route.kind === 'gemini' || route.kind === 'gemini-embed') return 'gemini';
  return 'openai';
}

function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
