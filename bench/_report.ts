/** Output helpers shared by the benchmarks: a plain table, percentiles, and the JSON last line. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const columns = Object.keys(rows[0] ?? {});
  const cell = (value: string | number): string =>
    typeof value === 'number' ? (Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2)) : value;
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column] ?? '').length)));
  const line = (values: string[]): string => values.map((value, i) => value.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(columns.map((column) => cell(row[column] ?? ''))));
}

export function printHeadline(figures: Record<string, string | number | boolean>): void {
  console.log('');
  console.log(JSON.stringify(figures));
}

export function rssMb(): number {
  return Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Bodies whose JSON is about `bytes` long, like an application's messages: `{n, owner, package, …extra, pad}`. */
export function bodyOfSize(bytes: number): (n: number, extra?: Record<string, unknown>) => Record<string, unknown> {
  const pad = 'x'.repeat(Math.max(0, bytes - JSON.stringify({ n: 100000, owner: 'alice', package: 'kernel', pad: '' }).length));
  return (n, extra = {}) => ({ n, owner: 'alice', package: 'kernel', ...extra, pad });
}
