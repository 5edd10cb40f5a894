/**
 * The virtual keys admin API, behind `Authorization: Bearer $SWITCHYARD_MASTER_KEY`:
 * POST /v1/switchyard/keys (issue; the only response that ever carries the secret),
 * GET /v1/switchyard/keys (list), DELETE /v1/switchyard/keys/:id (revoke). Without a master key
 * in the environment the API does not exist (404), so it cannot be opened by accident.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors.js';
import { ADMIN_PATH, bearerOf } from '../keys/auth.js';
import { secretsEqual } from '../keys/secret.js';
import type { KeyRecord, KeyStore, NewKey } from '../keys/store.js';

/** A key on the wire: snake_case, no secret, no digest. */
export function keyView(record: KeyRecord): Record<string, unknown> {
  return {
    object: 'switchyard.key',
    id: record.id,
    prefix: record.prefix,
    name: record.name,
    team: record.team,
    user: record.user,
    allowed_routes: record.allowedRoutes,
    allowed_models: record.allowedModels,
    metadata: record.metadata,
    created_at: record.createdAt,
    revoked_at: record.revokedAt,
  };
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('SY_REQUEST_INVALID', message, { param });
}

function optionalText(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${field} must be a string`, field);
  return v;
}

function optionalNames(body: Record<string, unknown>, field: string): string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) throw invalid(`${field} must be an array of non-empty strings`, field);
  return v as string[];
}

/** The body of POST /v1/switchyard/keys as a NewKey, or a 400 naming the field. */
export function parseNewKey(body: unknown): NewKey {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('the request body must be a JSON object', 'body');
  const b = body as Record<string, unknown>;
  const known = new Set(['name', 'team', 'user', 'allowed_routes', 'allowed_models', 'metadata']);
  for (const field of Object.keys(b)) {
    if (!known.has(field)) throw invalid(`unknown field "${field}"; a key takes ${[...known].join(', ')}`, field);
  }
  const metadata = b.metadata;
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw invalid('metadata must be an object of string values', 'metadata');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw invalid(`metadata.${k} must be a string`, `metadata.${k}`);
    }
  }
  return {
    name: optionalText(b, 'name'),
    team: optionalText(b, 'team'),
    user: optionalText(b, 'user'),
    allowedRoutes: optionalNames(b, 'allowed_routes'),
    allowedModels: optionalNames(b, 'allowed_models'),
    metadata: (metadata ?? undefined) as Record<string, string> | undefined,
  };
}

/** Registers the admin API; the master key is read once, from the environment. */
export function registerKeys(app: FastifyInstance, opts: { store: KeyStore; env?: NodeJS.ProcessEnv }): void {
  const masterKey = (opts.env ?? process.env).SWITCHYARD_MASTER_KEY || null;
  const { store } = opts;
  const requireMaster = async (request: FastifyRequest): Promise<void> => {
    if (masterKey === null) {
      throw new GatewayError('SY_ROUTE_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0]} (the keys admin API needs SWITCHYARD_MASTER_KEY)`);
    }
    const presented = bearerOf(request);
    if (presented === null || !secretsEqual(presented, masterKey)) {
      throw new GatewayError('SY_KEY_INVALID', 'the keys admin API needs Authorization: Bearer <SWITCHYARD_MASTER_KEY>');
    }
  };

  app.post(ADMIN_PATH, { onRequest: requireMaster }, async (request, reply) => {
    const { record, secret } = store.create(parseNewKey(request.body));
    request.log.info({ key: record.id, prefix: record.prefix, team: record.team, user: record.user }, 'virtual key created');
    return reply.status(201).send({ ...keyView(record), secret });
  });

  app.get(ADMIN_PATH, { onRequest: requireMaster }, async () => ({ object: 'list', data: store.list().map(keyView) }));

  app.delete<{ Params: { id: string } }>(`${ADMIN_PATH}/:id`, { onRequest: requireMaster }, async (request) => {
    const record = store.revoke(request.params.id);
    if (record === null) throw new GatewayError('SY_KEY_NOT_FOUND', `no virtual key ${JSON.stringify(request.params.id)}`);
    request.log.info({ key: record.id, prefix: record.prefix }, 'virtual key revoked');
    return keyView(record);
  });
}
