/**
 * Client authentication by virtual key for every /v1 endpoint (not /healthz, not the admin API,
 * which has the master key). Keys are in force once the store holds one, or from the start with
 * SWITCHYARD_REQUIRE_KEYS=1; until then the gateway is open and requests have no caller.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors.js';
import type { KeyRecord, KeyStore } from './store.js';

/** Who is calling, from their virtual key: what the pipeline passes to the decision as `caller`. */
export interface Caller {
  /** The key's id (`key_…`), never its secret. */
  key: string;
  team: string | undefined;
  user: string | undefined;
  /** Empty means any. */
  allowedRoutes: readonly string[];
  /** Empty means any. */
  allowedModels: readonly string[];
  metadata: Readonly<Record<string, string>>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the key check; null while the gateway is open. */
    caller: Caller | null;
  }
}

/** Where the keys admin API lives. */
export const ADMIN_PATH = '/v1/switchyard/keys';

/**
 * Route prefixes for operators: they authenticate with the master key themselves, which is no
 * client key, so the client-key check must leave them alone.
 */
export const MASTER_KEY_ROUTES: readonly string[] = [ADMIN_PATH, '/v1/switchyard/spend'];

/** The caller of an authenticated request; null when the gateway is open (no keys in force). */
export function callerOf(request: FastifyRequest): Caller | null {
  // `?? null`: apps built without a key store never decorate requests.
  return request.caller ?? null;
}

/** The Bearer token of the Authorization header; null when there is none. */
export function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/**
 * Null when the caller may be served `model` (the alias the client asked for) by `route` (the
 * route the policy chose; null before the decision), else the 403 to answer with.
 */
export function checkAllowed(caller: Caller | null, use: { model: string; route?: string | null }): GatewayError | null {
  if (caller === null) return null;
  if (caller.allowedModels.length > 0 && !caller.allowedModels.includes(use.model)) {
    return new GatewayError('SY_KEY_MODEL_NOT_ALLOWED', `this key may not use model "${use.model}"; it may use: ${caller.allowedModels.join(', ')}`, { param: 'model' });
  }
  const route = use.route ?? null;
  if (route !== null && caller.allowedRoutes.length > 0 && !caller.allowedRoutes.includes(route)) {
    return new GatewayError('SY_KEY_ROUTE_NOT_ALLOWED', `the policy chose route "${route}", which this key may not use; it may use: ${caller.allowedRoutes.join(', ')}`);
  }
  return null;
}

function callerFrom(record: KeyRecord): Caller {
  return {
    key: record.id,
    team: record.team ?? undefined,
    user: record.user ?? undefined,
    allowedRoutes: record.allowedRoutes,
    allowedModels: record.allowedModels,
    metadata: record.metadata,
  };
}

/** The secret a request presents: Bearer everywhere, and x-api-key too where Anthropic SDKs call. */
function presentedSecret(request: FastifyRequest, route: string): string | null {
  const bearer = bearerOf(request);
  if (bearer !== null) return bearer;
  const apiKey = request.headers['x-api-key'];
  return route.startsWith('/v1/messages') && typeof apiKey === 'string' && apiKey !== '' ? apiKey : null;
}

/** Whether a route (its registered pattern) takes client keys. */
function isClientRoute(route: string | undefined): route is string {
  return route !== undefined && route.startsWith('/v1/') && !MASTER_KEY_ROUTES.some((p) => route === p || route.startsWith(`${p}/`));
}

/**
 * Registers the key check. It matches on the route pattern Fastify resolved, not the raw URL,
 * so no spelling of a path (percent-encoding, a trailing slash) reaches a /v1 handler around it.
 */
export function registerAuth(app: FastifyInstance, opts: { store: KeyStore; env?: NodeJS.ProcessEnv }): void {
  const required = (opts.env ?? process.env).SWITCHYARD_REQUIRE_KEYS === '1';
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (!isClientRoute(route)) return;
    if (!required && !opts.store.hasKeys()) return;
    const secret = presentedSecret(request, route);
    if (secret === null) {
      const how = route.startsWith('/v1/messages') ? 'Authorization: Bearer <key> or x-api-key: <key>' : 'Authorization: Bearer <key>';
      throw new GatewayError('SY_KEY_INVALID', `this gateway requires a virtual key: send it as ${how}`);
    }
    const record = opts.store.lookup(secret);
    // The message never repeats the key: it may be a real secret sent to the wrong place.
    if (record === null) throw new GatewayError('SY_KEY_INVALID', 'invalid API key: no active virtual key matches it (unknown or revoked)');
    request.caller = callerFrom(record);
  });
  // The model is known once the body is parsed; the route only after the decision, where the
  // pipeline calls checkAllowed again with it.
  app.addHook('preHandler', async (request) => {
    const caller = request.caller;
    const body = request.body as { model?: unknown } | null | undefined;
    if (caller === null || typeof body?.model !== 'string') return;
    const denied = checkAllowed(caller, { model: body.model });
    if (denied) throw denied;
  });
}
