/**
 * The HTML outputs of `switchyard dry-run --html` and `switchyard diff --html`: one
 * self-contained page (inline CSS, data and script; no network) whose tables are rendered here
 * and whose charts its script draws from the embedded report when the page loads.
 */
import { createHash } from 'node:crypto';
import { CHART_SOURCE, escapeXml, formatCount, formatShare, formatTime, formatUsd } from './charts.js';
import type { BarChart, Chart, Series, Unit } from './charts.js';
import type { Breakdown, DiffReport, DryRunReport, PolicyRef, QualityBaseline, QualityGroup, TrafficSource } from './types.js';

/** A category of a bar chart with one value per series. */
interface ChartRow {
  label: string;
  values: number[];
}

/** The rows by descending total, the tail past `limit - 1` summed into one `other (n)` row. */
export function topRows(rows: ChartRow[], limit: number): ChartRow[] {
  const total = (r: ChartRow): number => r.values.reduce((a, b) => a + b, 0);
  const sorted = rows.slice().sort((a, b) => total(b) - total(a));
  if (sorted.length <= limit) return sorted;
  const rest = sorted.slice(limit - 1);
  const values = rest[0]!.values.map((_, j) => rest.reduce((sum, r) => sum + (r.values[j] ?? 0), 0));
  return [...sorted.slice(0, limit - 1), { label: 'other (' + rest.length + ')', values }];
}

/** A bar chart of rows, series `j` taking each row's `values[j]`. */
function rowsBarChart(
  id: string, title: string, unit: Unit, rows: ChartRow[], series: Array<Omit<Series, 'values'>>, stacked: boolean,
): BarChart {
  return {
    type: 'bar', id, title, unit, stacked,
    categories: rows.map((r) => r.label),
    series: series.map((s, j) => ({ name: s.name, key: s.key, values: rows.map((r) => r.values[j] ?? 0) })),
  };
}

/** The charts of a dry-run page: cost by model and route, cost over time, decisions, quality per pool. */
export function dryRunCharts(report: DryRunReport): Chart[] {
  const costSeries = [{ name: 'recorded', key: 'recorded' }, { name: 'policy', key: 'projected' }];
  // 15 bars per chart stay readable; the tables keep every row. (A literal, not a module
  // constant: the page runs this function's source, where module constants do not exist.)
  const costRows = (rows: Breakdown[]): ChartRow[] =>
    topRows(rows.map((r) => ({ label: r.key, values: [r.recorded, r.projected] })), 15);
  const d = report.decisions;
  const charts: Chart[] = [
    rowsBarChart('cost-by-model', 'Cost by model', 'usd', costRows(report.by.model), costSeries, false),
    rowsBarChart('cost-by-route', 'Cost by route', 'usd', costRows(report.by.route), costSeries, false),
    {
      type: 'line', id: 'cost-over-time', title: 'Cumulative cost over time (UTC)', unit: 'usd',
      x: report.overTime.map((p) => p.t),
      series: [
        { name: 'recorded', key: 'recorded', values: report.overTime.map((p) => p.recorded) },
        { name: 'policy', key: 'projected', values: report.overTime.map((p) => p.projected) },
      ],
    },
    rowsBarChart('decisions', 'Decisions against the recorded ones', 'count',
      [{ label: 'requests', values: [d.changed - (d.unroutable ?? 0), d.unroutable ?? 0, d.unchanged, d.noRoute] }],
      [{ name: 'changed', key: 'changed' }, { name: 'now unroutable', key: 'unroutable' }, { name: 'unchanged', key: 'unchanged' },
        { name: 'no route', key: 'no-route' }], true),
  ];
  for (const g of report.quality?.groups ?? []) {
    if (g.task !== null) continue;
    const points = [{ label: 'policy', key: 'policy', x: g.policy.costUsd, y: g.policy.quality }];
    if (g.alwaysBest !== null) points.push({ label: 'best: ' + g.alwaysBest.model, key: 'best', x: g.alwaysBest.costUsd, y: g.alwaysBest.quality });
    if (g.cheapest !== null) points.push({ label: 'cheapest: ' + g.cheapest.model, key: 'cheapest', x: g.cheapest.costUsd, y: g.cheapest.quality });
    charts.push({ type: 'scatter', id: 'quality-' + g.pool, title: 'Quality against cost: ' + g.pool, xUnit: 'usd', yUnit: 'share', points });
  }
  return charts;
}

