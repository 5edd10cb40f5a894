/**
 * Budgets shared by every gateway instance on one Redis. Each operation is one Lua script, so
 * Redis runs it alone: reserve checks every budget the request touches and then reserves on all
 * of them, or on none, and spent + reserved <= limit holds for every reject and downgrade
 * budget whatever the instances interleave.
 *
 * Per budget, scope value and window, under the prefix:
 *   NAME:VALUE:WINDOW          hash: spent, reserved (integer units), r:ID (what reservation ID
 *                              holds), b:START (rolling: units spent in the bucket at START),
 *                              seeded (set when the counter was rebuilt from the ledger: seed)
 *   NAME:VALUE:WINDOW:expiry   sorted set: reservation ids by deadline; every script that
 *                              touches the budget first frees the holds past their deadline
 *   NAME:VALUE:WINDOW:buckets  sorted set (rolling): bucket starts, so that the buckets that
 *                              left the window are dropped oldest first, in amortised O(1)
 *   done:ID                    set when reservation ID is settled or released: doing it again
 *                              changes nothing
 * Rolling windows keep per-bucket sums rather than one entry per request (see windows.ts): the
 * memory is bounded by the span, not by the traffic, and a busy 30-day window stays cheap.
 * Every key expires on its own once nothing in it can count: a calendar window's keys after the
 * window ends and its last reservation would have expired; a rolling window's after a full span
 * without writes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PolicyBudget } from '../../engine/src/policy/types.js';
import type { Snapshot } from '../../engine/src/decide.js';
import type { BudgetStore, Charge, Reservation, ReserveRequest, ReserveResult, ScopeValues } from './types.js';
import { amountFor, crossedAlerts, firstRefusal, refusalOf, settledTargets, snapshotOf, targetsOf, usageOf, type BudgetUsage, type Target } from './targets.js';
import { stillCounts } from './windows.js';

export interface RedisBudgetStoreOptions {
  budgets: readonly PolicyBudget[];
  reservationTtlS: number;
  /** redis://host:port/db */
  url: string;
  /** Prepended to every key. The braces make it a Redis Cluster hash tag: one script's keys share a slot. */
  prefix?: string;
  /** The clock, epoch ms; tests move it. */
  now?: () => number;
}

export const DEFAULT_PREFIX = '{switchyard}:budget:';

/** Seconds a command may take before the store counts Redis as unreachable. */
const COMMAND_TIMEOUT_MS = 2_000;

const COMMON = `
local function int(n) return string.format('%d', n) end
local function add(key, field, n)
  if n ~= 0 then redis.call('HINCRBY', key, field, int(n)) end
end
local function num(key, field) return tonumber(redis.call('HGET', key, field) or '0') end
local function unhold(hash, deadlines, id)
  local held = redis.call('HGET', hash, 'r:' .. id)
  if held then
    add(hash, 'reserved', -tonumber(held))
    redis.call('HDEL', hash, 'r:' .. id)
    redis.call('ZREM', deadlines, id)
  end
end
local function expire(hash, deadlines, now)
  local ids = redis.call('ZRANGEBYSCORE', deadlines, '-inf', int(now))
  for _, id in ipairs(ids) do unhold(hash, deadlines, id) end
end
local function trim(hash, buckets, now, span, width)
  if span == 0 then return end
  local cutoff = int(now - span - width)
  local old = redis.call('ZRANGEBYSCORE', buckets, '-inf', cutoff)
  for _, b in ipairs(old) do
    add(hash, 'spent', -num(hash, 'b:' .. b))
    redis.call('HDEL', hash, 'b:' .. b)
  end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', buckets, '-inf', cutoff) end
end
local function keep(hash, deadlines, buckets, ttl)
  redis.call('PEXPIRE', hash, ttl)
  redis.call('PEXPIRE', deadlines, ttl)
  redis.call('PEXPIRE', buckets, ttl)
end
`;

/**
 * KEYS: per target hash, expiry, buckets. ARGV: now, id, deadline, then per target limit,
 * amount, enforce (1: reject/downgrade, 0: alert), span, width, key ttl.
 * Returns {1, used...} when reserved, {0, used, resets...} when refused: committed use before
 * this request per target, and for refused rolling targets when enough will have left (-1: never).
 */
