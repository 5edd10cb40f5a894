/**
 * GET /v1/switchyard/spend?by=team&since=7d&until=...: the spend report as JSON, for the
 * operator only: it answers `Authorization: Bearer $SWITCHYARD_MASTER_KEY`, and does not exist
 * (404) on a gateway started without a master key.
 */
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.js';
import { bearerOf } from '../keys/auth.js';
import { secretsEqual } from '../keys/secret.js';
import { isSpendBy, parseTime, spendReport, SPEND_BY, type SpendLedger } from '../ledger/index.js';

export interface SpendRouteOptions {
  ledger: SpendLedger;
  /** Default: SWITCHYARD_MASTER_KEY; unset or empty, the endpoint answers 404. */
  masterKey?: string | undefined;
}

function timeParam(name: string, value: unknown, now: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const at = typeof value === 'string' ? parseTime(value, now) : null;
  if (at === null) throw new GatewayError('SY_REQUEST_INVALID', `${name} must be an ISO date (2025-11-01, 2025-11-01T09:00Z) or a span back from now (12h, 7d)`, { param: name });
  return at;
}

/** Registers the spend endpoint. */
export function registerSpend(app: FastifyInstance, opts: SpendRouteOptions): void {
  const masterKey = (opts.masterKey ?? process.env.SWITCHYARD_MASTER_KEY) || null;
  app.get('/v1/switchyard/spend', async (request) => {
    if (masterKey === null) throw new GatewayError('SY_ROUTE_NOT_FOUND', 'no endpoint GET /v1/switchyard/spend (it needs SWITCHYARD_MASTER_KEY)');
    // Compared as SHA-256 digests, in constant time (keys/secret.ts).
    const presented = bearerOf(request);
    if (presented === null || !secretsEqual(presented, masterKey)) {
      throw new GatewayError('SY_KEY_INVALID', 'the spend report needs Authorization: Bearer <SWITCHYARD_MASTER_KEY>');
    }
    const query = request.query as Record<string, unknown>;
    const by = query.by;
    if (typeof by !== 'string' || !isSpendBy(by)) {
      throw new GatewayError('SY_REQUEST_INVALID', `by must be one of ${SPEND_BY.join(', ')}`, { param: 'by' });
    }
    const now = Date.now();
    const since = timeParam('since', query.since, now);
    const until = timeParam('until', query.until, now);
    const rows = await opts.ledger.spend({ by, since, until });
    return { object: 'switchyard.spend', ...spendReport(by, rows, since, until) };
  });
}
