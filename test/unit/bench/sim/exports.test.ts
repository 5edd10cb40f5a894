import { afterEach, describe, expect, it } from 'vitest';
import { anthropicMessages } from '../../../../bench/sim/anthropic.js';
import {
  anthropicCostReport, billedUsage, openaiCostsPage, pricesOf, ServedAccount, type ServedUsage,
} from '../../../../bench/sim/exports.js';
import { geminiGenerate } from '../../../../bench/sim/gemini.js';
import { startSim, type SimHandle } from '../../../../bench/sim/index.js';
import { openaiChat } from '../../../../bench/sim/openai.js';

const ctx = { id: 'x1', nowS: 1_800_000_000, replyTokens: 16 };
const version = { 'anthropic-version': '2023-06-01' };

function usage(over: Partial<ServedUsage>): ServedUsage {
  return {
    provider: 'openai', model: 'gpt-4o-mini', day: '2025-11-03', requests: 1, inputTokens: 1000, cachedInputTokens: 0, outputTokens: 100,
    inputUsd: 0.15, cachedInputUsd: 0, cacheWriteTokens: 0, cacheWriteUsd: 0, outputUsd: 0.06, ...over,
  };
}

describe('openaiCostsPage', () => {
  it('has one bucket per UTC day, empty days included, and a line item per model and kind', () => {
    const page = openaiCostsPage([
      usage({}),
      usage({ model: 'gpt-4o', day: '2025-11-05', cachedInputTokens: 10, cachedInputUsd: 0.001 }),
      usage({ provider: 'anthropic', model: 'claude' }),
    ]) as { object: string; data: Array<{ start_time: number; end_time: number; results: Array<{ object: string; line_item: string; amount: { value: number; currency: string } }> }>; has_more: boolean };
    expect(page.object).toBe('page');
    expect(page.has_more).toBe(false);
    expect(page.data.map((b) => [b.start_time, b.end_time])).toEqual([0, 1, 2].map((i) => [Date.UTC(2025, 10, 3 + i) / 1000, Date.UTC(2025, 10, 4 + i) / 1000]));
    expect(page.data[0]?.results).toEqual([
      { object: 'organization.costs.result', amount: { value: 0.15, currency: 'usd' }, line_item: 'gpt-4o-mini, input', project_id: null },
      { object: 'organization.costs.result', amount: { value: 0.06, currency: 'usd' }, line_item: 'gpt-4o-mini, output', project_id: null },
    ]);
    expect(page.data[1]?.results).toEqual([]);
    expect(page.data[2]?.results.map((r) => r.line_item)).toEqual(['gpt-4o, input', 'gpt-4o, cached input', 'gpt-4o, output']);
  });

  it('without group_by=line_item has one total per day and no line items; pages by limit', () => {
    const usages = [usage({}), usage({ model: 'gpt-4o', day: '2025-11-04' })];
    const start = Date.UTC(2025, 10, 3) / 1000;
    const page = openaiCostsPage(usages, { byLineItem: false, range: { start, end: start + 3 * 86_400, limit: 2 } }) as { data: Array<{ results: Array<{ amount: { value: number }; line_item: null }> }>; has_more: boolean; next_page: string };
    expect(page.data.map((b) => b.results.map((r) => [r.amount.value, r.line_item]))).toEqual([[[0.21, null]], [[0.21, null]]]);
    expect(page).toMatchObject({ has_more: true, next_page: `page_${start + 2 * 86_400}` });
  });
});

describe('anthropicCostReport', () => {
  it('writes amounts as decimal strings in cents, one result per token type', () => {
    const report = anthropicCostReport([usage({ provider: 'anthropic', model: 'claude-haiku-4-5-20251001', cachedInputTokens: 5, cachedInputUsd: 0.0005, outputUsd: 1.23 })]) as {
      data: Array<{ starting_at: string; ending_at: string; results: Array<Record<string, unknown>> }>;
    };
    expect(report.data).toHaveLength(1);
    expect(report.data[0]).toMatchObject({ starting_at: '2025-11-03T00:00:00Z', ending_at: '2025-11-04T00:00:00Z' });
    expect(report.data[0]?.results.map((r) => [r.token_type, r.amount, r.cost_type, r.model, r.currency])).toEqual([
      ['uncached_input_tokens', '15', 'tokens', 'claude-haiku-4-5-20251001', 'USD'],
      ['cache_read_input_tokens', '0.05', 'tokens', 'claude-haiku-4-5-20251001', 'USD'],
      ['output_tokens', '123', 'tokens', 'claude-haiku-4-5-20251001', 'USD'],
    ]);
  });
});

