/**
 * The field catalogue of the condition language: every field a condition may read, its type and
 * where its value comes from at run time (the core's FEATURES record, or a NUM or STR slot the
 * host fills), and the slot table that gives each slot source its index.
 */
import * as abi from '../../abi.js';
import type { BudgetScope } from '../../decide.js';
import * as feat from '../../features-abi.js';
import { SCRIPT_NAMES } from '../../features.js';
import { closestName } from '../schema.js';
import type { ExprDiagnostic } from './lex.js';
import type { FieldSegment } from './parse.js';

export type EnumName = 'circuit' | 'weekday' | 'script';
export type ExprType = 'number' | 'string' | 'bool' | 'duration' | 'usd' | EnumName;

/** Each enum's members, indexed by the code the core sees. */
export const ENUM_MEMBERS: Readonly<Record<EnumName, readonly string[]>> = {
  circuit: membersByCode({
    closed: abi.CIRCUIT_CLOSED, open: abi.CIRCUIT_OPEN, half_open: abi.CIRCUIT_HALF_OPEN, unavailable: abi.CIRCUIT_UNAVAILABLE,
  }),
  weekday: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
  script: SCRIPT_NAMES,
};

function membersByCode(codes: Record<string, number>): string[] {
  const members: string[] = [];
  for (const [name, code] of Object.entries(codes)) members[code] = name;
  return members;
}

export function isEnum(type: ExprType): type is EnumName {
  return type === 'circuit' || type === 'weekday' || type === 'script';
}

export type HealthField = 'circuit' | 'latency_ewma' | 'error_rate';
export type BudgetField = 'remaining_usd' | 'remaining_tokens';
export const BUDGET_SCOPES: readonly BudgetScope[] = ['key', 'user', 'team', 'session', 'global'];

/** What the host writes into one NUM or STR slot. */
export type SlotSource =
  | { kind: 'request'; field: 'messages' | 'max_output' | 'stream' | 'tools' | 'json_mode' | 'images' }
  | { kind: 'request'; field: 'model' | 'priority' | 'user' | 'session' }
  | { kind: 'caller'; field: 'key' | 'team' | 'user' }
  | { kind: 'time'; field: 'hour' | 'weekday' }
  | { kind: 'metadata'; key: string }
  /** A virtual key's metadata value: admin-set, so a condition can route by it (a tier, a cost centre). */
  | { kind: 'caller_metadata'; key: string }
  | { kind: 'model'; name: string; field: HealthField }
  | { kind: 'provider'; name: string; field: HealthField }
  | { kind: 'budget'; scope: BudgetScope; field: BudgetField };

/** Where a field's value is read at run time. */
export type FieldSource =
  | { kind: 'feature'; offset: number }
  | { kind: 'num'; slot: SlotSource }
  | { kind: 'str'; slot: SlotSource };

export interface ResolvedField {
  /** The field as written, canonical form: `request.metadata["a b"]`, `snapshot.models["x"].circuit`. */
  name: string;
  type: ExprType;
  source: FieldSource;
}

/** One catalogue entry, for the documentation and the schema. */
export interface FieldDoc {
  /** `request.tokens.prompt`; dynamic parts in angle brackets: `request.metadata.<key>`. */
  name: string;
  type: ExprType;
  description: string;
}

interface StaticField { type: ExprType; source: FieldSource; description: string }

const feature = (offset: number): FieldSource => ({ kind: 'feature', offset });
const num = (slot: SlotSource): FieldSource => ({ kind: 'num', slot });
const str = (slot: SlotSource): FieldSource => ({ kind: 'str', slot });

/**
 * NUM slots every layout starts with, in slot order: the sources every request has. Fields
 * name their source by value, and SlotTable finds these by value too.
 */
