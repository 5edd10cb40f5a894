/** Plain-text output shared by the policy verbs: aligned tables, values and expected/got lines. */

/** Rows under a header, columns padded to their widest cell; `right` columns align numbers. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, j) => (right.includes(j) ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * USD with three significant digits and no exponent down to a micro-dollar: per-request costs
 * span from $0.000001 to dollars, and a fixed number of decimals would show most of them as 0.
 */
export function formatUsd(usd: number): string {
  if (usd === 0) return '0';
  if (!Number.isFinite(usd)) return String(usd);
  if (Math.abs(usd) >= 1) return usd.toFixed(2);
  if (Math.abs(usd) < 1e-6) return usd.toExponential(2);
  return String(Number(usd.toPrecision(3)));
}

/** A value as a test report shows it: strings quoted, lists bracketed with bare names, null as null. */
export function showValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? v : showValue(v))).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** `field: expected X, got Y`. */
export function expectedGot(field: string, expected: unknown, got: unknown): string {
  return `${field}: expected ${showValue(expected)}, got ${showValue(got)}`;
}

/** `1 error`, `2 errors`; `many` for words whose plural is not word + s. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
