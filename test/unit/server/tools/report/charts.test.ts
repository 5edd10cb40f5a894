import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  barChartSvg, CHART_SOURCE, chartFigure, escapeXml, formatUsd, lineChartSvg, niceMax, scatterChartSvg,
} from '../../../../../server/tools/report/charts.js';
import type { BarChart, LineChart, ScatterChart } from '../../../../../server/tools/report/charts.js';

const count = (svg: string, re: RegExp): number => (svg.match(re) ?? []).length;
const bars = (svg: string): number => count(svg, /<rect class="bar /g);
const points = (svg: string): number => count(svg, /<circle class="point /g);
const widths = (svg: string): number[] => [...svg.matchAll(/<rect class="bar [^"]*" x="[^"]*" y="[^"]*" width="([^"]*)"/g)].map((m) => Number(m[1]));

const grouped: BarChart = {
  type: 'bar', id: 'cost-by-model', title: 'Cost by model', unit: 'usd', stacked: false,
  categories: ['gpt-5-nano', 'claude-haiku-4-5', 'idle'],
  series: [{ name: 'recorded', key: 'recorded', values: [0.2, 0.1, 0] }, { name: 'policy', key: 'projected', values: [0.05, 0.1, 0] }],
};

const line: LineChart = {
  type: 'line', id: 'cost-over-time', title: 'Cost', unit: 'usd',
  x: [0, 1, 2, 3, 4].map((h) => Date.UTC(2025, 10, 28, h)),
  series: [{ name: 'recorded', key: 'recorded', values: [1, 2, 3, 4, 5] }, { name: 'policy', key: 'projected', values: [0.5, 1, 1.5, 2, 2.5] }],
};

const scatter: ScatterChart = {
  type: 'scatter', id: 'quality-p', title: 'Quality', xUnit: 'usd', yUnit: 'share',
  points: [{ label: 'policy', key: 'policy', x: 0.4, y: 0.87 }, { label: 'best: gpt-4', key: 'best', x: 3.9, y: 0.9 }, { label: 'cheapest: gptj', key: 'cheapest', x: 0.09, y: 0.51 }],
};

describe('formatUsd', () => {
  it.each([
    [0, '$0'],
    [0.000103, '$0.000103'],
    [0.0000238, '$0.0000238'],
    [0.0123456, '$0.0123'],
    [12.345, '$12.35'],
    [12345.678, '$12,345.68'],
    [-0.2928, '-$0.293'],
    [3e-9, '$3.00e-9'],
  ])('%d -> %s', (usd, shown) => {
    expect(formatUsd(usd)).toBe(shown);
  });
});

describe('escapeXml', () => {
  it('leaves no character that could open a tag, an entity or end an attribute', () => {
    expect(escapeXml(`</script>&"'`)).toBe('&#60;/script&#62;&#38;&#34;&#39;');
  });
});

describe('niceMax', () => {
  it.each([[0, 1], [1, 1], [0.27, 0.3], [7, 8], [4213, 5000], [0.0000238, 0.00003]])('%d -> %d', (max, top) => {
    expect(niceMax(max)).toBeCloseTo(top, 12);
  });
});

describe('barChartSvg', () => {
  it('draws one bar per category and series, zero values included', () => {
    const svg = barChartSvg(grouped);
    expect(bars(svg)).toBe(6);
    expect(count(svg, /<rect class="bar s-projected"/g)).toBe(3);
    expect(svg).toMatch(/^<svg class="chart" data-chart="cost-by-model"/);
  });

  it('sizes bars in proportion to their values on one scale', () => {
    // Category by category: [0.2, 0.05], [0.1, 0.1], [0, 0].
    const [big, quarter, half, half2, zero, zero2] = widths(barChartSvg(grouped));
    expect(big).toBeGreaterThan(100);
    expect(half).toBeCloseTo(big! / 2, 0);
    expect(quarter).toBeCloseTo(big! / 4, 0);
    expect(half2).toBe(half);
    expect([zero, zero2]).toEqual([0, 0]);
  });

  it('stacks the series of a stacked chart end to end', () => {
    const stacked: BarChart = { ...grouped, stacked: true, categories: ['requests'], series: [
      { name: 'changed', key: 'changed', values: [30] }, { name: 'unchanged', key: 'unchanged', values: [60] }, { name: 'no route', key: 'no-route', values: [10] }] };
    const svg = barChartSvg(stacked);
    expect(bars(svg)).toBe(3);
    const xs = [...svg.matchAll(/<rect class="bar [^"]*" x="([^"]*)" y="[^"]*" width="([^"]*)"/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(xs[1]![0]).toBeCloseTo(xs[0]![0] + xs[0]![1], 0);
    expect(xs[2]![0]).toBeCloseTo(xs[1]![0] + xs[1]![1], 0);
  });

  it('escapes category and series names', () => {
    const svg = barChartSvg({ ...grouped, categories: ['</svg><script>x</script>', 'a&b', '"q"'] });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&#60;/svg&#62;&#60;script&#62;x&#60;/script&#62;');
    expect(svg).toContain('a&#38;b');
  });
});

describe('lineChartSvg', () => {
  it('draws one polyline per series and one point per value', () => {
    const svg = lineChartSvg(line);
    expect(count(svg, /<polyline class="line /g)).toBe(2);
    expect(points(svg)).toBe(10);
    const polyline = /<polyline class="line s-recorded" points="([^"]*)"/.exec(svg)![1]!;
    expect(polyline.split(' ')).toHaveLength(5);
  });

  it('shows "no data" and no points for an empty series', () => {
    const svg = lineChartSvg({ ...line, x: [], series: line.series.map((s) => ({ ...s, values: [] })) });
    expect(points(svg)).toBe(0);
    expect(svg).toContain('no data');
  });
});

describe('scatterChartSvg', () => {
  it('draws one labelled point per entry', () => {
    const svg = scatterChartSvg(scatter);
    expect(points(svg)).toBe(3);
    expect(svg).toContain('cheapest: gptj');
  });
});

describe('CHART_SOURCE', () => {
  it('is self-contained: run alone it draws what the module draws', () => {
    for (const chart of [grouped, line, scatter]) {
      expect(runInNewContext(`${CHART_SOURCE}\nchartFigure(chart);`, { chart })).toBe(chartFigure(chart));
    }
  });
});
