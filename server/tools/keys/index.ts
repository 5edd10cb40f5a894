/**
 * `switchyard keys create|list|revoke`: virtual keys in the gateway's SQLite file. A running
 * gateway on the same file sees a new or revoked key within a second or two.
 */
import { parseArgs } from 'node:util';
import { UsageError, usage } from '../policy/args.js';
import { keysDbPath, KeyStore, type KeyRecord, type NewKey } from '../../keys/store.js';
import { keyView } from '../../routes/keys.js';

export const KEYS_HELP = `usage: switchyard keys <verb> [options]

verbs:
  create [--name N] [--team T] [--user U] [--routes a,b] [--models x,y] [--meta k=v]...
         issue a key; prints its secret on standard output, once: it is stored only as a
         SHA-256 digest and cannot be shown again
  list   every key: id, prefix (first 7 characters of the secret), team, user, limits, state
  revoke ID
         revoke a key; a running gateway on the same file refuses it within 2 s

options:
  --db FILE   the keys database (default: $SWITCHYARD_DB, else ./switchyard.db)
  --json      print JSON (create: the key with its secret; list: an array of keys)
  -h, --help  show this help

Clients send the secret as Authorization: Bearer <secret>. Policies see the key as caller.key
(its id), caller.team and caller.user.`;

type Out = (text: string) => void;
const out: Out = (text) => process.stdout.write(`${text}\n`);
const err: Out = (text) => process.stderr.write(`${text}\n`);

/** Flags every verb takes. */
const COMMON = { db: { type: 'string' }, json: { type: 'boolean' } } as const;

/** Runs `act` on the store the --db flag (or the environment) names, closing it after. */
function withStore(db: string | undefined, act: (store: KeyStore) => number): number {
  const store = new KeyStore(keysDbPath(db));
  try {
    return act(store);
  } finally {
    store.close();
  }
}

/** `a,b,,c` as [a, b, c]. */
function names(list: string | undefined): string[] | undefined {
  return list === undefined ? undefined : list.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Repeated `k=v` pairs as an object; a pair without `=` is a usage error. */
function metadataOf(pairs: string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--meta takes key=value, got "${pair}"`);
    metadata[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return metadata;
}

function describe(record: KeyRecord): string {
  const parts = [`prefix ${record.prefix}`];
  if (record.name !== null) parts.push(`name ${record.name}`);
  if (record.team !== null) parts.push(`team ${record.team}`);
  if (record.user !== null) parts.push(`user ${record.user}`);
  return parts.join(', ');
}

function create(argv: string[]): number {
  const { values, positionals } = usage(() => parseArgs({
    args: argv,
    options: {
      ...COMMON,
      name: { type: 'string' }, team: { type: 'string' }, user: { type: 'string' },
      routes: { type: 'string' }, models: { type: 'string' }, meta: { type: 'string', multiple: true },
    },
    allowPositionals: true,
    strict: true,
  }));
  if (positionals.length > 0) throw new UsageError(`keys create takes no arguments, got ${positionals.join(' ')}`);
  const spec: NewKey = {
    name: values.name, team: values.team, user: values.user,
    allowedRoutes: names(values.routes), allowedModels: names(values.models), metadata: metadataOf(values.meta),
  };
  return withStore(values.db, (store) => {
    const { record, secret } = store.create(spec);
    if (values.json === true) {
      out(JSON.stringify({ ...keyView(record), secret }, null, 2));
      return 0;
    }
    // The secret alone on standard output, so `KEY=$(switchyard keys create ...)` captures it.
    err(`created ${record.id} (${describe(record)}); its secret follows and is not shown again`);
    out(secret);
    return 0;
  });
}

function list(argv: string[]): number {
  const { values, positionals } = usage(() => parseArgs({ args: argv, options: COMMON, allowPositionals: true, strict: true }));
  if (positionals.length > 0) throw new UsageError(`keys list takes no arguments, got ${positionals.join(' ')}`);
  return withStore(values.db, (store) => {
    const keys = store.list();
    if (values.json === true) {
      out(JSON.stringify(keys.map(keyView), null, 2));
      return 0;
    }
    if (keys.length === 0) {
      out(`no keys in ${store.file}; the gateway is open until one is created`);
      return 0;
    }
    const rows = [['ID', 'PREFIX', 'NAME', 'TEAM', 'USER', 'ROUTES', 'MODELS', 'CREATED', 'STATE']];
    for (const k of keys) {
      rows.push([
        k.id, k.prefix, k.name ?? '-', k.team ?? '-', k.user ?? '-',
        k.allowedRoutes.join(',') || '*', k.allowedModels.join(',') || '*',
        k.createdAt, k.revokedAt === null ? 'active' : `revoked ${k.revokedAt}`,
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows) out(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
    return 0;
  });
}

function revoke(argv: string[]): number {
  const { values, positionals } = usage(() => parseArgs({ args: argv, options: COMMON, allowPositionals: true, strict: true }));
  if (positionals.length !== 1) throw new UsageError(`keys revoke takes one key id, got ${positionals.length}`);
  const id = positionals[0]!;
  return withStore(values.db, (store) => {
    const record = store.revoke(id);
    if (record === null) {
      err(`switchyard keys revoke: no key ${id} in ${store.file}`);
      return 1;
    }
    out(values.json === true ? JSON.stringify(keyView(record), null, 2) : `revoked ${record.id} (${describe(record)}) at ${record.revokedAt}`);
    return 0;
  });
}

const VERBS: Record<string, (argv: string[]) => number> = { create, list, revoke };

/** Runs one verb; resolves with its exit code (2 for a bad command line). */
export async function runKeys(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const verb = name === undefined ? undefined : VERBS[name];
  if (verb === undefined) {
    err(name === undefined ? KEYS_HELP : `switchyard keys: unknown verb "${name}"\n\n${KEYS_HELP}`);
    return 2;
  }
  try {
    return verb(rest);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`switchyard keys ${name}: ${e.message}\n\n${KEYS_HELP}`);
    return 2;
  }
}
