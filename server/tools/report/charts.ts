/**
 * SVG chart builders for the HTML reports: data in, SVG markup out, no DOM.
 *
 * The page draws its charts in the browser with these same functions: CHART_SOURCE is their
 * source text (Function.prototype.toString), inlined into the page's script. So every function
 * here may call only the others in CHART_FUNCTIONS and plain JS globals (Math, String, Date),
 * never an import or a module constant, which would not exist in the page.
 * Colours live in the page's CSS: a series' `key` becomes the class `s-<key>`.
 */

export type Unit = 'usd' | 'count' | 'share';

/** One named series; `values[i]` belongs to category (or x) `i`. */
export interface Series {
  name: string;
  key: string;
  values: number[];
}

/** Horizontal bars, one band per category: series side by side (grouped) or end to end (stacked). */
export interface BarChart {
  type: 'bar';
  id: string;
  title: string;
  unit: Unit;
  categories: string[];
  series: Series[];
  stacked: boolean;
}

/** Lines over time; `x` holds epoch ms, one point per x and series. */
export interface LineChart {
  type: 'line';
  id: string;
  title: string;
  unit: Unit;
  x: number[];
  series: Series[];
}

export interface ScatterPoint {
  label: string;
  key: string;
  x: number;
  y: number;
}

/** Labelled points on two value axes (quality against cost). */
export interface ScatterChart {
  type: 'scatter';
  id: string;
  title: string;
  xUnit: Unit;
  yUnit: Unit;
  points: ScatterPoint[];
}

export type Chart = BarChart | LineChart | ScatterChart;

/** Text safe inside HTML/SVG element content and double- or single-quoted attributes. */
export function escapeXml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
}

/**
 * USD for people: grouped dollars and cents from $1, three significant digits below (per-request
 * costs such as $0.000103 would read as $0.00 with fixed cents), exponent below a micro-dollar.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return String(usd);
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  if (abs === 0) return '$0';
  if (abs >= 1) {
    const [whole, cents] = abs.toFixed(2).split('.');
    return sign + '$' + String(whole).replace(/\B(?=(\d{3})+$)/g, ',') + '.' + cents;
  }
  if (abs < 1e-6) return sign + '$' + abs.toExponential(2);
  return sign + '$' + String(Number(abs.toPrecision(3)));
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** A fraction in 0..1 as a percentage with one decimal. */
export function formatShare(fraction: number): string {
  return (fraction * 100).toFixed(1) + '%';
}

/** A value in its unit. */
export function formatValue(value: number, unit: Unit): string {
  if (unit === 'usd') return formatUsd(value);
  if (unit === 'share') return formatShare(value);
  return formatCount(value);
}

/** Epoch ms as `YYYY-MM-DD HH:MM` in UTC, so a report reads the same in every time zone. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** A round top for an axis of four ticks: the smallest of 1, 2, 3, 4, 5, 6, 8 times a power of ten at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const step = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 3, 4, 5, 6, 8, 10]) if (m * step >= max * (1 - 1e-12)) return m * step;
  return 10 * step;
}

/** Legend swatches in a row at (x, y). */
export function legendSvg(items: Array<{ name: string; key: string }>, x: number, y: number): string {
  let out = '';
  let at = x;
  for (const item of items) {
    out += '<rect class="swatch s-' + escapeXml(item.key) + '" x="' + at + '" y="' + (y - 9) + '" width="10" height="10" rx="2"></rect>';
    out += '<text class="legend" x="' + (at + 14) + '" y="' + y + '">' + escapeXml(item.name) + '</text>';
    at += 30 + item.name.length * 8;
  }
  return out;
}

/** A category label cut to fit the label column; the full text stays in a tooltip. */
export function shortLabel(label: string, max: number): string {
  return label.length > max ? label.slice(0, max - 1) + '…' : label;
}

