/**
 * Reads a provider's cost export into USD per UTC day and model.
 *
 * OpenAI: the organization costs API (GET /v1/organization/costs?group_by=line_item), a page
 * {object: "page", data: [{start_time, end_time (unix s), results: [{amount: {value, currency},
 * line_item, ...}]}]}. A line item names the model and what was billed: "gpt-4o-2024-08-06,
 * input", "..., cached input", "..., output". Items of other surfaces ("evals | ...") and
 * non-token items ("web search tool calls") are not gateway traffic: they are totalled apart.
 *
 * Anthropic: the cost report API (GET /v1/organizations/cost_report?group_by[]=description),
 * {data: [{starting_at, ending_at (RFC 3339), results: [{amount, currency, model, cost_type,
 * token_type, description, ...}]}]}, where `amount` is a decimal string in cents ("123.45" is
 * $1.23). Results with cost_type "tokens" and a model are model usage; web search and code
 * execution are totalled apart.
 *
 * Either may be one page or a JSON array of pages (a paged fetch saved as one file).
 */

/** What one model was billed on one UTC day. */
export interface ExportLine {
  day: string;
  model: string;
  usd: number;
}

/** A non-model cost (tool calls, other surfaces): listed in the totals, not reconciled. */
export interface OtherCost {
  day: string;
  label: string;
  usd: number;
}

export interface ProviderCosts {
  lines: ExportLine[];
  other: OtherCost[];
  /** The time the export covers: first bucket start, last bucket end (epoch ms); null when empty. */
  from: number | null;
  to: number | null;
}

export type ExportProvider = 'openai' | 'anthropic';

/** The export is not in the provider's format; the message says where and what. */
export class ExportFormatError extends Error {
  override readonly name = 'ExportFormatError';
}

type Json = Record<string, unknown>;

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(where: string, what: string): never {
  throw new ExportFormatError(`${where}: ${what}`);
}

/** The buckets of one page or of an array of pages. */
function bucketsOf(doc: unknown): Array<{ where: string; bucket: Json }> {
  const pages = Array.isArray(doc) ? doc : [doc];
  const out: Array<{ where: string; bucket: Json }> = [];
  pages.forEach((page, p) => {
    const at = Array.isArray(doc) ? `[${p}]` : '';
    if (!isJson(page) || !Array.isArray(page.data)) fail(at || '(top level)', 'expected an object with a "data" array');
    page.data.forEach((bucket: unknown, b: number) => {
      if (!isJson(bucket)) fail(`${at}data[${b}]`, 'expected a bucket object');
      out.push({ where: `${at}data[${b}]`, bucket });
    });
  });
  return out;
}

function amountOf(value: unknown, where: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) fail(where, `expected a number, got ${JSON.stringify(value)}`);
  return n;
}

function checkUsd(currency: unknown, where: string): void {
  if (typeof currency !== 'string' || currency.toLowerCase() !== 'usd') fail(where, `only USD is reconciled, got ${JSON.stringify(currency)}`);
}

const dayOfMs = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function widen(costs: ProviderCosts, start: number, end: number): void {
  costs.from = costs.from === null ? start : Math.min(costs.from, start);
  costs.to = costs.to === null ? end : Math.max(costs.to, end);
}

/** The model a line item bills, or null for items that are not a model's tokens on the API. */
export function lineItemModel(lineItem: string): string | null {
  const comma = lineItem.lastIndexOf(',');
  if (comma <= 0 || lineItem.includes('|')) return null;
  const kind = lineItem.slice(comma + 1).trim();
  if (!/\b(input|output)\b/.test(kind)) return null;
  // "gpt-image-1 image, input": the modality after the model name is not part of it.
  return lineItem.slice(0, comma).trim().split(/\s+/)[0] ?? null;
}

/** Reads an OpenAI organization costs export. */
export function readOpenAiCosts(doc: unknown): ProviderCosts {
  const costs: ProviderCosts = { lines: [], other: [], from: null, to: null };
  for (const { where, bucket } of bucketsOf(doc)) {
    const start = amountOf(bucket.start_time, `${where}.start_time`) * 1000;
    const end = bucket.end_time === undefined ? start + 86_400_000 : amountOf(bucket.end_time, `${where}.end_time`) * 1000;
    widen(costs, start, end);
    // The API reference names the list `result` in places; the API sends `results`.
    const results = bucket.results ?? bucket.result;
    if (!Array.isArray(results)) fail(`${where}.results`, 'expected an array');
    results.forEach((r: unknown, i: number) => {
      const at = `${where}.results[${i}]`;
      if (!isJson(r) || !isJson(r.amount)) fail(at, 'expected {amount: {value, currency}, line_item}');
      const usd = amountOf(r.amount.value, `${at}.amount.value`);
      if (usd === 0) return;
      checkUsd(r.amount.currency, `${at}.amount.currency`);
      if (r.line_item === null || r.line_item === undefined) {
        fail(at, 'a cost without a line item: export the costs with group_by=line_item, which names the model');
      }
      const lineItem = String(r.line_item);
      const model = lineItemModel(lineItem);
      const day = dayOfMs(start);
      if (model === null) costs.other.push({ day, label: lineItem, usd });
      else costs.lines.push({ day, model, usd });
    });
  }
  return costs;
}

/** Reads an Anthropic cost report. */
export function readAnthropicCostReport(doc: unknown): ProviderCosts {
  const costs: ProviderCosts = { lines: [], other: [], from: null, to: null };
  for (const { where, bucket } of bucketsOf(doc)) {
    const start = Date.parse(String(bucket.starting_at));
    const end = bucket.ending_at === undefined ? start + 86_400_000 : Date.parse(String(bucket.ending_at));
    if (Number.isNaN(start) || Number.isNaN(end)) fail(where, 'expected RFC 3339 starting_at and ending_at');
    widen(costs, start, end);
    if (!Array.isArray(bucket.results)) fail(`${where}.results`, 'expected an array');
    bucket.results.forEach((r: unknown, i: number) => {
      const at = `${where}.results[${i}]`;
      if (!isJson(r)) fail(at, 'expected a cost item');
      // Cents, as a decimal string.
      const usd = amountOf(r.amount, `${at}.amount`) / 100;
      if (usd === 0) return;
      checkUsd(r.currency, `${at}.currency`);
      const day = dayOfMs(start);
      if (r.cost_type === 'tokens' && typeof r.model === 'string' && r.model !== '') {
        costs.lines.push({ day, model: r.model, usd });
      } else if (r.cost_type === null || r.cost_type === undefined) {
        fail(at, 'a cost without a model: export the cost report with group_by[]=description, which names the model');
      } else {
        costs.other.push({ day, label: typeof r.description === 'string' ? r.description : String(r.cost_type), usd });
      }
    });
  }
  return costs;
}

/** Reads an export of `provider` from its JSON text. */
export function readExport(provider: ExportProvider, text: string): ProviderCosts {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ExportFormatError(`not JSON: ${(e as Error).message}`);
  }
  return provider === 'openai' ? readOpenAiCosts(doc) : readAnthropicCostReport(doc);
}
