/**
 * YAML source -> document that remembers where every node came from, so every later stage can
 * name file:line:column for the value (or key) it complains about.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair, YAMLError } from 'yaml';
import { PolicyError } from '../errors.js';
import type { SourceLocation } from './types.js';

/** One step into a document: a map key or a list index. */
export type PathSegment = string | number;

/** A parsed policy: the YAML document, its plain-data form, and what maps offsets to lines. */
export interface ParsedPolicy {
  file: string;
  source: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain JSON-like data (what the schema validates); null for an empty file. */
  data: unknown;
}

/** The parsed policy with the YAML errors (syntax, duplicate keys) and warnings found on the way. */
export interface ParseResult {
  parsed: ParsedPolicy;
  errors: PolicyError[];
  warnings: PolicyError[];
}

/** Parses policy YAML, turning syntax errors and duplicate keys into located PolicyErrors. */
export function parsePolicy(source: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  // keepSourceTokens: the CST tells an unclosed `[` or `{` apart from other indentation errors.
  const doc = parseDocument(source, { lineCounter, keepSourceTokens: true, prettyErrors: false });
  const at = (offset: number): SourceLocation => ({ file, ...lineCounter.linePos(offset) });

  const duplicates = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY');
  const syntax = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
  const errors = duplicates.map(
    (e) => new PolicyError('SY_POLICY_DUPLICATE_KEY', `${describeKeyAt(doc, e.pos[0])} appears twice in the same map`, at(e.pos[0])),
  );
  // After the first syntax error the parser recovers by guessing, and what it reports next is
  // mostly the echo of that guess; one true error reads better than three confusing ones.
  const first = syntax.reduce<YAMLError | undefined>((a, e) => (a === undefined || e.pos[0] < a.pos[0] ? e : a), undefined);
  if (first !== undefined) errors.push(syntaxError(doc, first, at));
  const warnings = doc.warnings.map(
    (w) => new PolicyError('SY_POLICY_YAML_WARNING', firstLine(w.message), at(w.pos[0]), { severity: 'warning' }),
  );

  let data: unknown = null;
  try {
    data = doc.toJS();
  } catch (e) {
    // toJS refuses alias bombs ("excessive alias count") instead of expanding them.
    errors.push(new PolicyError('SY_POLICY_YAML_SYNTAX', firstLine((e as Error).message), at(0)));
  }
  return { parsed: { file, source, doc, lineCounter, data }, errors, warnings };
}

/**
 * The location of the node at `path`: its value, or with `at: 'key'` the key it is filed under
 * (a list item has no key, so its own start). Walks as far as the document goes and answers for
 * the deepest node found, so a path into something missing still lands near it.
 */
export function locate(parsed: ParsedPolicy, path: readonly PathSegment[], at: 'value' | 'key' = 'value'): SourceLocation {
  const { lineCounter, file } = parsed;
  const pos = (offset: number): SourceLocation => ({ file, ...lineCounter.linePos(offset) });
  const { node, keyNode, alias } = walk(parsed, path);
  // Through an alias, the problem is where the alias is used, not where its anchor is written.
  if (alias !== null) return pos(nodeStart(alias) ?? 0);
  const valueStart = nodeStart(node);
  const keyStart = keyNode === null ? undefined : nodeStart(keyNode);
  if (at === 'key' && keyStart !== undefined) return pos(keyStart);
  // `price:` with nothing after it has a zero-width null value; the key is what the user sees.
  if (isEmptyScalar(node) && keyStart !== undefined) return pos(keyStart);
  if (valueStart !== undefined) return pos(valueStart);
  return keyStart !== undefined ? pos(keyStart) : { file, line: 1, col: 1 };
}

/** The scalar at `path` as written in the source (`1.0`, `007`, `true`), or undefined if none is there. */
export function scalarSource(parsed: ParsedPolicy, path: readonly PathSegment[]): string | undefined {
  const { node, complete } = walk(parsed, path);
  const target = isAlias(node) ? node.resolve(parsed.doc) : node;
  return complete && isScalar(target) ? target.source : undefined;
}

interface Walked {
  node: unknown;
  keyNode: Node | null;
  /** The first alias the walk went through, if any. */
  alias: Node | null;
  complete: boolean;
}

function walk(parsed: ParsedPolicy, path: readonly PathSegment[]): Walked {
  const { doc } = parsed;
  let node: unknown = doc.contents;
  let keyNode: Node | null = null;
  let alias: Node | null = null;
  for (const segment of path) {
    if (isAlias(node)) {
      alias ??= node;
      node = node.resolve(doc);
    }
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) return { node, keyNode, alias, complete: false };
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      keyNode = null;
      node = node.items[segment];
    } else {
      return { node, keyNode, alias, complete: false };
    }
  }
  return { node, keyNode, alias, complete: true };
}

/** `routes[2].candidates[0]`, `models.gpt-4o-mini.price`; odd keys are quoted: `models["gpt-4.1"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function syntaxError(doc: Document.Parsed, error: YAMLError, at: (offset: number) => SourceLocation): PolicyError {
  const unclosed = firstUnclosedFlow(doc);
  if (error.code === 'BAD_INDENT' && unclosed !== undefined) {
    // The parser notices a missing `]` where the next line starts; the fix is at the `[`.
    const [open, close, kind] = unclosed.seq ? ['[', ']', 'list'] : ['{', '}', 'map'];
    return new PolicyError('SY_POLICY_YAML_SYNTAX', `this flow ${kind} opened with "${open}" is never closed with "${close}"`, at(unclosed.offset));
  }
  if (error.code === 'MULTIPLE_DOCS') {
    return new PolicyError('SY_POLICY_YAML_SYNTAX', 'a policy file holds one YAML document; this "---" starts a second', at(error.pos[0]));
  }
  return new PolicyError('SY_POLICY_YAML_SYNTAX', firstLine(error.message), at(error.pos[0]));
}

function firstUnclosedFlow(doc: Document.Parsed): { offset: number; seq: boolean } | undefined {
  let found: { offset: number; seq: boolean } | undefined;
  visit(doc, {
    Collection(_, node) {
      const token = node.srcToken;
      if (!node.flow || token?.type !== 'flow-collection') return undefined;
      const closed = token.end.some((t) => t.type === 'flow-seq-end' || t.type === 'flow-map-end');
      if (closed) return undefined;
      found = { offset: token.start.offset, seq: token.start.type === 'flow-seq-start' };
      return visit.BREAK;
    },
  });
  return found;
}

function describeKeyAt(doc: Document.Parsed, offset: number): string {
  let name: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        name = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return name === undefined ? 'this key' : `key ${JSON.stringify(name)}`;
}

function nodeStart(node: unknown): number | undefined {
  if (isPair(node)) return nodeStart((node as Pair).key);
  const range = (node as Node | null | undefined)?.range;
  return range === undefined || range === null ? undefined : range[0];
}

function isEmptyScalar(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null && (node.source ?? '') === '');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