/** Horizontal bar chart: one `rect.bar` per category and series (zero-length bars included). */
export function barChartSvg(chart: BarChart): string {
  const width = 640;
  const left = 180;
  const plotWidth = width - left - 84;
  const bar = chart.stacked ? 18 : 13;
  const band = (chart.stacked ? bar : bar * chart.series.length) + 12;
  const top = chart.series.length > 1 ? 30 : 10;
  const height = top + band * chart.categories.length + 26;
  const totals = chart.categories.map((_, i) =>
    chart.stacked
      ? chart.series.reduce((sum, s) => sum + Math.max(0, s.values[i] ?? 0), 0)
      : Math.max(0, ...chart.series.map((s) => s.values[i] ?? 0)),
  );
  const max = niceMax(Math.max(0, ...totals));
  const scale = (v: number): number => (Math.max(0, v) / max) * plotWidth;
  let out = '<svg class="chart" data-chart="' + escapeXml(chart.id) + '" viewBox="0 0 ' + width + ' ' + height + '" role="img">';
  out += '<title>' + escapeXml(chart.title) + '</title>';
  if (chart.series.length > 1) out += legendSvg(chart.series, left, 16);
  const axisY = height - 20;
  for (let t = 0; t <= 4; t++) {
    const x = left + (plotWidth * t) / 4;
    out += '<line class="rule" x1="' + x + '" x2="' + x + '" y1="' + (top - 4) + '" y2="' + axisY + '"></line>';
    out += '<text class="tick" x="' + x + '" y="' + (axisY + 14) + '" text-anchor="middle">' + escapeXml(formatValue((max * t) / 4, chart.unit)) + '</text>';
  }
  chart.categories.forEach((category, i) => {
    const y0 = top + band * i;
    out += '<text class="label" x="' + (left - 8) + '" y="' + (y0 + (band - 12) / 2 + 4) + '" text-anchor="end"><title>' + escapeXml(category) + '</title>' + escapeXml(shortLabel(category, 24)) + '</text>';
    let along = 0;
    chart.series.forEach((s, j) => {
      const value = s.values[i] ?? 0;
      const x = left + (chart.stacked ? scale(along) : 0);
      const y = chart.stacked ? y0 : y0 + bar * j;
      const w = scale(value);
      along += Math.max(0, value);
      out += '<rect class="bar s-' + escapeXml(s.key) + '" x="' + x.toFixed(1) + '" y="' + y + '" width="' + w.toFixed(1) + '" height="' + (bar - 2) + '">';
      out += '<title>' + escapeXml(category + ' · ' + s.name + ': ' + formatValue(value, chart.unit)) + '</title></rect>';
      if (!chart.stacked) out += '<text class="value" x="' + (x + w + 4).toFixed(1) + '" y="' + (y + bar - 4) + '">' + escapeXml(formatValue(value, chart.unit)) + '</text>';
    });
    if (chart.stacked) out += '<text class="value" x="' + (left + scale(along) + 4).toFixed(1) + '" y="' + (y0 + bar - 5) + '">' + escapeXml(formatValue(along, chart.unit)) + '</text>';
  });
  return out + '</svg>';
}

/** Line chart over time: one `polyline.line` per series and one `circle.point` per value. */
export function lineChartSvg(chart: LineChart): string {
  const width = 640;
  const height = 260;
  const left = 78;
  const right = 20;
  const top = 30;
  const bottom = 28;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  let out = '<svg class="chart" data-chart="' + escapeXml(chart.id) + '" viewBox="0 0 ' + width + ' ' + height + '" role="img">';
  out += '<title>' + escapeXml(chart.title) + '</title>';
  out += legendSvg(chart.series, left, 16);
  if (chart.x.length === 0) return out + '<text class="empty" x="' + width / 2 + '" y="' + height / 2 + '" text-anchor="middle">no data</text></svg>';
  const t0 = Math.min(...chart.x);
  const t1 = Math.max(...chart.x);
  const max = niceMax(Math.max(0, ...chart.series.flatMap((s) => s.values)));
  const px = (t: number): number => left + (t1 === t0 ? plotWidth / 2 : ((t - t0) / (t1 - t0)) * plotWidth);
  const py = (v: number): number => top + plotHeight - (Math.max(0, v) / max) * plotHeight;
  for (let k = 0; k <= 4; k++) {
    const y = top + plotHeight - (plotHeight * k) / 4;
    out += '<line class="rule" x1="' + left + '" x2="' + (left + plotWidth) + '" y1="' + y + '" y2="' + y + '"></line>';
    out += '<text class="tick" x="' + (left - 6) + '" y="' + (y + 4) + '" text-anchor="end">' + escapeXml(formatValue((max * k) / 4, chart.unit)) + '</text>';
  }
  const ticks = t1 === t0 ? [t0] : [t0, (t0 + t1) / 2, t1];
  ticks.forEach((t, k) => {
    const anchor = ticks.length === 1 ? 'middle' : k === 0 ? 'start' : k === ticks.length - 1 ? 'end' : 'middle';
    out += '<text class="tick" x="' + px(t).toFixed(1) + '" y="' + (height - 8) + '" text-anchor="' + anchor + '">' + escapeXml(formatTime(t)) + '</text>';
  });
  for (const s of chart.series) {
    const points = chart.x.map((t, i) => px(t).toFixed(1) + ',' + py(s.values[i] ?? 0).toFixed(1));
    out += '<polyline class="line s-' + escapeXml(s.key) + '" points="' + points.join(' ') + '"></polyline>';
    chart.x.forEach((t, i) => {
      const value = s.values[i] ?? 0;
      out += '<circle class="point s-' + escapeXml(s.key) + '" cx="' + px(t).toFixed(1) + '" cy="' + py(value).toFixed(1) + '" r="2.5">';
      out += '<title>' + escapeXml(formatTime(t) + ' · ' + s.name + ': ' + formatValue(value, chart.unit)) + '</title></circle>';
    });
  }
  return out + '</svg>';
}

