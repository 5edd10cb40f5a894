/**
 * The canonical form of a policy: keys in a fixed order (below; `policy fmt --help` shows it),
 * the top level, providers, models and routes as block collections, prices as flow maps, lists
 * of scalars as flow sequences, 2-space indent. Edits the parsed YAML document in place, so
 * comments, blank lines, quoting and trailing zeros (2.50) survive, and the result compiles to the
 * same program.
 */
import { isMap, isScalar, isSeq, Scalar, visit, YAMLSeq } from 'yaml';
import type { Pair, YAMLMap } from 'yaml';
import type { PolicyError } from '../../../engine/src/errors.js';
import { parsePolicy } from '../../../engine/src/policy/parse.js';

const TOP = ['version', 'limits', 'defaults', 'recording', 'resilience', 'budgets', 'budget_store', 'complexity', 'providers', 'models', 'routes'];
const PROVIDER = ['kind', 'base_url', 'base_url_env', 'api_key_env', 'batch_discount'];
const MODEL = ['provider', 'upstream', 'type', 'price', 'context_window', 'max_output_tokens', 'tokenizer', 'chars_per_token', 'capabilities', 'quality', 'image_tokens'];
const PRICE = ['input', 'cached_input', 'cache_write', 'output', 'batch_discount'];
const ROUTE = ['name', 'match', 'when', 'strategy', 'require', 'weights', 'split_by', 'max_tokens', 'retries', 'tier', 'candidates', 'fallback', 'expected_output_tokens', 'expected_cached_share'];

export type FormatResult = { ok: true; text: string } | { ok: false; errors: PolicyError[] };

/** The canonical text of a policy, or the errors that keep it from parsing. */
export function formatPolicySource(source: string, file: string): FormatResult {
  const { parsed, errors } = parsePolicy(source, file);
  if (errors.length > 0) return { ok: false, errors };
  const top = parsed.doc.contents;
  if (isMap(top)) {
    // The skeleton is always block; entries inside keep the style they were written in.
    top.flow = false;
    reorderTop(top);
    const providers = top.get('providers');
    const models = top.get('models');
    const routes = top.get('routes');
    if (isMap(providers)) providers.flow = false;
    if (isMap(models)) models.flow = false;
    if (isSeq(routes)) routes.flow = false;
    for (const provider of entries(providers)) reorder(provider, PROVIDER);
    for (const model of entries(models)) {
      reorder(model, MODEL);
      const price = model.get('price');
      if (isMap(price)) {
        reorder(price, PRICE);
        if (!price.items.some((p) => hasComment(p.key) || hasComment(p.value))) price.flow = true;
      }
    }
    if (isSeq(routes)) {
      for (const route of routes.items) {
        if (!isMap(route)) continue;
        route.flow = false;
        reorder(route, ROUTE);
      }
    }
  }
  visit(parsed.doc, {
    Seq(_, seq) {
      if (!seq.items.every(isPlainScalar)) return;
      if (!seq.items.some(hasComment)) seq.flow = true;
      if (seq.flow) tightFlow(seq);
    },
  });
  return { ok: true, text: parsed.doc.toString({ indent: 2, indentSeq: true, lineWidth: 0 }) };
}

/** The map values of a map of maps (providers, models). */
function entries(node: unknown): YAMLMap[] {
  return isMap(node) ? node.items.map((p) => p.value).filter(isMap) : [];
}

/** Known keys in `order`, then unknown ones as they were; a comment above a key moves with it. */
function reorder(map: YAMLMap, order: readonly string[]): void {
  const first = map.items[0];
  const sorted = sortPairs(map.items, order);
  map.items = sorted;
  if (first === undefined || sorted[0] === first) return;
  // Above the first key, the parser files a comment under the map; it belongs to that key.
  if (map.commentBefore && isScalar(first.key)) {
    first.key.commentBefore = joinComments(map.commentBefore, first.key.commentBefore);
    map.commentBefore = undefined;
  }
  unspace(sorted[0]!);
}

/** As reorder, but a comment above the first key is the file's header and stays on top. */
function reorderTop(map: YAMLMap): void {
  const first = map.items[0];
  const sorted = sortPairs(map.items, TOP);
  map.items = sorted;
  if (first === undefined || sorted[0] === first) return;
  if (isScalar(first.key) && first.key.commentBefore) {
    map.commentBefore = joinComments(map.commentBefore, first.key.commentBefore);
    first.key.commentBefore = undefined;
  }
  unspace(sorted[0]!);
}

function sortPairs(items: Pair[], order: readonly string[]): Pair[] {
  const rank = (p: Pair): number => {
    const i = order.indexOf(isScalar(p.key) ? String(p.key.value) : '');
    return i === -1 ? order.length : i;
  };
  // Array.prototype.sort is stable, so unknown keys keep their order after the known ones.
  return [...items].sort((a, b) => rank(a) - rank(b));
}

/** A blank line above what is now the first key would open the map with an empty line. */
function unspace(pair: Pair): void {
  if (isScalar(pair.key)) pair.key.spaceBefore = false;
}

function joinComments(a: string | null | undefined, b: string | null | undefined): string {
  return [a, b].filter((c) => c).join('\n');
}

function isPlainScalar(item: unknown): boolean {
  return isScalar(item) && item.type !== Scalar.BLOCK_LITERAL && item.type !== Scalar.BLOCK_FOLDED;
}

/** A flow collection with a commented entry breaks over lines; a block one keeps each comment on its entry. */
function hasComment(item: unknown): boolean {
  return isScalar(item) && Boolean(item.comment || item.commentBefore);
}

/**
 * `[a, b]` without the padding that flow maps keep (`{ input: 1 }`): the yaml package has one
 * padding switch for both, and the policies in this repository write them this way. Only for
 * lists of scalars, so a flow map inside a list keeps its padding.
 */
function tightFlow(seq: YAMLSeq): void {
  const toString = YAMLSeq.prototype.toString;
  seq.toString = (ctx, onComment, onChompKeep) => toString.call(seq, ctx && { ...ctx, flowCollectionPadding: '' }, onComment, onChompKeep);
}