/** The charts of a diff page: changed decisions by route, cost over time, cost by route. */
export function diffCharts(report: DiffReport): Chart[] {
  const oldNew = [{ name: 'old', key: 'old' }, { name: 'new', key: 'new' }];
  return [
    rowsBarChart('changed-by-route', 'Decisions changed by route', 'count',
      topRows(report.byRoute.map((r) => ({ label: r.route, values: [r.changed, r.requests - r.changed] })), 15),
      [{ name: 'changed', key: 'changed' }, { name: 'unchanged', key: 'unchanged' }], true),
    {
      type: 'line', id: 'cost-over-time', title: 'Cumulative cost over time (UTC)', unit: 'usd',
      x: report.overTime.map((p) => p.t),
      series: [
        { name: 'old', key: 'old', values: report.overTime.map((p) => p.old) },
        { name: 'new', key: 'new', values: report.overTime.map((p) => p.new) },
      ],
    },
    rowsBarChart('cost-by-route', 'Cost by route', 'usd',
      topRows(report.byRoute.map((r) => ({ label: r.route, values: [r.oldCost, r.newCost] })), 15), oldNew, false),
  ];
}

/** The part of the browser's `document` the page script uses (so tests can run it without one). */
export interface PageDocument {
  body: { dataset: Record<string, string | undefined> };
  getElementById(id: string): { textContent: string | null; insertAdjacentHTML(where: 'beforeend', html: string): void } | null;
}

/**
 * Draws the report's charts into #charts, then records on <body> how many drew
 * (`data-charts-drawn`) and why any did not (`data-chart-error`). `figure` comes in as an
 * argument because charts.ts is a separate module: its functions reach the page as source.
 */
export function drawCharts(doc: PageDocument, figure: (chart: Chart) => string): void {
  let drawn = 0;
  const errors: string[] = [];
  const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  try {
    const data = doc.getElementById('report-data');
    const host = doc.getElementById('charts');
    if (data === null || host === null) throw new Error('the page has no #report-data or #charts');
    const report = JSON.parse(data.textContent ?? '') as DryRunReport | DiffReport;
    for (const chart of report.kind === 'diff' ? diffCharts(report) : dryRunCharts(report)) {
      try {
        host.insertAdjacentHTML('beforeend', figure(chart));
        drawn++;
      } catch (e) {
        errors.push(chart.id + ': ' + message(e));
      }
    }
  } catch (e) {
    errors.push(message(e));
  }
  doc.body.dataset.chartsDrawn = String(drawn);
  if (errors.length > 0) doc.body.dataset.chartError = errors.join('; ');
}

/** The page's whole script; an IIFE so nothing leaks onto `window`. */
const PAGE_SCRIPT: string = [
  '(function () {',
  '"use strict";',
  CHART_SOURCE,
  ...[topRows, rowsBarChart, dryRunCharts, diffCharts, drawCharts].map(String),
  'drawCharts(document, chartFigure);',
  '})();',
].join('\n');

// The CSP admits this one script by hash: a string that escaped its escaping still could not run.
const PAGE_SCRIPT_SHA256 = createHash('sha256').update(PAGE_SCRIPT).digest('base64');

const CSS = `
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--soft:#f8fafc}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:22px;margin:0 0 8px}
h2{font-size:16px;margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid var(--line)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:16px 24px}
.scroll{overflow-x:auto;margin-bottom:20px}
td:first-child{white-space:nowrap}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding-bottom:4px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;font-weight:600;color:var(--muted)}
.num{text-align:right;white-space:nowrap}
.none{color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:20px;align-items:start}
figure{margin:0;padding:12px;border:1px solid var(--line);border-radius:8px;background:var(--soft);break-inside:avoid}
figcaption{font-weight:600;margin-bottom:6px}
svg.chart{display:block;width:100%;height:auto;font-size:13px}
svg .rule{stroke:var(--line)}
svg .tick,svg .legend,svg .value,svg .axis,svg .empty{fill:var(--muted)}
svg .label{fill:var(--fg)}
svg .bar,svg .point,svg .swatch{fill:var(--c)}
svg .line{fill:none;stroke:var(--c);stroke-width:2}
.s-recorded,.s-old{--c:#94a3b8}
.s-projected,.s-policy,.s-new{--c:#2563eb}
.s-changed{--c:#f59e0b}
.s-unchanged{--c:#cbd5e1}
.s-no-route{--c:#dc2626}
.s-unroutable{--c:#ea580c}
.s-best{--c:#7c3aed}
.s-cheapest{--c:#059669}
`;

/** A table cell: text (escaped here), a number column, or nothing (shown as a dash). */
type Cell = string | { num: string } | null;

function cellHtml(cell: Cell, tag: 'td' | 'th'): string {
  if (cell === null) return `<${tag} class="none">—</${tag}>`;
  if (typeof cell === 'string') return `<${tag}>${escapeXml(cell)}</${tag}>`;
  return `<${tag} class="num">${escapeXml(cell.num)}</${tag}>`;
}

