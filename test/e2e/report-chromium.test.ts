/**
 * The HTML reports in a real browser: Debian's headless Chromium loads each page from disk and
 * dumps the DOM after the page's script ran, so the charts counted here are the ones it drew.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDiffHtml, renderDryRunHtml } from '../../server/tools/report/html.js';
import { BUCKETS, sampleDiff, sampleDryRun } from '../unit/server/tools/report/sample-reports.js';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE = '</script><script>alert(1)</script>';
// A cold start of Chromium in a fresh profile takes about a second; 60 s only stops a hang.
const CHROMIUM_TIMEOUT_MS = 60_000;

const present = existsSync(CHROMIUM);
if (!present) console.warn(`report-chromium: skipped, ${CHROMIUM} is absent (.ci/run installs it: apt-get install -y chromium)`);

const dir = present ? mkdtempSync(join(tmpdir(), 'sy-report-html-')) : '';
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** The DOM of `html` once loaded in headless Chromium, with the script elements cut out. */
function renderInChromium(name: string, html: string): string {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const run = spawnSync(CHROMIUM, [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
    `--user-data-dir=${join(dir, `profile-${name}`)}`, '--dump-dom', pathToFileURL(file).href,
  ], { encoding: 'utf8', timeout: CHROMIUM_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0 || run.stdout === '') {
    throw new Error(`chromium exited ${run.status} (${run.signal ?? 'no signal'}): ${run.error?.message ?? ''}\n${run.stderr.slice(-2000)}`);
  }
  return run.stdout.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '');
}

function body(dom: string): string {
  return /<body[^>]*>/.exec(dom)![0];
}

function svg(dom: string, id: string): string {
  const m = new RegExp(`<svg[^>]*data-chart="${id}"[^>]*>([\\s\\S]*?)</svg>`).exec(dom);
  if (m === null) throw new Error(`chart ${id} was not drawn`);
  return m[1]!;
}

const bars = (markup: string): number => (markup.match(/<rect class="bar /g) ?? []).length;
const points = (markup: string): number => (markup.match(/<circle class="point /g) ?? []).length;

describe.skipIf(!present)('HTML reports in headless Chromium', () => {
  it('dry-run: every chart draws, with a bar per model or route and series and a point per bucket', () => {
    const report = sampleDryRun();
    report.by.model[0]!.key = HOSTILE;
    const dom = renderInChromium('dry-run', renderDryRunHtml(report));
    expect(body(dom)).toContain('data-charts-drawn="6"');
    expect(body(dom)).not.toContain('data-chart-error');
    expect(bars(svg(dom, 'cost-by-model'))).toBe(8);
    expect(bars(svg(dom, 'cost-by-route'))).toBe(6);
    expect(points(svg(dom, 'cost-over-time'))).toBe(2 * BUCKETS);
    // changed (less the unroutable), now unroutable, unchanged, no route
    expect(bars(svg(dom, 'decisions'))).toBe(4);
    expect(points(svg(dom, 'quality-frugalgpt-12'))).toBe(3);
    expect(points(svg(dom, 'quality-routellm-2'))).toBe(3);
    // The hostile model name is text in the table and the chart, not markup.
    expect(dom).not.toMatch(/<script/i);
    expect(dom).toContain('<td>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td>');
    expect(svg(dom, 'cost-by-model')).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
  }, 2 * CHROMIUM_TIMEOUT_MS);

  it('diff: every chart draws, with a bar per route and series and a point per bucket', () => {
    const dom = renderInChromium('diff', renderDiffHtml(sampleDiff()));
    expect(body(dom)).toContain('data-charts-drawn="3"');
    expect(body(dom)).not.toContain('data-chart-error');
    expect(bars(svg(dom, 'changed-by-route'))).toBe(6);
    expect(points(svg(dom, 'cost-over-time'))).toBe(2 * BUCKETS);
    expect(bars(svg(dom, 'cost-by-route'))).toBe(6);
  }, 2 * CHROMIUM_TIMEOUT_MS);

  it('reports a chart error on <body> when the embedded data is unreadable', () => {
    const html = renderDiffHtml(sampleDiff()).replace(/(<script type="application\/json" id="report-data">)\{/, '$1{,');
    const dom = renderInChromium('broken', html);
    expect(body(dom)).toContain('data-charts-drawn="0"');
    expect(body(dom)).toMatch(/data-chart-error="[^"]*JSON/);
    expect(dom).not.toContain('<svg');
  }, 2 * CHROMIUM_TIMEOUT_MS);
});
