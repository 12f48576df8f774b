import { mean, populationSd } from '../math/populationMoments.ts';

/**
 * Per-layer utilisation of several runs side by side for stdout: layers as rows (top layer
 * first), one column per run, blank where a run has no such layer; Mean and SD (population, as
 * in the single-run table) over each column's own layers.
 */
export interface UtilisationColumn {
  readonly name: string;
  /** Layer number of values[0]. */
  readonly firstLayer: number;
  /** U_l as fractions; shown as percentages. */
  readonly utilisation: Float64Array;
}

interface Column {
  readonly header: string;
  readonly firstLayer: number;
  readonly values: Float64Array;
  /** Percent for utilisation, percentage points (with a sign) for a difference of it. */
  readonly unit: '%' | 'pp';
}

function formatValue(value: number, unit: Column['unit'], signed: boolean): string {
  return `${signed && value >= 0 ? '+' : ''}${(value * 100).toFixed(2)} ${unit}`;
}

/** `donald compare`: one column per model. */
export function formatUtilisationComparison(columns: readonly UtilisationColumn[], opts: { title?: string; note?: string } = {}): string {
  return formatColumns(
    columns.map((c) => ({ header: c.name, firstLayer: c.firstLayer, values: c.utilisation, unit: '%' })),
    opts,
  );
}

/** `donald pair`: A, B and B − A in percentage points; both runs share their layers. */
export function formatPairUtilisation(a: UtilisationColumn, b: UtilisationColumn, difference: Float64Array, opts: { title?: string; note?: string } = {}): string {
  return formatColumns(
    [
      { header: a.name, firstLayer: a.firstLayer, values: a.utilisation, unit: '%' },
      { header: b.name, firstLayer: b.firstLayer, values: b.utilisation, unit: '%' },
      { header: 'B - A', firstLayer: a.firstLayer, values: difference, unit: 'pp' },
    ],
    opts,
  );
}

function formatColumns(columns: readonly Column[], opts: { title?: string; note?: string }): string {
  if (columns.length === 0) throw new RangeError('utilisation table: no columns');
  const low = Math.min(...columns.map((c) => c.firstLayer));
  const high = Math.max(...columns.map((c) => c.firstLayer + c.values.length - 1));
  const labelWidth = Math.max('Layer'.length, String(high).length);
  const cell = (c: Column, value: number): string => formatValue(value, c.unit, c.unit === 'pp');
  const widths = columns.map((c) => Math.max(c.header.length, ...Array.from(c.values, (v) => cell(c, v).length), cell(c, mean(c.values)).length));
  const line = (label: string, cells: readonly string[]): string =>
    [label.padStart(labelWidth), ...cells.map((cell, i) => cell.padStart(widths[i]))].join('  ').trimEnd();

  const lines: string[] = [];
  if (opts.title) lines.push(opts.title, '');
  const header = line('Layer', columns.map((c) => c.header));
  const rule = '-'.repeat(header.length);
  lines.push(header, rule);
  for (let layer = high; layer >= low; layer--) {
    lines.push(line(String(layer), columns.map((c) => {
      const i = layer - c.firstLayer;
      return i >= 0 && i < c.values.length ? cell(c, c.values[i]) : '';
    })));
  }
  lines.push(rule);
  lines.push(line('Mean', columns.map((c) => cell(c, mean(c.values)))));
  lines.push(line('SD', columns.map((c) => formatValue(populationSd(c.values), c.unit, false))));
  if (opts.note) lines.push('', opts.note);
  return lines.join('\n') + '\n';
}