const RESERVE = COMMON + `
local now, id, deadline = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local n = #KEYS / 3
local used, refused = {}, false
for i = 1, n do
  local h, d, b, a = KEYS[3*i-2], KEYS[3*i-1], KEYS[3*i], 3 + (i-1)*6
  expire(h, d, now)
  trim(h, b, now, tonumber(ARGV[a+4]), tonumber(ARGV[a+5]))
  used[i] = num(h, 'spent') + num(h, 'reserved')
  if ARGV[a+3] == '1' and used[i] + tonumber(ARGV[a+2]) > tonumber(ARGV[a+1]) then refused = true end
end
if not refused then
  for i = 1, n do
    local h, d, b, a = KEYS[3*i-2], KEYS[3*i-1], KEYS[3*i], 3 + (i-1)*6
    add(h, 'reserved', tonumber(ARGV[a+2]))
    redis.call('HSET', h, 'r:' .. id, ARGV[a+2])
    redis.call('ZADD', d, deadline, id)
    keep(h, d, b, ARGV[a+6])
  end
  local out = {1}
  for i = 1, n do out[#out+1] = used[i] end
  return out
end
local out = {0}
for i = 1, n do
  local a = 3 + (i-1)*6
  local span, width = tonumber(ARGV[a+4]), tonumber(ARGV[a+5])
  local need = used[i] + tonumber(ARGV[a+2]) - tonumber(ARGV[a+1])
  local resets = -1
  if span > 0 and need > 0 then
    local freed, starts = 0, redis.call('ZRANGE', KEYS[3*i], 0, -1)
    for _, s in ipairs(starts) do
      freed = freed + num(KEYS[3*i-2], 'b:' .. s)
      if freed >= need then resets = tonumber(s) + width + span; break end
    end
  end
  out[#out+1] = used[i]
  out[#out+1] = resets
end
return out
`;

/**
 * KEYS: done marker, then per target hash, expiry, buckets. ARGV: now, id, marker ttl, then per
 * target amount, span, width, bucket, key ttl. Returns 1 when settled, 0 when it already was.
 * The targets are those the reservation holds on and those the charge goes to (they differ when
 * a failover moved the charge to another model's budgets): each is freed of the reservation's
 * hold, and charged its amount (0 where nothing is charged).
 */
const SETTLE = COMMON + `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then return 0 end
local now, id = tonumber(ARGV[1]), ARGV[2]
for i = 1, (#KEYS - 1) / 3 do
  local h, d, b, a = KEYS[3*i-1], KEYS[3*i], KEYS[3*i+1], 3 + (i-1)*5
  local amount, span, width, bucket = tonumber(ARGV[a+1]), tonumber(ARGV[a+2]), tonumber(ARGV[a+3]), ARGV[a+4]
  expire(h, d, now)
  unhold(h, d, id)
  if amount == 0 then
    -- only held here: freed above
  elseif span == 0 then
    add(h, 'spent', amount)
  elseif tonumber(bucket) + width + span > now then
    add(h, 'b:' .. bucket, amount)
    add(h, 'spent', amount)
    redis.call('ZADD', b, bucket, bucket)
  end
  keep(h, d, b, ARGV[a+5])
end
return 1
`;

/** KEYS: done marker, then per target hash, expiry. ARGV: id, marker ttl. */
const RELEASE = COMMON + `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 0 end
for i = 1, (#KEYS - 1) / 2 do unhold(KEYS[2*i], KEYS[2*i+1], ARGV[1]) end
return 1
`;

/**
 * KEYS: one target's hash, buckets. ARGV: key ttl, rolling (1/0), then bucket, amount pairs
 * (calendar: one pair, bucket 0). Writes the counter only when Redis has none for this budget
 * window (EXISTS, in the same script: two gateways seeding together count the ledger once, and
 * a counter that was never lost is never added to); marks it `seeded`. Returns 1 when seeded.
 */
const SEED = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local total = 0
for i = 3, #ARGV, 2 do
  local amount = tonumber(ARGV[i+1])
  total = total + amount
  if ARGV[2] == '1' then
    redis.call('HINCRBY', KEYS[1], 'b:' .. ARGV[i], ARGV[i+1])
    redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i])
  end
