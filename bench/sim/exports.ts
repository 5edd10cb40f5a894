// What the simulated providers billed, and the cost exports they would send for it: OpenAI's
// organization costs (GET /v1/organization/costs) and Anthropic's cost report
// (GET /v1/organizations/cost_report), each in its provider's format, so that
// `switchyard reconcile` can be tested against exports that match what was served.
//
// Formats, as documented by the providers:
// - OpenAI: {object: "page", data: [{object: "bucket", start_time, end_time (unix s), results:
//   [{object: "organization.costs.result", amount: {value (USD, a number), currency: "usd"},
//   line_item, project_id}]}], has_more, next_page}. With group_by=line_item each model's usage
//   is one line item per kind, "<model>, input" / "<model>, cached input" / "<model>, output";
//   without it, one result per day with line_item null.
// - Anthropic: {data: [{starting_at, ending_at (RFC 3339), results: [{currency: "USD", amount
//   (a decimal string in cents: "123.45" is $1.23), workspace_id, description, cost_type:
//   "tokens", context_window, model, service_tier, token_type}]}], has_more, next_page}. With
//   group_by[]=description each model's usage is one result per token type; without it, one
//   result per day with model, cost_type and token_type null.
// Buckets are UTC days. Like everything the sim sends, the numbers are simulated: they are what
// the sim served, priced at the prices it was given.
import type { ModelSpec } from '../../engine/src/policy/types.js';
import { isObject } from './request-body.js';
import type { Route } from './route.js';
import { jsonReply, type JsonReply, type Reply } from './wire.js';

/** USD per million tokens. */
export interface SimPrice {
  input: number;
  cachedInput: number;
  output: number;
  /** Prompt tokens written to the cache (Anthropic's cache_creation_input_tokens); absent: the input price. */
  cacheWrite?: number;
}

/** Prices by the model name requests carry (the upstream name). */
export type SimPrices = Readonly<Record<string, SimPrice>>;

/** A policy's prices, keyed by each model's upstream name, for a sim that bills as the policy does. */
export function pricesOf(models: ReadonlyArray<Pick<ModelSpec, 'upstream' | 'inputPerMTok' | 'cachedInputPerMTok' | 'outputPerMTok' | 'cacheWritePerMTok'>>): SimPrices {
  const prices: Record<string, SimPrice> = {};
  for (const m of models) prices[m.upstream] = { input: m.inputPerMTok, cachedInput: m.cachedInputPerMTok, output: m.outputPerMTok, cacheWrite: m.cacheWritePerMTok };
  return prices;
}

/** Tokens one answer is billed for: prompt tokens neither read from nor written to the cache, cached ones, written ones, output. */
export interface UsageCount {
  input: number;
  cachedInput: number;
  output: number;
  /** Absent: none (only Anthropic reports cache writes). */
  cacheWrite?: number;
}

/** One model's billed usage on one UTC day, priced. */
export interface ServedUsage {
  provider: 'openai' | 'anthropic' | 'gemini';
  model: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  requests: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  inputUsd: number;
  cachedInputUsd: number;
  cacheWriteUsd: number;
  outputUsd: number;
}

const DAY_S = 86_400;

