import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { chartFigure } from '../../../../../server/tools/report/charts.js';
import {
  diffCharts, drawCharts, dryRunCharts, renderDiffHtml, renderDryRunHtml, topRows,
} from '../../../../../server/tools/report/html.js';
import type { PageDocument } from '../../../../../server/tools/report/html.js';
import type { DryRunReport } from '../../../../../server/tools/report/types.js';
import { BUCKETS, sampleDiff, sampleDryRun } from './sample-reports.js';

const HOSTILE = '</script><script>alert(1)</script>';

/** The embedded data as a browser reads it: the script element ends at the first `</script>`. */
function embeddedJson(html: string): string {
  return /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
}

function pageScript(html: string): string {
  return /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
}

/** Runs the page's own script against a stand-in document; returns what it set on <body> and drew. */
function runPage(html: string, data = embeddedJson(html)): { dataset: Record<string, string | undefined>; drawn: string } {
  const dataset: Record<string, string | undefined> = {};
  let drawn = '';
  const document: PageDocument = {
    body: { dataset },
    getElementById: (id) =>
      id === 'report-data' ? { textContent: data, insertAdjacentHTML: () => { throw new Error('not a host'); } }
        : id === 'charts' ? { textContent: null, insertAdjacentHTML: (_where, html) => { drawn += html; } }
          : null,
  };
  runInNewContext(pageScript(html), { document });
  return { dataset, drawn };
}

/** The markup of one chart's <svg>, by its data-chart id. */
function chart(drawn: string, id: string): string {
  const m = new RegExp(`<svg[^>]*data-chart="${id}"[^>]*>([\\s\\S]*?)</svg>`).exec(drawn);
  if (m === null) throw new Error(`no chart ${id}`);
  return m[1]!;
}

