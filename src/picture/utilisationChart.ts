import { integerTicks, linearScale, percent } from './chartScale.ts';
import { seriesStyle, type SeriesStyle } from './seriesColours.ts';
import { approxTextWidth, escapeXml, headerLines, svgDocument, svgNumber, svgText } from './svgMarkup.ts';

/** One domain's mean utilisation of one layer, with its confidence interval when there is one. */
export interface UtilisationChartRow {
  readonly domain: string;
  readonly layer: number;
  /** Fraction in [0, 1]. */
  readonly mean: number;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
}

export interface ChartOptions {
  readonly title: string;
  readonly note?: string;
}

const PLOT_WIDTH = 640;
const PLOT_HEIGHT = 320;
const LEFT = 64;
const LEGEND_FONT = 11;

interface Series {
  readonly domain: string;
  readonly style: SeriesStyle;
  readonly rows: readonly UtilisationChartRow[];
}

/** Per-layer mean utilisation, one line and CI band per domain, y fixed at 0-100% so charts compare. */
export function renderUtilisationChart(rows: readonly UtilisationChartRow[], opts: ChartOptions): string {
  const series = seriesByDomain(rows);
  const header = headerLines(opts.title, opts.note, 12, 8);
  const plotTop = 8 + header.height + 24;
  const plotBottom = plotTop + PLOT_HEIGHT;
  const plotRight = LEFT + PLOT_WIDTH;
  const legendWidth = Math.max(0, ...series.map((s) => approxTextWidth(s.domain, LEGEND_FONT))) + 40;
  const width = plotRight + 20 + legendWidth + 12;
  const height = Math.max(plotBottom + 50, plotTop + series.length * 18 + 12);

  const layers = rows.map((r) => r.layer);
  const minLayer = rows.length === 0 ? 1 : Math.min(...layers);
  const maxLayer = rows.length === 0 ? 1 : Math.max(...layers);
  // Half a layer of padding each side keeps the end points off the axes.
  const x = linearScale(minLayer - 0.5, maxLayer + 0.5, LEFT, plotRight);
  const y = linearScale(0, 1, plotBottom, plotTop);

  const body: string[] = [...header.markup];
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const yy = svgNumber(y(fraction));
    body.push(`<line x1="${LEFT}" y1="${yy}" x2="${plotRight}" y2="${yy}" stroke="#e3e3e3" stroke-width="1"/>`);
    body.push(svgText(LEFT - 6, y(fraction), percent(fraction, 0), { size: 11, anchor: 'end', baseline: 'middle', fill: '#333333' }));
  }
  for (const layer of integerTicks(minLayer, maxLayer, 24)) {
    body.push(`<line x1="${svgNumber(x(layer))}" y1="${plotBottom}" x2="${svgNumber(x(layer))}" y2="${plotBottom + 4}" stroke="#555555"/>`);
    body.push(svgText(x(layer), plotBottom + 16, String(layer), { size: 11, anchor: 'middle', fill: '#333333' }));
  }
  body.push(`<line x1="${LEFT}" y1="${plotBottom}" x2="${plotRight}" y2="${plotBottom}" stroke="#555555"/>`);
  body.push(svgText(LEFT + PLOT_WIDTH / 2, plotBottom + 36, 'layer', { size: 12, anchor: 'middle', fill: '#222222' }));
  body.push(svgText(18, (plotTop + plotBottom) / 2, 'mean utilisation U', { size: 12, anchor: 'middle', rotate: -90, fill: '#222222' }));
  if (series.length === 0) {
    body.push(svgText(LEFT + PLOT_WIDTH / 2, (plotTop + plotBottom) / 2, 'no data', { size: 14, anchor: 'middle', fill: '#888888' }));
  }
  // Bands first, so no band hides another domain's line.
  for (const s of series) body.push(...ciBands(s, x, y));
  for (const s of series) body.push(meanLine(s, x, y));
  series.forEach((s, i) => body.push(legendEntry(s, plotRight + 20, plotTop + 6 + i * 18)));
  return svgDocument(width, height, body);
}

function seriesByDomain(rows: readonly UtilisationChartRow[]): Series[] {
  const byDomain = new Map<string, UtilisationChartRow[]>();
  for (const row of rows) {
    if (!Number.isFinite(row.layer) || !Number.isFinite(row.mean)) {
      throw new RangeError(`utilisation chart: domain "${row.domain}" layer ${row.layer} has non-finite values`);
    }
    const list = byDomain.get(row.domain) ?? [];
    if (list.some((r) => r.layer === row.layer)) throw new RangeError(`utilisation chart: layer ${row.layer} appears twice in domain "${row.domain}"`);
    list.push(row);
    byDomain.set(row.domain, list);
  }
  return [...byDomain].map(([domain, list], i) => ({ domain, style: seriesStyle(i), rows: [...list].sort((a, b) => a.layer - b.layer) }));
}

function clampUnit(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** One polygon per run of consecutive layers that all have an interval; intervals are clipped to 0-100%. */
function ciBands(s: Series, x: (v: number) => number, y: (v: number) => number): string[] {
  const runs: UtilisationChartRow[][] = [];
  let run: UtilisationChartRow[] = [];
  for (const row of s.rows) {
    if (row.ciLow !== null && row.ciHigh !== null && Number.isFinite(row.ciLow) && Number.isFinite(row.ciHigh)) run.push(row);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  return runs.map((r) => {
    const upper = r.map((row) => `${svgNumber(x(row.layer))},${svgNumber(y(clampUnit(row.ciHigh ?? 0)))}`);
    const lower = [...r].reverse().map((row) => `${svgNumber(x(row.layer))},${svgNumber(y(clampUnit(row.ciLow ?? 0)))}`);
    // A lone layer's band would be a zero-width polygon; give it a visible whisker instead.
    const stroke = r.length === 1 ? ` stroke="${s.style.colour}" stroke-opacity="0.4" stroke-width="3"` : '';
    return `<polygon class="ci-band" points="${[...upper, ...lower].join(' ')}" fill="${s.style.colour}" fill-opacity="0.15"${stroke}/>`;
  });
}

function meanLine(s: Series, x: (v: number) => number, y: (v: number) => number): string {
  const points = s.rows.map((row) => `${svgNumber(x(row.layer))},${svgNumber(y(clampUnit(row.mean)))}`);
  const dash = s.style.dash === '' ? '' : ` stroke-dasharray="${s.style.dash}"`;
  const dots = s.rows.map(
    (row) =>
      `<circle cx="${svgNumber(x(row.layer))}" cy="${svgNumber(y(clampUnit(row.mean)))}" r="2.5" fill="${s.style.colour}"><title>${escapeXml(`${s.domain}, layer ${row.layer}: ${percent(row.mean, 1)}`)}</title></circle>`,
  );
  return [
    `<g class="series">`,
    `<polyline class="mean-line" points="${points.join(' ')}" fill="none" stroke="${s.style.colour}" stroke-width="2"${dash}/>`,
    ...dots,
    '</g>',
  ].join('');
}

function legendEntry(s: Series, left: number, y: number): string {
  const dash = s.style.dash === '' ? '' : ` stroke-dasharray="${s.style.dash}"`;
  return [
    `<line x1="${svgNumber(left)}" y1="${svgNumber(y)}" x2="${svgNumber(left + 24)}" y2="${svgNumber(y)}" stroke="${s.style.colour}" stroke-width="2"${dash}/>`,
    svgText(left + 30, y, s.domain, { size: LEGEND_FONT, baseline: 'middle', fill: '#222222', className: 'legend-label' }),
  ].join('');
}