function dayStartS(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

function dayOfS(s: number): string {
  return new Date(s * 1000).toISOString().slice(0, 10);
}

function rfc3339(s: number): string {
  return new Date(s * 1000).toISOString().replace('.000Z', 'Z');
}

/** Which buckets a request asks for: [start, end) in unix seconds, at most `limit` of them from `start`. */
export interface BucketRange {
  start: number;
  end: number;
  limit: number;
}

// The UTC day buckets of [start, end), the first one holding `start`, at most `limit`.
function buckets(range: BucketRange): { days: number[]; next: number | null } {
  const days: number[] = [];
  let day = Math.floor(range.start / DAY_S) * DAY_S;
  while (day < range.end && days.length < range.limit) {
    days.push(day);
    day += DAY_S;
  }
  return { days, next: day < range.end ? day : null };
}

/** The range covering every day of `usages` (one bucket per day, first to last). */
export function rangeOf(usages: readonly ServedUsage[]): BucketRange {
  const starts = usages.map((u) => dayStartS(u.day));
  const start = starts.length === 0 ? 0 : Math.min(...starts);
  const end = starts.length === 0 ? 0 : Math.max(...starts) + DAY_S;
  return { start, end, limit: Number.MAX_SAFE_INTEGER };
}

function byDay(usages: readonly ServedUsage[], provider: ServedUsage['provider']): Map<string, ServedUsage[]> {
  const days = new Map<string, ServedUsage[]>();
  for (const u of usages) {
    if (u.provider !== provider) continue;
    const list = days.get(u.day) ?? [];
    list.push(u);
    days.set(u.day, list);
  }
  for (const list of days.values()) list.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  return days;
}

const totalUsd = (u: ServedUsage): number => u.inputUsd + u.cachedInputUsd + u.cacheWriteUsd + u.outputUsd;

/** OpenAI's GET /v1/organization/costs page for the OpenAI usages in `range`. */
export function openaiCostsPage(usages: readonly ServedUsage[], opts: { range?: BucketRange; byLineItem?: boolean } = {}): Record<string, unknown> {
  const range = opts.range ?? rangeOf(usages.filter((u) => u.provider === 'openai'));
  const days = byDay(usages, 'openai');
  const { days: starts, next } = buckets(range);
  const result = (value: number, lineItem: string | null): Record<string, unknown> => (
    { object: 'organization.costs.result', amount: { value, currency: 'usd' }, line_item: lineItem, project_id: null }
  );
  const data = starts.map((start) => {
    const served = days.get(dayOfS(start)) ?? [];
    const results = opts.byLineItem === false
      ? (served.length === 0 ? [] : [result(served.reduce((sum, u) => sum + totalUsd(u), 0), null)])
      : served.flatMap((u) => [
        result(u.inputUsd, `${u.model}, input`),
        ...(u.cachedInputTokens > 0 ? [result(u.cachedInputUsd, `${u.model}, cached input`)] : []),
        result(u.outputUsd, `${u.model}, output`),
      ]);
    return { object: 'bucket', start_time: start, end_time: start + DAY_S, results };
  });
  return { object: 'page', data, has_more: next !== null, next_page: next === null ? null : `page_${next}` };
}

// Cents as Anthropic writes them: a decimal string, with the precision the sim's floats carry.
function cents(usd: number): string {
  return String(Math.round(usd * 100 * 1e9) / 1e9);
}

/** Anthropic's GET /v1/organizations/cost_report for the Anthropic usages in `range`. */
export function anthropicCostReport(usages: readonly ServedUsage[], opts: { range?: BucketRange; byDescription?: boolean } = {}): Record<string, unknown> {
  const range = opts.range ?? rangeOf(usages.filter((u) => u.provider === 'anthropic'));
  const days = byDay(usages, 'anthropic');
  const { days: starts, next } = buckets(range);
  const ungrouped = { workspace_id: null, description: null, cost_type: null, context_window: null, model: null, service_tier: null, token_type: null };
  const item = (u: ServedUsage, tokenType: string, label: string, usd: number): Record<string, unknown> => ({
    currency: 'USD', amount: cents(usd), workspace_id: null, description: `${u.model} Usage - ${label}`, cost_type: 'tokens',
    context_window: '0-200k', model: u.model, service_tier: 'standard', token_type: tokenType,
  });
  const data = starts.map((start) => {
    const served = days.get(dayOfS(start)) ?? [];
    const results = opts.byDescription === false
      ? (served.length === 0 ? [] : [{ currency: 'USD', amount: cents(served.reduce((sum, u) => sum + totalUsd(u), 0)), ...ungrouped }])
      : served.flatMap((u) => [
        item(u, 'uncached_input_tokens', 'Input Tokens', u.inputUsd),
        ...(u.cachedInputTokens > 0 ? [item(u, 'cache_read_input_tokens', 'Cache Read Input Tokens', u.cachedInputUsd)] : []),
        ...(u.cacheWriteTokens > 0 ? [item(u, 'cache_creation.ephemeral_5m_input_tokens', 'Cache Write Input Tokens', u.cacheWriteUsd)] : []),
        item(u, 'output_tokens', 'Output Tokens', u.outputUsd),
      ]);
    return { starting_at: rfc3339(start), ending_at: rfc3339(start + DAY_S), results };
  });
  return { data, has_more: next !== null, next_page: next === null ? null : `page_${next}` };
}

// --- What one answer is billed for, read from the reply the sim sends ------------------------

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

// The JSON payload of every `data:` line of an event-stream text.
function dataLines(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const v = parse(line.slice(6).trim());
    if (v) out.push(v);
  }
  return out;
}