describe('billedUsage', () => {
  const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 5 };

  it('reads an OpenAI answer, and a stream by its usage chunk; a cut stream bills the frames sent', () => {
    const json = billedUsage('openai-chat', openaiChat(chat, ctx), -1);
    expect(json).toEqual({ input: expect.any(Number), cachedInput: 0, output: 5 });
    const streamed = openaiChat({ ...chat, stream: true, stream_options: { include_usage: true } }, ctx);
    expect(billedUsage('openai-chat', streamed, -1)).toEqual(json);
    expect(billedUsage('openai-chat', streamed, 2)).toEqual({ ...json, output: 2 });
    // No usage chunk: the stream never says its prompt tokens, so it is not counted.
    expect(billedUsage('openai-chat', openaiChat({ ...chat, stream: true }, ctx), -1)).toBeNull();
    // A JSON body cut mid-way is no answer.
    expect(billedUsage('openai-chat', openaiChat(chat, ctx), 0)).toBeNull();
  });

  it('reads Anthropic usage with cache reads, streamed or not, and Gemini cumulative usage', () => {
    const body = { model: 'claude-haiku-4-5', max_tokens: 4, system: [{ type: 'text', text: 'a long system prompt', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'hi' }] };
    const json = billedUsage('anthropic-messages', anthropicMessages(version, body, ctx), -1);
    expect(json?.cachedInput).toBeGreaterThan(0);
    expect(json?.output).toBe(4);
    const stream = anthropicMessages(version, { ...body, stream: true }, ctx);
    expect(billedUsage('anthropic-messages', stream, -1)).toEqual(json);
    expect(billedUsage('anthropic-messages', stream, 1)).toEqual({ ...json, output: 1 });
    const gemini = { contents: [{ role: 'user', parts: [{ text: 'hello' }] }], generationConfig: { maxOutputTokens: 6 } };
    const whole = billedUsage('gemini', geminiGenerate('gemini-2.5-flash', gemini, 'none', ctx), -1);
    expect(whole?.output).toBe(6);
    expect(billedUsage('gemini', geminiGenerate('gemini-2.5-flash', gemini, 'sse', ctx), -1)).toEqual(whole);
    expect(billedUsage('gemini', geminiGenerate('gemini-2.5-flash', gemini, 'array', ctx), 3)).toEqual({ ...whole, output: 3 });
    expect(billedUsage('gemini', geminiGenerate('gemini-2.5-flash', gemini, 'sse', ctx), 0)).toEqual({ ...whole, output: 0 });
  });
});

describe('ServedAccount', () => {
  it('prices each answer with the policy prices of its upstream model', () => {
    const account = new ServedAccount(pricesOf([{ upstream: 'm', inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 }]));
    account.add('openai', 'm', '2025-11-03', { input: 1_000_000, cachedInput: 2_000_000, output: 500_000 });
    account.add('openai', 'm', '2025-11-03', { input: 1, cachedInput: 0, output: 0 });
    account.add('openai', 'unpriced', '2025-11-03', { input: 10, cachedInput: 0, output: 10 });
    const [m, unpriced] = account.usages();
    expect(m).toMatchObject({ requests: 2, inputTokens: 1_000_001, cachedInputTokens: 2_000_000, outputTokens: 500_000, cachedInputUsd: 1, outputUsd: 4 });
    expect(m?.inputUsd).toBeCloseTo(2.000002, 12);
    expect(unpriced).toMatchObject({ requests: 1, inputTokens: 10, inputUsd: 0, outputUsd: 0 });
  });
});