/** Scatter chart: one labelled `circle.point` per point, both axes from zero. */
export function scatterChartSvg(chart: ScatterChart): string {
  const width = 640;
  const height = 280;
  const left = 64;
  const right = 150;
  const top = 16;
  const bottom = 40;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const xMax = niceMax(Math.max(0, ...chart.points.map((p) => p.x)));
  const yMax = chart.yUnit === 'share' ? 1 : niceMax(Math.max(0, ...chart.points.map((p) => p.y)));
  const px = (v: number): number => left + (Math.max(0, v) / xMax) * plotWidth;
  const py = (v: number): number => top + plotHeight - (Math.max(0, v) / yMax) * plotHeight;
  let out = '<svg class="chart" data-chart="' + escapeXml(chart.id) + '" viewBox="0 0 ' + width + ' ' + height + '" role="img">';
  out += '<title>' + escapeXml(chart.title) + '</title>';
  for (let k = 0; k <= 4; k++) {
    const x = left + (plotWidth * k) / 4;
    const y = top + plotHeight - (plotHeight * k) / 4;
    out += '<line class="rule" x1="' + left + '" x2="' + (left + plotWidth) + '" y1="' + y + '" y2="' + y + '"></line>';
    out += '<line class="rule" x1="' + x + '" x2="' + x + '" y1="' + top + '" y2="' + (top + plotHeight) + '"></line>';
    out += '<text class="tick" x="' + (left - 6) + '" y="' + (y + 4) + '" text-anchor="end">' + escapeXml(formatValue((yMax * k) / 4, chart.yUnit)) + '</text>';
    out += '<text class="tick" x="' + x + '" y="' + (top + plotHeight + 16) + '" text-anchor="middle">' + escapeXml(formatValue((xMax * k) / 4, chart.xUnit)) + '</text>';
  }
  out += '<text class="axis" x="' + (left + plotWidth / 2) + '" y="' + (height - 4) + '" text-anchor="middle">cost</text>';
  for (const p of chart.points) {
    out += '<circle class="point s-' + escapeXml(p.key) + '" cx="' + px(p.x).toFixed(1) + '" cy="' + py(p.y).toFixed(1) + '" r="6">';
    out += '<title>' + escapeXml(p.label + ': ' + formatValue(p.y, chart.yUnit) + ' at ' + formatValue(p.x, chart.xUnit)) + '</title></circle>';
    out += '<text class="label" x="' + (px(p.x) + 9).toFixed(1) + '" y="' + (py(p.y) + 4).toFixed(1) + '"><title>' + escapeXml(p.label) + '</title>' + escapeXml(shortLabel(p.label, 24)) + '</text>';
  }
  return out + '</svg>';
}

/** The SVG of any chart. */
export function chartSvg(chart: Chart): string {
  if (chart.type === 'bar') return barChartSvg(chart);
  if (chart.type === 'line') return lineChartSvg(chart);
  return scatterChartSvg(chart);
}

/** A chart under its caption, as the page shows it. */
export function chartFigure(chart: Chart): string {
  return '<figure><figcaption>' + escapeXml(chart.title) + '</figcaption>' + chartSvg(chart) + '</figure>';
}

/** Every function the page's script needs, in the order its source is inlined. */
export const CHART_FUNCTIONS: ReadonlyArray<(...args: never[]) => unknown> = [
  escapeXml,
  formatUsd,
  formatCount,
  formatShare,
  formatValue,
  formatTime,
  niceMax,
  legendSvg,
  shortLabel,
  barChartSvg,
  lineChartSvg,
  scatterChartSvg,
  chartSvg,
  chartFigure,
];

/** The chart builders as browser JavaScript. */
export const CHART_SOURCE: string = CHART_FUNCTIONS.map(String).join('\n');
