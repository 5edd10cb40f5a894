import { describe, expect, it } from 'vitest';
import { anthropicCostReport, openaiCostsPage, type ServedUsage } from '../../../../../bench/sim/exports.js';
import { ExportFormatError, lineItemModel, readAnthropicCostReport, readExport, readOpenAiCosts } from '../../../../../server/tools/reconcile/read-export.js';

const served = (over: Partial<ServedUsage>): ServedUsage => ({
  provider: 'openai', model: 'gpt-4o-mini-2024-07-18', day: '2025-11-03', requests: 3, inputTokens: 10, cachedInputTokens: 0, outputTokens: 10,
  inputUsd: 0.25, cachedInputUsd: 0, cacheWriteTokens: 0, cacheWriteUsd: 0, outputUsd: 0.5, ...over,
});

describe('lineItemModel', () => {
  it('takes the model from "<model>, <kind>" line items, and nothing from other surfaces or tools', () => {
    expect(lineItemModel('gpt-4o-mini-2024-07-18, input')).toBe('gpt-4o-mini-2024-07-18');
    expect(lineItemModel('gpt-4o, cached input')).toBe('gpt-4o');
    expect(lineItemModel('gpt-image-1 image, output')).toBe('gpt-image-1');
    expect(lineItemModel('evals | gpt-4o-mini-2024-07-18, input')).toBeNull();
    expect(lineItemModel('web search tool calls')).toBeNull();
    expect(lineItemModel('assistants api | file search')).toBeNull();
  });
});

describe('readOpenAiCosts', () => {
  it('reads what the sim exports: USD per day and model, and the days covered', () => {
    const costs = readOpenAiCosts(openaiCostsPage([served({}), served({ day: '2025-11-05', model: 'gpt-4o' })]));
    expect(costs.lines).toEqual([
      { day: '2025-11-03', model: 'gpt-4o-mini-2024-07-18', usd: 0.25 },
      { day: '2025-11-03', model: 'gpt-4o-mini-2024-07-18', usd: 0.5 },
      { day: '2025-11-05', model: 'gpt-4o', usd: 0.25 },
      { day: '2025-11-05', model: 'gpt-4o', usd: 0.5 },
    ]);
    expect([costs.from, costs.to]).toEqual([Date.UTC(2025, 10, 3), Date.UTC(2025, 10, 6)]);
  });

  it('takes amounts as numbers or decimal strings, `result` for `results`, and arrays of pages', () => {
    const bucket = (start: number, value: unknown, lineItem: string | null) => ({ object: 'bucket', start_time: start, end_time: start + 86_400, result: [{ object: 'organization.costs.result', amount: { value, currency: 'usd' }, line_item: lineItem, project_id: null }] });
    const costs = readOpenAiCosts([
      { object: 'page', data: [bucket(1_762_128_000, '0.000004500000000000000000000000000000000', 'gpt-4o-mini-2024-07-18, input')] },
      { object: 'page', data: [bucket(1_762_214_400, 1.5, 'web search tool calls')] },
    ]);
    expect(costs.lines).toEqual([{ day: '2025-11-03', model: 'gpt-4o-mini-2024-07-18', usd: 0.0000045 }]);
    expect(costs.other).toEqual([{ day: '2025-11-04', label: 'web search tool calls', usd: 1.5 }]);
  });

  it('asks for group_by=line_item when costs carry no line item, and names what is malformed', () => {
    const ungrouped = openaiCostsPage([served({})], { byLineItem: false });
    expect(() => readOpenAiCosts(ungrouped)).toThrow(/data\[0\]\.results\[0\]: .*group_by=line_item/);
    expect(() => readOpenAiCosts({ object: 'list' })).toThrow(ExportFormatError);
    expect(() => readOpenAiCosts({ data: [{ start_time: 0, results: [{ amount: { value: 'x', currency: 'usd' } }] }] })).toThrow('data[0].results[0].amount.value: expected a number, got "x"');
    expect(() => readOpenAiCosts({ data: [{ start_time: 0, results: [{ amount: { value: 1, currency: 'eur' }, line_item: 'm, input' }] }] })).toThrow('only USD');
    expect(() => readExport('openai', '{nope')).toThrow(/^not JSON/);
  });
});

describe('readAnthropicCostReport', () => {
  it('reads amounts in cents: "123.45" is $1.2345', () => {
    const costs = readAnthropicCostReport({
      data: [{
        starting_at: '2025-11-03T00:00:00Z', ending_at: '2025-11-04T00:00:00Z',
        results: [
          { currency: 'USD', amount: '123.45', cost_type: 'tokens', model: 'claude-sonnet-4-5-20250929', token_type: 'output_tokens', description: 'Claude Sonnet 4.5 Usage - Output Tokens' },
          { currency: 'USD', amount: '1000', cost_type: 'web_search', model: null, token_type: null, description: 'Web Search' },
        ],
      }],
      has_more: false, next_page: null,
    });
    expect(costs.lines).toEqual([{ day: '2025-11-03', model: 'claude-sonnet-4-5-20250929', usd: 1.2345 }]);
    expect(costs.other).toEqual([{ day: '2025-11-03', label: 'Web Search', usd: 10 }]);
    expect([costs.from, costs.to]).toEqual([Date.UTC(2025, 10, 3), Date.UTC(2025, 10, 4)]);
  });

  it('reads what the sim exports, and asks for group_by[]=description when models are missing', () => {
    const usages = [served({ provider: 'anthropic', model: 'claude-haiku-4-5-20251001', cachedInputTokens: 4, cachedInputUsd: 0.01 })];
    const costs = readAnthropicCostReport(anthropicCostReport(usages));
    expect(costs.lines.map((l) => l.usd)).toEqual([0.25, 0.01, 0.5]);
    expect(() => readAnthropicCostReport(anthropicCostReport(usages, { byDescription: false }))).toThrow(/group_by\[\]=description/);
  });
});