function table(caption: string, header: Cell[], rows: Cell[][]): string {
  const body = rows.length > 0 ? rows.map((r) => `<tr>${r.map((c) => cellHtml(c, 'td')).join('')}</tr>`).join('\n')
    : `<tr><td class="none" colspan="${header.length}">none</td></tr>`;
  const head = header.length > 0 ? `<thead><tr>${header.map((c) => cellHtml(c, 'th')).join('')}</tr></thead>\n` : '';
  return `<div class="scroll"><table><caption>${escapeXml(caption)}</caption>\n${head}<tbody>\n${body}\n</tbody></table></div>`;
}

/** A two-column table of labelled figures. */
function figures(caption: string, rows: Array<[string, string]>): string {
  return table(caption, [], rows.map(([label, value]) => [label, { num: value }]));
}

const usd = (n: number): { num: string } => ({ num: formatUsd(n) });
const count = (n: number): { num: string } => ({ num: formatCount(n) });
const signedUsd = (n: number): string => (n > 0 ? '+' : '') + formatUsd(n);

function policyMeta(label: string, policy: PolicyRef): string {
  return `<dt>${escapeXml(label)}</dt><dd>${escapeXml(policy.file)} <code>${escapeXml(policy.hash)}</code></dd>`;
}

function trafficMeta(traffic: TrafficSource): string {
  const period = traffic.from === null || traffic.to === null ? 'none'
    : `${formatTime(traffic.from)} to ${formatTime(traffic.to)} UTC`;
  return `<dt>Traffic</dt><dd>${traffic.files.map((f) => `<code>${escapeXml(f)}</code>`).join('<br>') || 'none'}</dd>
<dt>Records</dt><dd>${formatCount(traffic.records)} replayed, ${formatCount(traffic.skipped)} skipped${
  traffic.otherPolicy ? `, ${formatCount(traffic.otherPolicy)} served by another policy` : ''}${
  traffic.outOfOrder ? `, ${formatCount(traffic.outOfOrder)} out of arrival order` : ''}</dd>
<dt>Period</dt><dd>${escapeXml(period)}</dd>`;
}