end
redis.call('HSET', KEYS[1], 'spent', string.format('%d', total), 'seeded', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if ARGV[2] == '1' then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return 1
`;

/** KEYS: per target hash, expiry, buckets. ARGV: now, then per target span, width. Returns spent, reserved per target. */
const USAGE = COMMON + `
local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS / 3 do
  local h, d, b = KEYS[3*i-2], KEYS[3*i-1], KEYS[3*i]
  expire(h, d, now)
  trim(h, b, now, tonumber(ARGV[2*i]), tonumber(ARGV[2*i+1]))
  out[#out+1] = num(h, 'spent')
  out[#out+1] = num(h, 'reserved')
end
return out
`;

/** A Lua script run by its SHA1, sent in full only when Redis does not have it yet. */
class Script {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

const SCRIPTS = { reserve: new Script(RESERVE), settle: new Script(SETTLE), release: new Script(RELEASE), usage: new Script(USAGE), seed: new Script(SEED) };

export class RedisBudgetStore implements BudgetStore {
  readonly #budgets: readonly PolicyBudget[];
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #prefix: string;
  readonly #client: Redis;
  #connectedOnce = false;

  constructor(opts: RedisBudgetStoreOptions) {
    this.#budgets = opts.budgets;
    this.#ttlMs = opts.reservationTtlS * 1000;
    this.#now = opts.now ?? Date.now;
    this.#prefix = opts.prefix ?? DEFAULT_PREFIX;
    // Fail fast while Redis is away (see #run): the caller decides (closed: 503, open: serve
    // unbudgeted). Reconnecting goes on in the background.
    this.#client = new Redis(opts.url, { maxRetriesPerRequest: 1, connectTimeout: COMMAND_TIMEOUT_MS, commandTimeout: COMMAND_TIMEOUT_MS });
    // Each failed reconnect emits 'error'; the failed commands carry the news to the caller.
    this.#client.on('error', () => {});
    this.#client.on('ready', () => {
      this.#connectedOnce = true;
    });
  }

  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    const now = this.#now();
    const targets = targetsOf(this.#budgets, req.scopes, req.at);
    const id = randomUUID();
    const expiresAt = now + this.#ttlMs;
    const reservation: Reservation = {
      id, requestId: req.requestId, at: req.at, scopes: { ...req.scopes }, usd: req.usd, tokens: req.tokens, expiresAt,
      budgets: targets.map((t) => t.budget.name),
    };
    if (targets.length === 0) return { ok: true, reservation, alerts: [] };
    const amounts = targets.map((t) => amountFor(t.budget, req));
    const args: Array<string | number> = [now, id, expiresAt];
    targets.forEach((t, i) => {
      const { span, width } = spanOf(t);
      args.push(t.limit, amounts[i]!, t.budget.onExceed === 'alert' ? 0 : 1, span, width, this.#keyTtlMs(t, now));
    });
    const out = (await this.#run(SCRIPTS.reserve, targets.flatMap((t) => this.#keys(t)), args)) as number[];
    if (out[0] === 1) {
      const alerts = targets.flatMap((t, i) => crossedAlerts(t, out[1 + i]!, amounts[i]!).map((share) => ({ budget: t.budget.name, share })));
      return { ok: true, reservation, alerts };
    }
    const refused = firstRefusal(targets.flatMap((target, i) => {
      const used = out[1 + 2 * i]!;
      return target.budget.onExceed !== 'alert' && used + amounts[i]! > target.limit ? [{ target, used, resets: out[2 + 2 * i]! }] : [];
    }));
    // The script refused, so at least one target did.
    const { target, used, resets } = refused!;
    return refusalOf(target, used, resets < 0 ? null : resets);
  }

  /** Charges the actual amount in full, as LocalBudgetStore.settle does, once, in one script. */
  async settle(reservation: Reservation, actual: { usd: number; tokens: number }, scopes?: ScopeValues): Promise<void> {
    const charged = settledTargets(this.#budgets, reservation, scopes);
    // Budgets the reservation holds on but the charge moved away from: freed, charged nothing.
    const chargedKeys = new Set(charged.map((t) => t.key));
    const heldOnly = this.#targetsOf(reservation).filter((t) => !chargedKeys.has(t.key));
    const targets = [...charged, ...heldOnly];
    if (targets.length === 0) return;
    const now = this.#now();
    const args: Array<string | number> = [now, reservation.id, this.#doneTtlMs()];
    targets.forEach((t, i) => {
      const { span, width } = spanOf(t);
      args.push(i < charged.length ? amountFor(t.budget, actual) : 0, span, width, t.place.kind === 'rolling' ? t.place.bucket : 0, this.#keyTtlMs(t, now));
    });
    await this.#run(SCRIPTS.settle, [this.#doneKey(reservation), ...targets.flatMap((t) => this.#keys(t))], args);
  }

  /**
   * Counts settled charges (from the ledger) in every budget window Redis has no counter for,
   * as after a Redis restart without persistence; a counter Redis has is left as it is (see
   * SEED). Charges whose windows have closed are skipped. Returns how many counters it wrote.
   */
  async seed(charges: Iterable<Charge> | AsyncIterable<Charge>): Promise<number> {
    const now = this.#now();
    const sums = new Map<string, { target: Target; buckets: Map<number, number> }>();
    const count = (charge: Charge): void => {
      for (const target of targetsOf(this.#budgets, charge.scopes, charge.at)) {
        if (!stillCounts(target.place, now)) continue;
        let sum = sums.get(target.key);
        if (!sum) sums.set(target.key, (sum = { target, buckets: new Map() }));
        const bucket = target.place.kind === 'rolling' ? target.place.bucket : 0;
        sum.buckets.set(bucket, (sum.buckets.get(bucket) ?? 0) + amountFor(target.budget, charge));
      }
    };
    // A synchronous source (SQLite) is read without yielding: its statement is never open
    // while a request writes to the same database.
    if (Symbol.iterator in charges) for (const charge of charges) count(charge);
    else for await (const charge of charges) count(charge);
    let seeded = 0;
    for (const { target, buckets } of sums.values()) {
      const [hash, , bucketsKey] = this.#keys(target);
      const args: Array<string | number> = [this.#keyTtlMs(target, now), target.place.kind === 'rolling' ? 1 : 0];
      for (const [bucket, units] of buckets) args.push(bucket, units);
      seeded += (await this.#run(SCRIPTS.seed, [hash, bucketsKey], args)) as number;
    }
    return seeded;
  }

  async release(reservation: Reservation): Promise<void> {
    const targets = this.#targetsOf(reservation);
    if (targets.length === 0) return;
    const keys = [this.#doneKey(reservation), ...targets.flatMap((t) => this.#keys(t).slice(0, 2))];
    await this.#run(SCRIPTS.release, keys, [reservation.id, this.#doneTtlMs()]);
  }

  async remaining(scopes: ScopeValues, at: number): Promise<Snapshot['budgets']> {
    const { targets, counts } = await this.#read(scopes, at);
    return snapshotOf(targets, targets.map((_, i) => counts[2 * i]! + counts[2 * i + 1]!));
  }

  /** Spent and reserved on every budget a request with `scopes` arriving at `at` counts against. */
  async usage(scopes: ScopeValues, at: number): Promise<BudgetUsage[]> {
    const { targets, counts } = await this.#read(scopes, at);
    return targets.map((t, i) => usageOf(t, counts[2 * i]!, counts[2 * i + 1]!));
  }

  /** Drops the connection: operations still pending fail, so await them first. */
  async close(): Promise<void> {
    this.#client.disconnect();
  }

  async #read(scopes: ScopeValues, at: number): Promise<{ targets: Target[]; counts: number[] }> {
    const targets = targetsOf(this.#budgets, scopes, at);
    if (targets.length === 0) return { targets, counts: [] };
    const args: number[] = [this.#now()];
    for (const t of targets) {
      const { span, width } = spanOf(t);
      args.push(span, width);
    }
    const counts = (await this.#run(SCRIPTS.usage, targets.flatMap((t) => this.#keys(t)), args)) as number[];
    return { targets, counts };
  }

  /** Whether the connection to Redis is up now. */
  get connected(): boolean {
    return this.#client.status === 'ready';
  }

  /**
   * Runs a script, failing at once unless connected: queued, each request would wait out the
   * reconnect delays. Only a first connection in progress is waited for (at most the connect
   * timeout), so that a starting gateway does not refuse its first requests.
   */
  #run(script: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const status = this.#client.status;
    const starting = !this.#connectedOnce && (status === 'wait' || status === 'connecting' || status === 'connect');
    if (status !== 'ready' && !starting) return Promise.reject(new Error(`Redis connection is ${status}`));
    return script.run(this.#client, keys, args);
  }

  #keys(t: Target): [hash: string, expiry: string, buckets: string] {
    const base = this.#prefix + t.key;
    return [base, `${base}:expiry`, `${base}:buckets`];
  }

  #doneKey(reservation: Reservation): string {
    return `${this.#prefix}done:${reservation.id}`;
  }

  /** A second settle comes from a retry soon after the first; twice the TTL is ample. */
  #doneTtlMs(): number {
    return 2 * this.#ttlMs;
  }

  /**
   * How long a budget's keys must outlive this write: a calendar window until it ends and its
   * last reservation would have expired; a rolling window a full span, a bucket and a TTL.
   * Relative to the store's clock, so a test's clock far from Redis's keeps its keys too.
   */
  #keyTtlMs(t: Target, now: number): number {
    const p = t.place;
    const until = p.kind === 'calendar' ? p.end - now : p.spanMs + p.bucketMs;
    return Math.max(until, 0) + this.#ttlMs + 60_000;
  }

  /** The reservation's budgets as this store knows them (a reservation made unbudgeted has none). */
  #targetsOf(reservation: Reservation): Target[] {
    const names = new Set(reservation.budgets);
    return targetsOf(this.#budgets.filter((b) => names.has(b.name)), reservation.scopes, reservation.at);
  }
}

function spanOf(t: Target): { span: number; width: number } {
  return t.place.kind === 'rolling' ? { span: t.place.spanMs, width: t.place.bucketMs } : { span: 0, width: 0 };
}