export const FIXED_NUM_SLOTS: readonly SlotSource[] = [
  { kind: 'request', field: 'messages' },
  { kind: 'request', field: 'max_output' },
  { kind: 'request', field: 'stream' },
  { kind: 'request', field: 'tools' },
  { kind: 'request', field: 'json_mode' },
  { kind: 'request', field: 'images' },
  { kind: 'time', field: 'hour' },
  { kind: 'time', field: 'weekday' },
];

/** STR slots every layout starts with, in slot order. */
export const FIXED_STR_SLOTS: readonly SlotSource[] = [
  { kind: 'request', field: 'model' },
  { kind: 'request', field: 'priority' },
  { kind: 'request', field: 'user' },
  { kind: 'request', field: 'session' },
  { kind: 'caller', field: 'key' },
  { kind: 'caller', field: 'team' },
  { kind: 'caller', field: 'user' },
];

const FEATURE_DESCRIPTIONS: ReadonlyArray<[name: string, offset: number, description: string]> = [
  ['turns', feat.FEAT_TURNS, 'user turns of the conversation'],
  ['chars', feat.FEAT_CHARS, 'characters (code points) of the message text'],
  ['code_density', feat.FEAT_CODE_DENSITY, 'share of characters on code-like lines, 0..1'],
  ['math_density', feat.FEAT_MATH_DENSITY, 'share of math characters, 0..1'],
  ['questions', feat.FEAT_QUESTIONS, 'questions asked'],
  ['reasoning', feat.FEAT_REASONING, 'reasoning cues ("step by step", "prove", ...)'],
  ['constraints', feat.FEAT_CONSTRAINTS, 'constraints on the answer ("must", "at most", "json", ...)'],
  ['non_latin_share', feat.FEAT_NON_LATIN_SHARE, 'share of letters outside the Latin script, 0..1'],
];

const STATIC_FIELDS: ReadonlyMap<string, StaticField> = new Map<string, StaticField>([
  ['request.model', { type: 'string', source: str({ kind: 'request', field: 'model' }), description: 'the model the client asked for' }],
  ['request.messages', { type: 'number', source: num({ kind: 'request', field: 'messages' }), description: 'number of messages' }],
  ['request.tokens.prompt', { type: 'number', source: feature(feat.FEAT_TOKENS), description: 'prompt tokens (o200k_base, chat overhead included)' }],
  ['request.tokens.max_output', { type: 'number', source: num({ kind: 'request', field: 'max_output' }), description: 'the client\'s max_tokens, 0 when absent' }],
  ['request.complexity', { type: 'number', source: feature(feat.FEAT_COMPLEXITY), description: 'complexity score in [0, 1] under the policy\'s weights' }],
  ...FEATURE_DESCRIPTIONS.map(([name, offset, description]): [string, StaticField] => (
    [`request.features.${name}`, { type: 'number', source: feature(offset), description }])),
  ['request.features.script', { type: 'script', source: feature(feat.FEAT_SCRIPT), description: 'the script most letters belong to' }],
  ['request.stream', { type: 'bool', source: num({ kind: 'request', field: 'stream' }), description: 'the client asked for a stream' }],
  ['request.tools', { type: 'bool', source: num({ kind: 'request', field: 'tools' }), description: 'the request defines tools' }],
  ['request.json_mode', { type: 'bool', source: num({ kind: 'request', field: 'json_mode' }), description: 'the request asks for JSON output' }],
  ['request.images', { type: 'number', source: num({ kind: 'request', field: 'images' }), description: 'number of image inputs' }],
  ['request.priority', { type: 'string', source: str({ kind: 'request', field: 'priority' }), description: 'header x-switchyard-priority or metadata.priority, "normal" when absent' }],
  ['request.user', { type: 'string', source: str({ kind: 'request', field: 'user' }), description: 'the body\'s user, "" when absent' }],
  ['request.session', { type: 'string', source: str({ kind: 'request', field: 'session' }), description: 'header x-switchyard-session or metadata.session_id, "" when absent' }],
  ['caller.key', { type: 'string', source: str({ kind: 'caller', field: 'key' }), description: 'the virtual key\'s id, "" when unknown' }],
  ['caller.team', { type: 'string', source: str({ kind: 'caller', field: 'team' }), description: 'the virtual key\'s team, "" when unknown' }],
  ['caller.user', { type: 'string', source: str({ kind: 'caller', field: 'user' }), description: 'the virtual key\'s user, "" when unknown' }],
  ...BUDGET_SCOPES.flatMap((scope): Array<[string, StaticField]> => [
    [`snapshot.budget.${scope}.remaining_usd`, { type: 'usd', source: num({ kind: 'budget', scope, field: 'remaining_usd' }), description: `USD left in the ${scope} budget, +Infinity when there is none` }],
    [`snapshot.budget.${scope}.remaining_tokens`, { type: 'number', source: num({ kind: 'budget', scope, field: 'remaining_tokens' }), description: `tokens left in the ${scope} budget, +Infinity when there is none` }],
  ]),
  ['time.hour', { type: 'number', source: num({ kind: 'time', field: 'hour' }), description: 'UTC hour 0..23 of the request\'s arrival' }],
  ['time.weekday', { type: 'weekday', source: num({ kind: 'time', field: 'weekday' }), description: 'UTC weekday of the request\'s arrival' }],
]);

