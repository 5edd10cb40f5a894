/**
 * Offsets inside a condition -> file line:col. The condition is the value of a YAML scalar,
 * which may be quoted (with escapes), folded over lines or a block (`|`, `>`); this rebuilds
 * which source character each value character came from.
 */
import { isAlias, isScalar, Scalar } from 'yaml';
import { locate, type ParsedPolicy, type PathSegment } from '../parse.js';
import type { SourceLocation } from '../types.js';

/** One character of a scalar's value and the source offset it was written at. */
interface Char { ch: string; at: number }

/** A source line of the scalar, as far as it contributes characters to the value. */
interface Line {
  chars: Char[];
  /** Source offset just past the line's last contributing character. */
  end: number;
  /** Ends in an escaped line break (double quotes): joins the next line with nothing between. */
  joined: boolean;
}

/**
 * Maps an offset in the condition at `path` to its file position. When the value cannot be
 * traced back character by character, every offset maps to the scalar's own position.
 */
export function exprLocator(parsed: ParsedPolicy, path: readonly PathSegment[]): (offset: number) => SourceLocation {
  const fallback = locate(parsed, path);
  let node: unknown = parsed.doc.getIn(path, true);
  if (isAlias(node)) node = node.resolve(parsed.doc);
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return () => fallback;
  const offsets = valueOffsets(parsed.source, node as Scalar<string>);
  if (offsets === null) return () => fallback;
  const { file, lineCounter } = parsed;
  return (offset) => ({ file, ...lineCounter.linePos(offsets[Math.max(0, Math.min(offset, offsets.length - 1))]!) });
}

/** Source offset of each value character, and one past the last; null if they do not line up. */
function valueOffsets(source: string, node: Scalar<string>): number[] | null {
  const [start, end] = node.range!;
  let lines: Line[];
  switch (node.type) {
    case Scalar.PLAIN: lines = flowLines(source, start, end, plainChars); break;
    case Scalar.QUOTE_SINGLE: lines = flowLines(source, start + 1, end - 1, singleQuotedChars); break;
    case Scalar.QUOTE_DOUBLE: lines = flowLines(source, start + 1, end - 1, doubleQuotedChars); break;
    case Scalar.BLOCK_LITERAL:
    case Scalar.BLOCK_FOLDED: lines = blockLines(source, start, end); break;
    default: return null;
  }
  return align(node.value, lines);
}

/**
 * Walks the value and the lines together. Between lines the value holds a space or line break
 * where YAML folded the break, or nothing (a skipped empty line, an escaped break).
 */
function align(value: string, lines: readonly Line[]): number[] | null {
  const offsets: number[] = [];
  let l = 0;
  let c = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    for (;;) {
      const line = lines[l];
      if (line === undefined) return null;
      const at = line.chars[c];
      if (at !== undefined) {
        if (at.ch !== ch) return null;
        offsets.push(at.at);
        c++;
        break;
      }
      l++;
      c = 0;
      if (!line.joined && (ch === ' ' || ch === '\n')) {
        offsets.push(line.end);
        break;
      }
    }
  }
  const last = lines[l];
  offsets.push(last?.chars[c]?.at ?? last?.end ?? (offsets.length > 0 ? offsets[offsets.length - 1]! + 1 : 0));
  return offsets;
}

type Decoder = (source: string, from: number, to: number) => { chars: Char[]; joined: boolean };

/**
 * Lines of a plain or quoted scalar between `from` and `to`: white space around each line
 * break is not part of the value (YAML folds it), the rest is decoded by `decode`.
 */
function flowLines(source: string, from: number, to: number, decode: Decoder): Line[] {
  const lines: Line[] = [];
  let lineStart = from;
  while (lineStart <= to) {
    const nl = source.indexOf('\n', lineStart);
    const lineEnd = nl === -1 || nl >= to ? to : nl;
    let a = lineStart;
    let b = lineEnd;
    if (lines.length > 0) while (a < b && (source[a] === ' ' || source[a] === '\t')) a++;
    if (lineEnd < to) while (b > a && (source[b - 1] === ' ' || source[b - 1] === '\t' || source[b - 1] === '\r')) b--;
    const { chars, joined } = decode(source, a, b);
    lines.push({ chars, end: b, joined });
    if (lineEnd >= to) break;
    lineStart = lineEnd + 1;
  }
  return lines;
}

const plainChars: Decoder = (source, from, to) => ({ chars: charsOf(source, from, to), joined: false });

const singleQuotedChars: Decoder = (source, from, to) => {
  const chars: Char[] = [];
  for (let i = from; i < to; i++) {
    chars.push({ ch: source[i]!, at: i });
    if (source[i] === "'" && source[i + 1] === "'") i++;
  }
  return { chars, joined: false };
};

const DOUBLE_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"',
  '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const HEX_ESCAPES: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

const doubleQuotedChars: Decoder = (source, from, to) => {
  const chars: Char[] = [];
  for (let i = from; i < to; i++) {
    if (source[i] !== '\\') {
      chars.push({ ch: source[i]!, at: i });
      continue;
    }
    const e = source[i + 1];
    if (e === undefined || i + 1 >= to) return { chars, joined: true };
    const simple = DOUBLE_ESCAPES[e];
    const digits = HEX_ESCAPES[e];
    if (simple !== undefined) {
      chars.push({ ch: simple, at: i });
      i++;
    } else if (digits !== undefined) {
      const decoded = String.fromCodePoint(parseInt(source.slice(i + 2, i + 2 + digits), 16));
      for (const unit of decoded.split('')) chars.push({ ch: unit, at: i });
      i += 1 + digits;
    } else {
      chars.push({ ch: e, at: i });
      i++;
    }
  }
  return { chars, joined: false };
};

/** Lines of a block scalar: the header line skipped, the content indentation removed. */
function blockLines(source: string, start: number, end: number): Line[] {
  const headerEnd = source.indexOf('\n', start);
  if (headerEnd === -1 || headerEnd >= end) return [];
  const raw: Array<[from: number, to: number]> = [];
  for (let from = headerEnd + 1; from < end;) {
    const nl = source.indexOf('\n', from);
    const to = nl === -1 || nl >= end ? end : nl;
    raw.push([from, source[to - 1] === '\r' ? to - 1 : to]);
    from = to + 1;
  }
  const first = raw.find(([from, to]) => source.slice(from, to).trim() !== '');
  const indent = first === undefined ? 0 : source.slice(first[0], first[1]).length - source.slice(first[0], first[1]).trimStart().length;
  return raw.map(([from, to]) => {
    const a = Math.min(from + indent, to);
    return { chars: charsOf(source, a, to), end: to, joined: false };
  });
}

function charsOf(source: string, from: number, to: number): Char[] {
  const chars: Char[] = [];
  for (let i = from; i < to; i++) chars.push({ ch: source[i]!, at: i });
  return chars;
}