function openaiUsage(usage: unknown): UsageCount | null {
  if (!isObject(usage)) return null;
  const details = usage.prompt_tokens_details;
  const cached = isObject(details) ? num(details.cached_tokens) : 0;
  return { input: num(usage.prompt_tokens) - cached, cachedInput: cached, output: num(usage.completion_tokens) };
}

function anthropicUsage(usage: unknown): UsageCount | null {
  if (!isObject(usage)) return null;
  return { input: num(usage.input_tokens), cachedInput: num(usage.cache_read_input_tokens), cacheWrite: num(usage.cache_creation_input_tokens), output: num(usage.output_tokens) };
}

function geminiUsage(usage: unknown): UsageCount | null {
  if (!isObject(usage)) return null;
  const cached = num(usage.cachedContentTokenCount);
  return { input: num(usage.promptTokenCount) - cached, cachedInput: cached, output: num(usage.candidatesTokenCount) + num(usage.thoughtsTokenCount) };
}

// A Gemini stream frame is one GenerateContentResponse, framed as SSE or as a JSON array element.
function geminiRecord(frame: string): Record<string, unknown> | undefined {
  const text = frame.startsWith('data: ') ? frame.slice(6) : frame.replace(/^,\r?\n/, '');
  return parse(text.trim());
}

/**
 * The tokens a reply bills, or null when it bills nothing: an error, a JSON body cut mid-way
 * (the client never got an answer), an OpenAI stream without usage (it never says its prompt
 * tokens). A stream cut after `cutAfter` content frames bills its prompt and the frames sent
 * (one frame is one token), as the gateway settles a stream cut short.
 */
export function billedUsage(kind: Route['kind'], reply: Reply, cutAfter: number): UsageCount | null {
  if (reply.kind === 'json') {
    if (reply.status !== 200 || cutAfter >= 0) return null;
    const body = parse(reply.body);
    if (!body) return null;
    if (kind === 'openai-chat' || kind === 'openai-embeddings') return openaiUsage(body.usage);
    if (kind === 'anthropic-messages') return anthropicUsage(body.usage);
    if (kind === 'gemini') return geminiUsage(body.usageMetadata);
    return null;
  }
  const sent = cutAfter >= 0 && cutAfter < reply.content.length ? cutAfter : reply.content.length;
  const complete = sent === reply.content.length;
  if (kind === 'openai-chat') {
    const withUsage = dataLines(reply.tail).find((d) => isObject(d.usage));
    const usage = withUsage === undefined ? null : openaiUsage(withUsage.usage);
    return usage === null || complete ? usage : { ...usage, output: sent };
  }
  if (kind === 'anthropic-messages') {
    const start = dataLines(reply.head).find((d) => d.type === 'message_start');
    const usage = anthropicUsage(isObject(start?.message) ? start.message.usage : undefined);
    if (usage === null) return null;
    const delta = complete ? dataLines(reply.tail).find((d) => d.type === 'message_delta') : undefined;
    return { ...usage, output: delta !== undefined && isObject(delta.usage) ? num(delta.usage.output_tokens) : sent };
  }
  if (kind === 'gemini') {
    // usageMetadata is cumulative: the last frame sent says what was generated up to it.
    const record = geminiRecord(reply.content[Math.max(0, sent - 1)] ?? '');
    const usage = geminiUsage(record?.usageMetadata);
    return usage === null || sent > 0 ? usage : { ...usage, output: 0 };
  }
  return null;
}

const PROVIDER_OF: Partial<Record<Route['kind'], ServedUsage['provider']>> = {
  'openai-chat': 'openai', 'openai-embeddings': 'openai', 'anthropic-messages': 'anthropic', gemini: 'gemini',
};

/** OpenAI's and Anthropic's export endpoints, as the sim serves them. */
export const OPENAI_COSTS_PATH = '/v1/organization/costs';
export const ANTHROPIC_COST_REPORT_PATH = '/v1/organizations/cost_report';

/**
 * The sim's account of what it served: tokens per provider, model and UTC day, priced with
 * `prices` (a model without a price bills its tokens at $0). The sim feeds it every answer it
 * sends; it answers the two export endpoints.
 */