const HEALTH_FIELDS: ReadonlyArray<[HealthField, ExprType, string]> = [
  ['circuit', 'circuit', 'circuit state'],
  ['latency_ewma', 'duration', 'latency average (0 = no data)'],
  ['error_rate', 'number', 'recent error rate, 0..1'],
];

/** Every field, for the documentation. */
export const FEATURE_FIELDS: readonly FieldDoc[] = [
  ...[...STATIC_FIELDS].map(([name, f]): FieldDoc => ({ name, type: f.type, description: f.description })),
  { name: 'request.metadata.<key>', type: 'string', description: 'the body\'s metadata[key] as text, "" when absent; any key: request.metadata["<key>"]' },
  { name: 'caller.metadata.<key>', type: 'string', description: 'the virtual key\'s metadata[key], "" when absent or unknown; any key: caller.metadata["<key>"]' },
  ...(['model', 'provider'] as const).flatMap((of) => HEALTH_FIELDS.map(([field, type, description]): FieldDoc => ({
    name: `snapshot.${of}s["<${of}>"].${field}`, type, description: `the ${of}'s ${description}`,
  }))),
];

/** Every field name as the documentation writes it. */
export const FIELD_NAMES: readonly string[] = FEATURE_FIELDS.map((f) => f.name);

// The catalogue as a tree, so a reference resolves (and a typo is diagnosed) segment by segment.
type FieldNode =
  | { kind: 'leaf'; field: StaticField }
  | { kind: 'group'; children: Map<string, FieldNode> }
  /** `request.metadata` or `caller.metadata`: any key, written dotted or bracketed. */
  | { kind: 'metadata'; of: 'request' | 'caller' }
  | { kind: 'named'; of: 'model' | 'provider' };

const ROOT: FieldNode = buildTree();

function buildTree(): FieldNode {
  const root = { kind: 'group' as const, children: new Map<string, FieldNode>() };
  const groupAt = (path: readonly string[]): Map<string, FieldNode> => {
    let node: FieldNode = root;
    for (const name of path) {
      if (node.kind !== 'group') throw new Error(`field catalogue: ${path.join('.')} under a leaf`);
      let child = node.children.get(name);
      if (child === undefined) node.children.set(name, child = { kind: 'group', children: new Map() });
      node = child;
    }
    if (node.kind !== 'group') throw new Error(`field catalogue: ${path.join('.')} is a leaf`);
    return node.children;
  };
  for (const [name, field] of STATIC_FIELDS) {
    const path = name.split('.');
    groupAt(path.slice(0, -1)).set(path[path.length - 1]!, { kind: 'leaf', field });
  }
  groupAt(['request']).set('metadata', { kind: 'metadata', of: 'request' });
  groupAt(['caller']).set('metadata', { kind: 'metadata', of: 'caller' });
  groupAt(['snapshot']).set('models', { kind: 'named', of: 'model' });
  groupAt(['snapshot']).set('providers', { kind: 'named', of: 'provider' });
  return root;
}