const bars = (svg: string): number => (svg.match(/<rect class="bar /g) ?? []).length;
const points = (svg: string): number => (svg.match(/<circle class="point /g) ?? []).length;
const figureRow = (label: string, value: string): string => `<tr><td>${label}</td><td class="num">${value}</td></tr>`;

function hostileDryRun(): DryRunReport {
  const report = sampleDryRun();
  report.policy.file = '<!--policies/x.yaml';
  report.by.model[0]!.key = HOSTILE;
  report.by.team[0]!.key = `"&<>'`;
  report.quality!.groups[0]!.alwaysBest!.model = HOSTILE;
  return report;
}

describe('renderDryRunHtml / renderDiffHtml', () => {
  const pages = { 'dry-run': renderDryRunHtml(sampleDryRun()), diff: renderDiffHtml(sampleDiff()) };

  it.each(Object.entries(pages))('%s: references nothing outside the page', (_kind, html) => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/\bsrc\s*=/i);
    expect(html).toContain(`content="default-src 'none';`);
  });

  it.each(Object.entries(pages))('%s: the CSP admits exactly the page script', (_kind, html) => {
    const hash = createHash('sha256').update(pageScript(html)).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(pageScript(html)).not.toMatch(/<\/script|<!--/i);
  });

  it('dry-run: tables show the headline figures and every breakdown row', () => {
    const html = pages['dry-run'];
    for (const [label, value] of [
      ['recorded', '$0.439'], ['policy', '$0.146'], ['saved', '$0.293'], ['saved share', '66.7%'],
      ['changed', '1,321'], ['of which unroutable', '9'], ['unchanged', '2,880'], ['no route', '12'],
      ['served, now unroutable', '9 ($0.0012 recorded)'],
      ['rejected', '3'], ['downgraded', '41'], ['alerts', '2'],
      ['requests', '210'], ['share', '5.0%'], ['saved', '$0.0042'],
      ['hits', '77'], ['saved', '$0.0031'], ['most answers held', '412'],
      ['cl100k scaled from o200k', '18'], ['output tokens estimated', '5'],
    ]) expect(html).toContain(figureRow(label!, value!));
    expect(html).toContain('<tr><td>gpt-4.1-nano</td><td class="num">300</td><td class="num">$0.0101</td><td class="num">$0.0000238</td><td class="num">$0.0101</td></tr>');
    expect(html).toContain('<tr><td>team-support-daily</td><td class="num">3</td><td class="num">$0.0543</td></tr>');
    expect(html).toContain('<td>routellm-2</td><td>all</td><td class="num">10,820</td><td class="num">14</td><td class="num">75.2%</td><td class="num">$5.10</td>'
      + '<td>openai/gpt-4-1106-preview</td><td class="num">81.0%</td><td class="num">$14.20</td>');
    expect(html).toContain('<td>routellm-2</td><td>mt-bench</td><td class="num">53</td><td class="num">0</td><td class="num">83.0%</td><td class="num">$0.21</td>'
      + '<td class="none">—</td><td class="none">—</td><td class="none">—</td>');
    expect(html).toContain('<tr><td>routellm-2</td><td>all</td><td>mixtral 64.7%, gpt-4-turbo 35.2%</td></tr>');
    expect(html).toContain('policies/default.yaml <code>9f2c4b1e');
    expect(html).toContain('4,213 replayed, 7 skipped, 4,213 served by another policy, 2 out of arrival order');
    expect(html).toContain('2025-11-28 00:00 to 2025-11-28 23:59 UTC');
  });

  it('dry-run: says when the cache was not simulated and leaves out quality without outcomes', () => {
    const html = renderDryRunHtml({ ...sampleDryRun(), cache: null, quality: null });
    expect(html).toContain(figureRow('simulated', 'no'));
    expect(html).not.toContain('<h2>Quality</h2>');
    expect(runPage(html).dataset.chartsDrawn).toBe('4');
  });

  it('diff: tables show the headline figures, the routes and the examples', () => {
    const html = pages.diff;
    for (const [label, value] of [['changed', '1,321'], ['of which unroutable', '9'], ['total', '4,213'], ['changed share', '31.4%'], ['old', '$0.439'], ['new', '$0.146'],
      ['delta', '-$0.292'], ['served, NEW cannot route', '9 ($0.0012 old cost, not in delta)']]) {
      expect(html).toContain(figureRow(label!, value!));
    }
    expect(html).toContain('<tr><td>auto</td><td class="num">2,900</td><td class="num">1,100</td><td class="num">$0.21</td><td class="num">$0.0412</td><td class="num">-$0.169</td></tr>');
    expect(html).toContain('<tr><td>req_02</td><td>2025-11-28 07:00</td><td>code → gemini-2.5-flash</td><td>no route</td><td class="num">$0.00122</td><td class="num">$0</td></tr>');
  });

  it('embeds the report so that names cannot break out of the data or into the page', () => {
    const report = hostileDryRun();
    const html = renderDryRunHtml(report);
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toMatch(/<!--/);
    expect(JSON.parse(embeddedJson(html))).toEqual(report);
    expect(html).toContain('<td>&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;</td>');
    expect(html).toContain('<td>&#34;&#38;&#60;&#62;&#39;</td>');
    const { dataset, drawn } = runPage(html);
    expect(dataset).toEqual({ chartsDrawn: '6' });
    expect(drawn).not.toMatch(/<script/i);
    expect(chart(drawn, 'cost-by-model')).toContain('&#60;/script&#62;&#60;script&#62;alert(1)');
  });
});

describe('the page script', () => {
  it('draws every dry-run chart with a bar per model or route and series, a point per bucket', () => {
    const { dataset, drawn } = runPage(renderDryRunHtml(sampleDryRun()));
    expect(dataset).toEqual({ chartsDrawn: '6' });
    expect(bars(chart(drawn, 'cost-by-model'))).toBe(8);
    expect(bars(chart(drawn, 'cost-by-route'))).toBe(6);
    expect(points(chart(drawn, 'cost-over-time'))).toBe(2 * BUCKETS);
    // changed (still routed), now unroutable, unchanged, no route.
    expect(bars(chart(drawn, 'decisions'))).toBe(4);
    expect(points(chart(drawn, 'quality-frugalgpt-12'))).toBe(3);
    expect(points(chart(drawn, 'quality-routellm-2'))).toBe(3);
  });

  it('draws every diff chart', () => {
    const { dataset, drawn } = runPage(renderDiffHtml(sampleDiff()));
    expect(dataset).toEqual({ chartsDrawn: '3' });
    expect(bars(chart(drawn, 'changed-by-route'))).toBe(6);
    expect(points(chart(drawn, 'cost-over-time'))).toBe(2 * BUCKETS);
    expect(bars(chart(drawn, 'cost-by-route'))).toBe(6);
  });

  it('reports unreadable data on <body> instead of drawing', () => {
    const { dataset, drawn } = runPage(renderDryRunHtml(sampleDryRun()), '{"kind":"dry-run"');
    expect(dataset.chartsDrawn).toBe('0');
    expect(dataset.chartError).toMatch(/JSON/);
    expect(drawn).toBe('');
  });

  it('keeps drawing past a chart that fails and names it', () => {
    const dataset: Record<string, string | undefined> = {};
    let drawn = 0;
    const doc: PageDocument = {
      body: { dataset },
      getElementById: (id) => ({
        textContent: id === 'report-data' ? JSON.stringify(sampleDryRun()) : null,
        insertAdjacentHTML: () => { drawn++; },
      }),
    };
    drawCharts(doc, (c) => {
      if (c.id === 'decisions') throw new Error('boom');
      return chartFigure(c);
    });
    expect(dataset).toEqual({ chartsDrawn: '5', chartError: 'decisions: boom' });
    expect(drawn).toBe(5);
  });
});

describe('dryRunCharts / diffCharts', () => {
  it('lists the dry-run charts, one quality chart per pool', () => {
    expect(dryRunCharts(sampleDryRun()).map((c) => c.id)).toEqual([
      'cost-by-model', 'cost-by-route', 'cost-over-time', 'decisions', 'quality-frugalgpt-12', 'quality-routellm-2',
    ]);
    expect(diffCharts(sampleDiff()).map((c) => c.id)).toEqual(['changed-by-route', 'cost-over-time', 'cost-by-route']);
  });

  it('plots only the policy for a pool without a baseline', () => {
    const report = sampleDryRun();
    report.quality!.groups = [{ ...report.quality!.groups[3]!, task: null }];
    const charts = dryRunCharts(report);
    expect(charts.map((c) => c.id)).toContain('quality-routellm-2');
    expect(charts.at(-1)).toMatchObject({ type: 'scatter', points: [{ key: 'policy', x: 0.21, y: 0.83 }] });
  });

  it('stacks changed over unchanged decisions per route', () => {
    const [byRoute] = diffCharts(sampleDiff());
    expect(byRoute).toMatchObject({
      stacked: true, categories: ['auto', 'code', 'support'],
      series: [{ key: 'changed', values: [1100, 200, 21] }, { key: 'unchanged', values: [1800, 611, 481] }],
    });
  });
});

describe('topRows', () => {
  it('keeps the largest rows and sums the rest into one', () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ label: `m${i}`, values: [i, 2 * i] }));
    const top = topRows(rows, 15);
    expect(top).toHaveLength(15);
    expect(top[0]).toEqual({ label: 'm19', values: [19, 38] });
    expect(top[14]).toEqual({ label: 'other (6)', values: [15, 30] });
  });

  it('returns short lists whole, largest first', () => {
    expect(topRows([{ label: 'a', values: [1] }, { label: 'b', values: [3] }], 15).map((r) => r.label)).toEqual(['b', 'a']);
  });
});