/** Embeds JSON in a <script> element: with every `<` escaped, no `</script>` or `<!--` can occur. */
function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function page(title: string, report: DryRunReport | DiffReport, meta: string, headline: string, tables: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${PAGE_SCRIPT_SHA256}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${escapeXml(title)}</h1>
<dl class="meta">
${meta}
</dl>
<h2>Summary</h2>
<div class="cards">
${headline}
</div>
<h2>Charts</h2>
<noscript><p>The charts are drawn by the page's script; the tables hold every figure.</p></noscript>
<div id="charts" class="charts"></div>
${tables}
</main>
<script type="application/json" id="report-data">${embedJson(report)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function breakdownTable(caption: string, rows: Breakdown[]): string {
  return table(caption, [caption.replace(/^By /, ''), { num: 'requests' }, { num: 'recorded' }, { num: 'policy' }, { num: 'saved' }],
    rows.map((r) => [r.key, count(r.requests), usd(r.recorded), usd(r.projected), usd(r.recorded - r.projected)]));
}

/** The dry-run report as a self-contained HTML page. */
export function renderDryRunHtml(report: DryRunReport): string {
  const { cost, decisions, budgets, batch, cache, estimates, quality } = report;
  const headline = [
    figures('Cost', [['recorded', formatUsd(cost.recorded)], ['policy', formatUsd(cost.projected)],
      ['saved', formatUsd(cost.saved)], ['saved share', formatShare(cost.savedShare)],
      // Their recorded cost is in `recorded` only: `saved` compares the requests both served.
      ...(cost.unroutable.requests > 0 ? [['served, now unroutable', `${formatCount(cost.unroutable.requests)} (${formatUsd(cost.unroutable.recorded)} recorded)`] as [string, string]] : [])]),
    figures('Decisions', [['changed', formatCount(decisions.changed)], ['of which unroutable', formatCount(decisions.unroutable)],
      ['unchanged', formatCount(decisions.unchanged)], ['no route', formatCount(decisions.noRoute)]]),
    figures('Budgets', [['rejected', formatCount(budgets.rejected)], ['downgraded', formatCount(budgets.downgraded)],
      ['alerts', formatCount(budgets.alerts)]]),
    figures('Batch tier', [['requests', formatCount(batch.requests)], ['share', formatShare(batch.share)],
      ['saved', formatUsd(batch.savedUsd)]]),
    figures('Cache', cache === null ? [['simulated', 'no']] : [['hits', formatCount(cache.hits)], ['saved', formatUsd(cache.savedUsd)],
      ...(cache.peakEntries === undefined ? [] : [['most answers held', formatCount(cache.peakEntries)] as [string, string]])]),
    figures('Estimates', [['cl100k scaled from o200k', formatCount(estimates.cl100kScaled)],
      ['output tokens estimated', formatCount(estimates.outputEstimated)]]),
  ].join('\n');
  const sections = [
    '<h2>Breakdowns</h2>',
    breakdownTable('By route', report.by.route),
    breakdownTable('By model', report.by.model),
    breakdownTable('By provider', report.by.provider),
    breakdownTable('By team', report.by.team),
    breakdownTable('By key', report.by.key),
    table('By budget', ['budget', { num: 'rejected' }, { num: 'spent' }],
      budgets.byBudget.map((b) => [b.budget, count(b.rejected), usd(b.spent)])),
  ];
  if (quality !== null) {
    const q = (n: number): { num: string } => ({ num: formatShare(n) });
    const baseline = (b: QualityBaseline | null): Cell[] => (b === null ? [null, null, null] : [b.model, q(b.quality), usd(b.costUsd)]);
    const chosen = (g: QualityGroup): string =>
      g.chosen.slice(0, 3).map((c) => `${c.model} ${formatShare(c.count / g.queries)}`).join(', ') + (g.chosen.length > 3 ? ', …' : '');
    sections.push(
      `<h2>Quality</h2>\n<p>Outcomes <code>${escapeXml(quality.file)}</code>, every query asking for <code>${escapeXml(quality.alias)}</code>. `
        + 'Unmapped: queries whose chosen model has no outcome (scored 0 at no cost). A baseline is one model answering every query; '
        + 'a dash: no model of the pool answered them all.</p>',
      table('Policy against one model for everything', ['pool', 'task', { num: 'queries' }, { num: 'unmapped' },
        { num: 'policy quality' }, { num: 'policy cost' }, 'best model', { num: 'quality' }, { num: 'cost' },
        'cheapest model', { num: 'quality' }, { num: 'cost' }],
      quality.groups.map((g) => [g.pool, g.task ?? 'all', count(g.queries), count(g.unmapped), q(g.policy.quality), usd(g.policy.costUsd),
        ...baseline(g.alwaysBest), ...baseline(g.cheapest)])),
      table('Models the policy chose', ['pool', 'task', 'share of queries'], quality.groups.map((g) => [g.pool, g.task ?? 'all', chosen(g)])),
    );
  }
  return page('Switchyard dry-run: ' + report.policy.file, report,
    policyMeta('Policy', report.policy) + '\n' + trafficMeta(report.traffic), headline, sections.join('\n'));
}

/** The diff report as a self-contained HTML page. */
export function renderDiffHtml(report: DiffReport): string {
  const share = report.total > 0 ? report.changed / report.total : 0;
  const headline = [
    figures('Decisions', [['changed', formatCount(report.changed)], ['of which unroutable', formatCount(report.unroutable)],
      ['total', formatCount(report.total)], ['changed share', formatShare(share)]]),
    figures('Cost', [['old', formatUsd(report.cost.old)], ['new', formatUsd(report.cost.new)], ['delta', signedUsd(report.cost.delta)],
      ...(report.cost.unroutable.requests > 0
        ? [['served, NEW cannot route', `${formatCount(report.cost.unroutable.requests)} (${formatUsd(report.cost.unroutable.oldCost)} old cost, not in delta)`] as [string, string]] : [])]),
  ].join('\n');
  const route = (r: string | null, m: string | null): string => (r === null ? 'no route' : m === null ? r : `${r} → ${m}`);
  const tables = [
    '<h2>Details</h2>',
    table('By route', ['route', { num: 'requests' }, { num: 'changed' }, { num: 'old cost' }, { num: 'new cost' }, { num: 'delta' }],
      report.byRoute.map((r) => [r.route, count(r.requests), count(r.changed), usd(r.oldCost), usd(r.newCost), { num: signedUsd(r.newCost - r.oldCost) }])),
    table('Changed decisions (examples)', ['request', 'at (UTC)', 'old route → model', 'new route → model', { num: 'old cost' }, { num: 'new cost' }],
      report.examples.map((e) => [e.id, formatTime(e.at), route(e.oldRoute, e.oldModel), route(e.newRoute, e.newModel), usd(e.oldCost), usd(e.newCost)])),
  ];
  return page('Switchyard diff: ' + report.old.file + ' → ' + report.new.file, report,
    policyMeta('Old policy', report.old) + '\n' + policyMeta('New policy', report.new) + '\n' + trafficMeta(report.traffic),
    headline, tables.join('\n'));
}