/** The names a condition may put in `snapshot.models[...]` and `snapshot.providers[...]`. */
export interface DeclaredNames { models: readonly string[]; providers: readonly string[] }

export type Resolution = { ok: true; field: ResolvedField } | { ok: false; error: ExprDiagnostic };

/** `a.b["c"].d` */
export function formatSegments(segments: readonly Pick<FieldSegment, 'name' | 'quoted'>[]): string {
  return segments.map((s, i) => (s.quoted ? `[${JSON.stringify(s.name)}]` : i === 0 ? s.name : `.${s.name}`)).join('');
}

/**
 * The field that `segments` name. `start` is the reference's offset: unknown fields are
 * reported there, undeclared model and provider names at the name itself.
 */
export function resolveField(segments: readonly FieldSegment[], start: number, names: DeclaredNames): Resolution {
  const written = formatSegments(segments);
  const unknown = (message: string): Resolution => ({ ok: false, error: { code: 'SY_POLICY_EXPR_UNKNOWN_FIELD', message, offset: start } });
  let node = ROOT;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const prefix = formatSegments(segments.slice(0, i));
    switch (node.kind) {
      case 'group': {
        const child = seg.quoted ? undefined : node.children.get(seg.name);
        if (child === undefined) return unknown(`unknown field ${written}${suggestion(segments, i, node, names)}`);
        node = child;
        break;
      }
      case 'leaf':
        return unknown(`${prefix} has no field ${JSON.stringify(seg.name)}: it is a ${node.field.type} itself`);
      case 'metadata': {
        const rest = segments.slice(i);
        if (rest.length === 1 || rest.every((s) => !s.quoted)) {
          const key = rest.map((s) => s.name).join('.');
          const name = seg.quoted ? written : `${node.of}.metadata.${key}`;
          return { ok: true, field: { name, type: 'string', source: str(node.of === 'request' ? { kind: 'metadata', key } : { kind: 'caller_metadata', key }) } };
        }
        return unknown(`${written} mixes a dotted and a bracketed metadata key; write ${node.of}.metadata[${JSON.stringify(rest.map((s) => s.name).join('.'))}]`);
      }
      case 'named':
        return named(node.of, segments, i, start, names);
    }
  }
  switch (node.kind) {
    case 'leaf':
      return { ok: true, field: { name: written, type: node.field.type, source: node.field.source } };
    case 'group':
      return unknown(`${written} is not a field by itself; its fields: ${[...node.children.keys()].map((k) => `${written}.${k}`).join(', ')}`);
    case 'metadata':
      return unknown(`${written} needs a key: ${node.of}.metadata.<key> or ${node.of}.metadata["<key>"]`);
    case 'named':
      return unknown(`${written} needs a ${node.of} name and a field: ${written}["<${node.of}>"].circuit, .latency_ewma or .error_rate`);
  }
}