export class ServedAccount {
  private readonly served = new Map<string, ServedUsage>();

  constructor(private readonly prices: SimPrices) {}

  /** Counts one answer the sim is about to send (see billedUsage for what counts). */
  record(route: Route, body: unknown, reply: Reply, cutAfter: number, at = Date.now()): void {
    const provider = PROVIDER_OF[route.kind];
    if (provider === undefined) return;
    const model = route.kind === 'gemini' ? route.model : isObject(body) && typeof body.model === 'string' ? body.model : '';
    const usage = billedUsage(route.kind, reply, cutAfter);
    if (usage === null || model === '') return;
    this.add(provider, model, new Date(at).toISOString().slice(0, 10), usage);
  }

  /** Adds one answer's tokens, as `record` does once it has read them. */
  add(provider: ServedUsage['provider'], model: string, day: string, usage: UsageCount): void {
    const key = `${provider}\n${model}\n${day}`;
    let u = this.served.get(key);
    if (!u) {
      u = { provider, model, day, requests: 0, inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, inputUsd: 0, cachedInputUsd: 0, cacheWriteUsd: 0, outputUsd: 0 };
      this.served.set(key, u);
    }
    const price = this.prices[model];
    u.requests++;
    u.inputTokens += usage.input;
    u.cachedInputTokens += usage.cachedInput;
    u.cacheWriteTokens += usage.cacheWrite ?? 0;
    u.outputTokens += usage.output;
    // Priced per answer and summed, as the gateway's ledger is.
    if (price) {
      u.inputUsd += (usage.input * price.input) / 1e6;
      u.cachedInputUsd += (usage.cachedInput * price.cachedInput) / 1e6;
      u.cacheWriteUsd += ((usage.cacheWrite ?? 0) * (price.cacheWrite ?? price.input)) / 1e6;
      u.outputUsd += (usage.output * price.output) / 1e6;
    }
  }

  /** Everything served so far, per provider, model and day. */
  usages(): ServedUsage[] {
    return [...this.served.values()].map((u) => ({ ...u }));
  }

  /** The answer to an export request, or undefined when the path is not an export endpoint. */
  answer(method: string, path: string, query: string): JsonReply | undefined {
    if (method !== 'GET' || (path !== OPENAI_COSTS_PATH && path !== ANTHROPIC_COST_REPORT_PATH)) return undefined;
    const params = new URLSearchParams(query);
    const groupBy = [...params.getAll('group_by'), ...params.getAll('group_by[]')].flatMap((g) => g.split(','));
    if (path === OPENAI_COSTS_PATH) {
      const range = requestRange(params.get('start_time'), params.get('end_time'), params.get('limit'), params.get('page'), 7, 180, (v) => Number(v));
      if (typeof range === 'string') return jsonReply(400, { error: { message: `[simulated] ${range}`, type: 'invalid_request_error', param: null, code: null } });
      return jsonReply(200, openaiCostsPage(this.usages(), { range, byLineItem: groupBy.includes('line_item') }));
    }
    const range = requestRange(params.get('starting_at'), params.get('ending_at'), params.get('limit'), params.get('page'), 7, 31, (v) => Date.parse(v) / 1000);
    if (typeof range === 'string') return jsonReply(400, { type: 'error', error: { type: 'invalid_request_error', message: `[simulated] ${range}` } });
    return jsonReply(200, anthropicCostReport(this.usages(), { range, byDescription: groupBy.includes('description') }));
  }
}

// The bucket range of an export request, or what is wrong with it. `page` is the sim's own
// next_page token, `page_<unix seconds of the next bucket>`.
function requestRange(startText: string | null, endText: string | null, limitText: string | null, page: string | null,
  defaultLimit: number, maxLimit: number, seconds: (text: string) => number): BucketRange | string {
  if (startText === null) return 'the start of the range is required';
  let start = seconds(startText);
  const end = endText === null ? Date.now() / 1000 : seconds(endText);
  const limit = limitText === null ? defaultLimit : Number(limitText);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return 'the range must be a valid time';
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) return `limit must be an integer from 1 to ${maxLimit}`;
  if (page !== null) {
    const next = /^page_(\d+)$/.exec(page);
    if (!next) return 'invalid page token';
    start = Number(next[1]);
  }
  return { start, end, limit };
}
