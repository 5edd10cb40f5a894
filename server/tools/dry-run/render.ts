/** The dry-run and diff reports as plain-text tables for a terminal. */
import { formatUsd, plural, table } from '../policy/render.js';
import type { Breakdown, DiffReport, DryRunReport, TrafficSource } from '../report/types.js';
import { ARRIVAL_MAX_BUFFERED, ARRIVAL_WINDOW_MS } from './arrival-order.js';

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
const when = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString().replace('.000Z', 'Z'));
/** Rows a breakdown shows before saying how many more there are. */
const TOP = 10;

function breakdown(title: string, rows: readonly Breakdown[]): string[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(0, TOP).map((r) => [r.key, String(r.requests), formatUsd(r.recorded), formatUsd(r.projected), formatUsd(r.projected - r.recorded)]);
  const out = ['', ...table([title, 'requests', 'recorded $', 'projected $', 'change $'], shown, [1, 2, 3, 4])];
  if (rows.length > TOP) out.push(`... ${plural(rows.length - TOP, 'more row')} in --json`);
  return out;
}

/** What a report must say about its traffic: records of another policy, out of arrival order, skipped lines. */
function trafficNotes(t: TrafficSource, otherPolicy: string): string[] {
  const out: string[] = [];
  if (t.otherPolicy) out.push(`${t.otherPolicy} of ${plural(t.records, 'record')} were served by a policy other than ${otherPolicy}`);
  if (t.outOfOrder) out.push(`${plural(t.outOfOrder, 'record')} replayed out of arrival order (done more than ${ARRIVAL_WINDOW_MS / 60_000} minutes after arrival, or more than ${ARRIVAL_MAX_BUFFERED} records in that time)`);
  if (t.skipped > 0) out.push(`skipped ${plural(t.skipped, 'line')} that were not traffic records`);
  return out;
}

export function renderDryRun(r: DryRunReport): string[] {
  const out = [
    `dry-run of ${r.policy.file} (sha256 ${r.policy.hash.slice(0, 12)}) on ${plural(r.traffic.records, 'record')} from ${when(r.traffic.from)} to ${when(r.traffic.to)}`,
    '',
    ...table(['', 'USD'], [
      ['recorded cost', formatUsd(r.cost.recorded)],
      ['projected cost', formatUsd(r.cost.projected)],
      [r.cost.saved >= 0 ? 'saved' : 'extra', `${formatUsd(Math.abs(r.cost.saved))} (${pct(Math.abs(r.cost.savedShare))})`],
    ], [1]),
  ];
  const lost = r.cost.unroutable;
  if (lost.requests > 0) {
    out.push(`${plural(lost.requests, 'served request')} this policy cannot route: their recorded cost ${formatUsd(lost.recorded)} USD is not in the projection, and ${r.cost.saved >= 0 ? 'saved' : 'extra'} compares the other requests only`);
  }
  const d = r.decisions;
  out.push(
    '',
    `decisions: ${d.changed} changed${d.unroutable > 0 ? ` (${d.unroutable} of them now unroutable: no route or no eligible candidate)` : ''}, ${d.unchanged} unchanged, ${d.noRoute} with no route or no eligible candidate then and now (budgets aside)`,
  );
  out.push(...trafficNotes(r.traffic, `this policy (sha256 ${r.policy.hash.slice(0, 12)}); changes are counted against the decisions they recorded`));
  if (r.budgets.byBudget.length > 0) {
    out.push(`budgets: ${r.budgets.rejected} rejected, ${r.budgets.downgraded} downgraded, ${r.budgets.alerts} over an alert-only budget`);
    for (const b of r.budgets.byBudget) out.push(`  ${b.budget}: ${b.rejected} rejected, ${formatUsd(b.spent)} USD spent`);
  }
  out.push(`batch tier: ${r.batch.requests} requests (${pct(r.batch.share)}), ${formatUsd(r.batch.savedUsd)} USD saved against realtime`);
  if (r.cache) out.push(`exact cache: ${r.cache.hits} hits, ${formatUsd(r.cache.savedUsd)} USD saved${r.cache.peakEntries === undefined ? '' : `, at most ${plural(r.cache.peakEntries, 'answer')} held at once`}`);
  if (r.estimates.cl100kScaled + r.estimates.outputEstimated > 0) {
    out.push(`estimates: ${r.estimates.cl100kScaled} cl100k counts scaled from o200k, ${r.estimates.outputEstimated} output counts taken from the route (no usage recorded)`);
  }
  if (r.traffic.failed) out.push(`${plural(r.traffic.failed, 'record')} of failed requests projected at no cost, as recorded`);
  out.push(
    ...breakdown('route', r.by.route),
    ...breakdown('model', r.by.model),
    ...breakdown('provider', r.by.provider),
    ...breakdown('team', r.by.team),
    ...breakdown('key', r.by.key),
  );
  return out;
}

export function renderDiff(r: DiffReport): string[] {
  const share = r.total > 0 ? r.changed / r.total : 0;
  const out = [
    `diff ${r.old.file} (sha256 ${r.old.hash.slice(0, 12)}) -> ${r.new.file} (sha256 ${r.new.hash.slice(0, 12)}) on ${plural(r.traffic.records, 'record')}`,
    '',
    `decisions changed: ${r.changed} of ${r.total} (${pct(share)})${r.unroutable > 0 ? `, ${r.unroutable} of them now unroutable (no route or no eligible candidate under NEW)` : ''}`,
    `projected cost: ${formatUsd(r.cost.old)} -> ${formatUsd(r.cost.new)} USD (${r.cost.delta <= 0 ? 'saves' : 'costs'} ${formatUsd(Math.abs(r.cost.delta))}; both policies projected the same way${r.cost.unroutable.requests > 0 ? ', over the requests both route' : ''})`,
  ];
  if (r.cost.unroutable.requests > 0) {
    out.push(`${plural(r.cost.unroutable.requests, 'served request')} NEW cannot route: their old cost ${formatUsd(r.cost.unroutable.oldCost)} USD is not counted as a saving`);
  }
  out.push(...trafficNotes(r.traffic, `OLD (sha256 ${r.old.hash.slice(0, 12)}); dry-run of NEW counts changes against what they recorded, so it can differ from this count`));
  out.push(
    '',
    ...table(['route (old policy)', 'requests', 'changed', 'old $', 'new $'],
      r.byRoute.map((row) => [row.route, String(row.requests), String(row.changed), formatUsd(row.oldCost), formatUsd(row.newCost)]), [1, 2, 3, 4]),
  );
  if (r.examples.length > 0) {
    out.push('', ...table(['example', 'at', 'old route -> model', 'new route -> model', 'old $', 'new $'],
      r.examples.map((e) => [e.id, when(e.at), `${e.oldRoute ?? '-'} -> ${e.oldModel ?? '-'}`, `${e.newRoute ?? '-'} -> ${e.newModel ?? '-'}`, formatUsd(e.oldCost), formatUsd(e.newCost)]), [4, 5]));
  }
  return out;
}