function named(of: 'model' | 'provider', segments: readonly FieldSegment[], i: number, start: number, names: DeclaredNames): Resolution {
  const written = formatSegments(segments);
  const collection = formatSegments(segments.slice(0, i));
  const unknown = (message: string): Resolution => ({ ok: false, error: { code: 'SY_POLICY_EXPR_UNKNOWN_FIELD', message, offset: start } });
  const seg = segments[i]!;
  if (!seg.quoted) return unknown(`${collection} takes a ${of} name in brackets and quotes: ${collection}[${JSON.stringify(seg.name)}]`);
  const declared = of === 'model' ? names.models : names.providers;
  if (!declared.includes(seg.name)) {
    const guess = closestName(seg.name, declared);
    const hint = guess === undefined ? `; declared ${of}s: ${declared.join(', ') || 'none'}` : ` (did you mean ${JSON.stringify(guess)}?)`;
    return { ok: false, error: { code: 'SY_POLICY_EXPR_UNKNOWN_NAME', message: `${of} ${JSON.stringify(seg.name)} is not declared${hint}`, offset: seg.start } };
  }
  const fieldSeg = segments[i + 1];
  const fields = HEALTH_FIELDS.map(([f]) => f);
  const base = `${collection}[${JSON.stringify(seg.name)}]`;
  if (fieldSeg === undefined) return unknown(`${base} needs a field: .${fields.join(', .')}`);
  const health = HEALTH_FIELDS.find(([f]) => f === fieldSeg.name && !fieldSeg.quoted);
  if (health === undefined) {
    const guess = fieldSeg.quoted ? undefined : closestName(fieldSeg.name, fields);
    const hint = guess === undefined ? `; its fields: ${fields.join(', ')}` : ` (did you mean ${base}.${guess}?)`;
    return unknown(`unknown field ${written}${hint}`);
  }
  if (segments.length > i + 2) return unknown(`${base}.${health[0]} has no field ${JSON.stringify(segments[i + 2]!.name)}`);
  const field = health[0];
  return { ok: true, field: { name: written, type: health[1], source: num(of === 'model' ? { kind: 'model', name: seg.name, field } : { kind: 'provider', name: seg.name, field }) } };
}

/** ` (did you mean X?)` for an unknown segment `i` under `group`, or ''. */
function suggestion(segments: readonly FieldSegment[], i: number, group: FieldNode & { kind: 'group' }, names: DeclaredNames): string {
  const written = formatSegments(segments);
  const whole = closestName(written, [...STATIC_FIELDS.keys()]);
  if (whole !== undefined) return ` (did you mean ${whole}?)`;
  const seg = segments[i]!;
  const guess = closestName(seg.name, [...group.children.keys()]);
  if (guess === undefined) {
    return i === 0 ? `; fields start with ${[...group.children.keys()].join(', ')}` : `; ${formatSegments(segments.slice(0, i))} has ${[...group.children.keys()].join(', ')}`;
  }
  const fixed = segments.map((s, k) => (k === i ? { ...s, name: guess, quoted: false } : s));
  const retry = resolveField(fixed, 0, names);
  if (retry.ok) return ` (did you mean ${retry.field.name}?)`;
  return ` (did you mean ${formatSegments(fixed.slice(0, i + 1))}?)`;
}

/** A stable key per slot source, so each distinct source gets one slot. */
export function slotKey(source: SlotSource): string {
  return JSON.stringify(source);
}

/** The NUM and STR slot tables: the fixed slots, then one per distinct dynamic source, in order of first use. */
export class SlotTable {
  readonly #num: SlotSource[] = [...FIXED_NUM_SLOTS];
  readonly #str: SlotSource[] = [...FIXED_STR_SLOTS];
  readonly #numIndex = new Map(FIXED_NUM_SLOTS.map((s, i) => [slotKey(s), i]));
  readonly #strIndex = new Map(FIXED_STR_SLOTS.map((s, i) => [slotKey(s), i]));

  /** The slot's index, allocating it on first use. */
  index(kind: 'num' | 'str', source: SlotSource): number {
    const [table, index] = kind === 'num' ? [this.#num, this.#numIndex] : [this.#str, this.#strIndex];
    const key = slotKey(source);
    let i = index.get(key);
    if (i === undefined) {
      i = table.length;
      table.push(source);
      index.set(key, i);
    }
    return i;
  }

  get numSlots(): readonly SlotSource[] { return this.#num; }
  get strSlots(): readonly SlotSource[] { return this.#str; }
}