describe('the sim serving exports', () => {
  let sim: SimHandle | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const prices = pricesOf([
    { upstream: 'gpt-4o-mini', inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6, cacheWritePerMTok: 0.15 },
    { upstream: 'claude-haiku-4-5-20251001', inputPerMTok: 1, cachedInputPerMTok: 0.1, outputPerMTok: 5, cacheWritePerMTok: 1.25 },
  ]);

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<string> {
    const res = await fetch(`${(sim as SimHandle).url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return res.text();
  }

  it('bills what it answered, and serves it as OpenAI costs and an Anthropic cost report', async () => {
    sim = await startSim({ prices });
    const openai = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count the freight cars' }], max_tokens: 7 };
    const a = JSON.parse(await post('/v1/chat/completions', openai)).usage;
    const streamed = await post('/v1/chat/completions', { ...openai, stream: true, stream_options: { include_usage: true } });
    const b = JSON.parse(streamed.split('\n\n').filter((f) => f.includes('"usage":{')).pop()!.slice(6)).usage;
    // Faulted answers bill nothing.
    await post('/v1/chat/completions', openai, { 'x-sim-status': '500' });
    const anthropic = { model: 'claude-haiku-4-5-20251001', max_tokens: 9, messages: [{ role: 'user', content: 'hello' }] };
    const c = JSON.parse(await post('/v1/messages', anthropic, version)).usage;

    const day = Math.floor(Date.now() / 86_400_000) * 86_400;
    const costs = await (await fetch(`${sim.url}/v1/organization/costs?start_time=${day}&group_by=line_item`)).json() as {
      object: string; data: Array<{ results: Array<{ line_item: string; amount: { value: number } }> }>;
    };
    expect(costs.object).toBe('page');
    const items = Object.fromEntries(costs.data[0]!.results.map((r) => [r.line_item, r.amount.value]));
    expect(Object.keys(items).sort()).toEqual(['gpt-4o-mini, input', 'gpt-4o-mini, output']);
    expect(items['gpt-4o-mini, input']).toBeCloseTo(((a.prompt_tokens + b.prompt_tokens) * 0.15) / 1e6, 15);
    expect(items['gpt-4o-mini, output']).toBeCloseTo(((a.completion_tokens + b.completion_tokens) * 0.6) / 1e6, 15);

    const since = new Date(day * 1000).toISOString();
    const report = await (await fetch(`${sim.url}/v1/organizations/cost_report?starting_at=${since}&group_by[]=description`)).json() as {
      data: Array<{ results: Array<{ token_type: string; amount: string }> }>;
    };
    const cents = Object.fromEntries(report.data[0]!.results.map((r) => [r.token_type, Number(r.amount)]));
    expect(cents.uncached_input_tokens).toBeCloseTo((c.input_tokens * 1 * 100) / 1e6, 9);
    expect(cents.output_tokens).toBeCloseTo((c.output_tokens * 5 * 100) / 1e6, 9);

    // The providers' own 400 when the range is missing.
    expect((await fetch(`${sim.url}/v1/organization/costs`)).status).toBe(400);
  });

  it('bills an Anthropic cache write at the write price, as its own cost report line', async () => {
    sim = await startSim({ prices: pricesOf([{ upstream: 'claude-haiku-4-5', inputPerMTok: 1, cachedInputPerMTok: 0.1, outputPerMTok: 5, cacheWritePerMTok: 1.25 }]) });
    const body = { model: 'claude-haiku-4-5', max_tokens: 4, messages: [{ role: 'user', content: 'a long shared prefix '.repeat(20) }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'sim:cold-cache now answer' }] };
    const usage = JSON.parse(await post('/v1/messages', body, version)).usage as { input_tokens: number; cache_creation_input_tokens: number; output_tokens: number };
    expect(usage.cache_creation_input_tokens).toBeGreaterThan(0);
    const day = Math.floor(Date.now() / 86_400_000) * 86_400;
    const report = await (await fetch(`${sim.url}/v1/organizations/cost_report?starting_at=${new Date(day * 1000).toISOString()}&group_by[]=description`)).json() as {
      data: Array<{ results: Array<{ token_type: string; amount: string }> }>;
    };
    const cents = Object.fromEntries(report.data[0]!.results.map((r) => [r.token_type, Number(r.amount)]));
    expect(cents['cache_creation.ephemeral_5m_input_tokens']).toBeCloseTo((usage.cache_creation_input_tokens * 1.25 * 100) / 1e6, 9);
    expect(cents.uncached_input_tokens).toBeCloseTo((usage.input_tokens * 1 * 100) / 1e6, 9);
  });

  it('serves no exports when it was given no prices', async () => {
    sim = await startSim();
    const res = await fetch(`${sim.url}/v1/organization/costs?start_time=0`);
    expect(res.status).toBe(404);
  });
});
