import type { TokenAlignment } from '../compare/tokenAlignment.ts';
import { symmetricRange } from '../compare/fieldDifference.ts';
import type { Matrix } from '../math/matrix.ts';
import { differenceColour } from './differenceColour.ts';
import { approxTextWidth, escapeXml, svgDocument, svgNumber, svgText, truncateLabel } from './svgMarkup.ts';

/**
 * The difference panel of a minimal pair (paper Figures 3-4, made quantitative): (a) per-layer
 * utilisation B − A as diverging bars with their values, (b) anisotropy B − A as a layers x
 * aligned-tokens heat map on a symmetric blue-white-red scale. Both share the layer rows, top
 * layer first as in the flow pictures beside it.
 */
export interface DifferencePanelInput {
  /** Layer number of row 0 (1 normally, 0 when the embedding output is kept). */
  readonly firstLayer: number;
  /** U_l(B) − U_l(A), one per layer. */
  readonly utilisation: Float64Array;
  /** [layers, alignment.pairs.length]: anisotropy B − A at each aligned pair. */
  readonly anisotropy: Matrix;
  readonly alignment: TokenAlignment;
  readonly tokensA: readonly string[];
  readonly tokensB: readonly string[];
  readonly title?: string;
  /** Explanations (e.g. how unequal lengths were aligned); wrapped to the panel's width. */
  readonly notes?: readonly string[];
}

const PAD = 12;
const FONT = 10;
const HEAD = 11;
const BAR_WIDTH = 180;
const VALUE_WIDTH = 64;
const LEGEND_RAMP = 14;
const LEGEND_STEPS = 32;
const MAX_LABEL_CHARS = 18;
const TILT = 45;
const MIN_WIDTH = 480;
/** DejaVu (the PNG font) runs wider than approxTextWidth's 0.6 em; this keeps text inside the panel. */
const FONT_SLACK = 1.15;

export function renderDifferencePanel(input: DifferencePanelInput): string {
  const layers = input.utilisation.length;
  const cols = input.alignment.pairs.length;
  if (layers === 0) throw new RangeError('difference panel: no layers');
  if (input.anisotropy.rows !== layers || input.anisotropy.cols !== cols) {
    throw new RangeError(`difference panel: anisotropy is ${input.anisotropy.rows} x ${input.anisotropy.cols}, expected ${layers} layers x ${cols} aligned tokens`);
  }
  const tile = Math.max(12, Math.min(30, Math.floor(Math.min(520 / layers, 640 / Math.max(1, cols)))));
  const layerLabels = Array.from({ length: layers }, (_, row) => String(input.firstLayer + row));
  const columnLabels = input.alignment.pairs.map((p) =>
    truncateLabel(p.sameText ? input.tokensA[p.a] : `${input.tokensA[p.a]}\u2192${input.tokensB[p.b]}`, MAX_LABEL_CHARS),
  );

  // Columns of the panel, left to right.
  const layerLabelRight = PAD + 18 + Math.max(...layerLabels.map((l) => approxTextWidth(l, FONT)));
  const barLeft = layerLabelRight + 8;
  const valueLeft = barLeft + BAR_WIDTH + 6;
  const heatLeft = valueLeft + VALUE_WIDTH + 24;
  const heatWidth = Math.max(cols, 1) * tile;
  const heatHeading = '(b) anisotropy, B \u2212 A';
  // A narrow heat map must not let its heading run into the legend.
  const legendLeft = heatLeft + Math.max(heatWidth, approxTextWidth(heatHeading, HEAD) * FONT_SLACK) + 20;
  const anisotropyRange = symmetricRange(input.anisotropy.data);
  const legendLabels = legendMarks(anisotropyRange).map(([, label]) => label);
  const legendLabelWidth = Math.max(...legendLabels.map((l) => approxTextWidth(l, FONT))) * FONT_SLACK;
  const width = Math.max(MIN_WIDTH, legendLeft + LEGEND_RAMP + 7 + legendLabelWidth + PAD);

  // Header, then section headings, then the shared layer rows.
  const header: string[] = [];
  let y = PAD;
  if (input.title !== undefined && input.title !== '') {
    y += 18;
    header.push(svgText(PAD, y, input.title, { size: 16, weight: 'bold', fill: '#111111', className: 'title' }));
  }
  for (const line of (input.notes ?? []).flatMap((n) => wrapText(n, (width - 2 * PAD) / FONT_SLACK, 12))) {
    y += 16;
    header.push(svgText(PAD, y, line, { size: 12, italic: true, fill: '#555555', className: 'note' }));
  }
  const headingY = y + 24;
  const gridTop = headingY + 12;
  const gridBottom = gridTop + layers * tile;
  const rowCentre = (row: number): number => gridTop + (layers - 1 - row + 0.5) * tile;

  const body: string[] = [...header];
  body.push(svgText(barLeft, headingY, '(a) utilisation U, B \u2212 A', { size: HEAD, weight: 'bold', fill: '#222222', className: 'section-title' }));
  body.push(svgText(heatLeft, headingY, heatHeading, { size: HEAD, weight: 'bold', fill: '#222222', className: 'section-title' }));
  body.push(svgText(PAD + 8, (gridTop + gridBottom) / 2, 'layer', { size: 12, anchor: 'middle', rotate: -90, fill: '#222222' }));
  layerLabels.forEach((label, row) => body.push(svgText(layerLabelRight, rowCentre(row), label, { size: FONT, anchor: 'end', baseline: 'middle', fill: '#222222', className: 'layer-label' })));

  body.push(...utilisationBars(input.utilisation, layerLabels, { left: barLeft, valueLeft, top: gridTop, bottom: gridBottom, tile, rowCentre }));
  let bottom = gridBottom + 40;
  if (cols === 0) {
    body.push(svgText(heatLeft, gridTop + 14, 'no tokens matched: nothing to compare', { size: FONT, italic: true, fill: '#888888' }));
  } else {
    const heat = anisotropyHeatMap(input, anisotropyRange, layerLabels, columnLabels, { left: heatLeft, top: gridTop, tile, rowCentre });
    body.push(...heat.markup);
    bottom = Math.max(bottom, heat.bottom);
    const legendHeight = Math.max(120, layers * tile);
    body.push(...heatLegend(anisotropyRange, legendLeft, headingY, gridTop, legendHeight));
    bottom = Math.max(bottom, gridTop + legendHeight + 24);
  }
  return svgDocument(Math.ceil(width), Math.ceil(bottom + PAD), body);
}

interface RowGeometry {
  readonly left: number;
  readonly top: number;
  readonly tile: number;
  readonly rowCentre: (row: number) => number;
}

function signed(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  return `${value < 0 && Number(text) !== 0 ? '\u2212' : '+'}${text}`;
}

function utilisationBars(
  delta: Float64Array,
  layerLabels: readonly string[],
  g: { left: number; valueLeft: number; top: number; bottom: number; tile: number; rowCentre: (row: number) => number },
): string[] {
  const points = Array.from(delta, (d) => d * 100);
  const range = symmetricRange(points);
  const zero = g.left + BAR_WIDTH / 2;
  const half = BAR_WIDTH / 2 - 4;
  const out: string[] = ['<g class="utilisation-difference">'];
  points.forEach((pp, row) => {
    const length = range === 0 ? 0 : (Math.abs(pp) / range) * half;
    const x = pp < 0 ? zero - length : zero;
    const barHeight = g.tile * 0.7;
    const colour = differenceColour(pp === 0 ? 0 : Math.sign(pp), 1);
    const tip = `layer ${layerLabels[row]}: U(B) \u2212 U(A) = ${signed(pp, 2)} percentage points`;
    out.push(
      `<rect class="utilisation-bar" x="${svgNumber(x)}" y="${svgNumber(g.rowCentre(row) - barHeight / 2)}" width="${svgNumber(length)}" height="${svgNumber(barHeight)}" fill="${colour}"><title>${escapeXml(tip)}</title></rect>`,
    );
    out.push(svgText(g.valueLeft, g.rowCentre(row), signed(pp, 2), { size: FONT, baseline: 'middle', fill: '#222222', className: 'utilisation-value' }));
  });
  out.push(`<line class="zero-line" x1="${svgNumber(zero)}" y1="${svgNumber(g.top - 4)}" x2="${svgNumber(zero)}" y2="${svgNumber(g.bottom + 4)}" stroke="#333333" stroke-width="1"/>`);
  out.push(`<line x1="${svgNumber(g.left)}" y1="${svgNumber(g.bottom + 4)}" x2="${svgNumber(g.left + BAR_WIDTH)}" y2="${svgNumber(g.bottom + 4)}" stroke="#999999" stroke-width="0.6"/>`);
  const ticks: [number, string][] = [
    [zero - half, signed(-range, 2)],
    [zero, '0'],
    [zero + half, signed(range, 2)],
  ];
  for (const [x, label] of ticks) out.push(svgText(x, g.bottom + 16, label, { size: FONT, anchor: 'middle', fill: '#333333' }));
  out.push(svgText(zero, g.bottom + 30, 'percentage points', { size: FONT, anchor: 'middle', fill: '#333333' }));
  out.push(svgText(g.valueLeft, g.top - 4, 'B \u2212 A', { size: FONT, fill: '#555555' }));
  out.push('</g>');
  return out;
}

function anisotropyHeatMap(
  input: DifferencePanelInput,
  range: number,
  layerLabels: readonly string[],
  columnLabels: readonly string[],
  g: RowGeometry,
): { markup: string[]; bottom: number } {
  const { anisotropy, alignment } = input;
  const layers = anisotropy.rows;
  const out: string[] = ['<g class="anisotropy-difference">'];
  for (let row = 0; row < layers; row++) {
    const y = g.rowCentre(row) - g.tile / 2;
    alignment.pairs.forEach((pair, k) => {
      const value = anisotropy.data[row * anisotropy.cols + k];
      const tip = `layer ${layerLabels[row]}, A token ${pair.a} ${JSON.stringify(input.tokensA[pair.a])} vs B token ${pair.b} ${JSON.stringify(input.tokensB[pair.b])}: anisotropy B \u2212 A = ${signed(value, 3)}`;
      // A hair of overlap so anti-aliasing leaves no white seams between cells.
      out.push(
        `<rect class="difference-cell" x="${svgNumber(g.left + k * g.tile)}" y="${svgNumber(y)}" width="${svgNumber(g.tile + 0.25)}" height="${svgNumber(g.tile + 0.25)}" fill="${differenceColour(value, range)}"><title>${escapeXml(tip)}</title></rect>`,
      );
    });
  }
  const gridBottom = g.top + layers * g.tile;
  out.push(`<rect x="${svgNumber(g.left)}" y="${svgNumber(g.top)}" width="${svgNumber(alignment.pairs.length * g.tile)}" height="${svgNumber(layers * g.tile)}" fill="none" stroke="#888888" stroke-width="0.6"/>`);
  // Positions where a swapped word still lines up: outlined, so the eye finds the pair's pivot.
  alignment.pairs.forEach((pair, k) => {
    if (pair.sameText) return;
    out.push(
      `<rect class="differing-token" x="${svgNumber(g.left + k * g.tile)}" y="${svgNumber(g.top)}" width="${svgNumber(g.tile)}" height="${svgNumber(layers * g.tile)}" fill="none" stroke="#111111" stroke-width="1.6"/>`,
    );
  });
  const cos = Math.cos((TILT * Math.PI) / 180);
  let depth = 0;
  columnLabels.forEach((label, k) => {
    const differs = !alignment.pairs[k].sameText;
    out.push(
      svgText(g.left + (k + 0.5) * g.tile, gridBottom + 5 + FONT * 0.7, label, {
        size: FONT,
        anchor: 'end',
        rotate: -TILT,
        weight: differs ? 'bold' : 'normal',
        fill: differs ? '#111111' : '#222222',
        className: differs ? 'token-label differing-label' : 'token-label',
      }),
    );
    depth = Math.max(depth, approxTextWidth(label, FONT) * cos + FONT);
  });
  out.push('</g>');
  return { markup: out, bottom: gridBottom + 5 + depth + 12 };
}

function legendMarks(range: number): [number, string][] {
  return [
    [0, `${signed(range, 3)} B higher`],
    [0.5, '0'],
    [1, `${signed(-range, 3)} A higher`],
  ];
}

function heatLegend(range: number, left: number, headingY: number, top: number, height: number): string[] {
  const out: string[] = ['<g class="difference-legend">'];
  out.push(svgText(left, headingY, '\u0394 anisotropy', { size: HEAD, weight: 'bold', fill: '#222222' }));
  // Plain rects rather than a gradient: no ids, so panels can share a document freely.
  for (let i = 0; i < LEGEND_STEPS; i++) {
    const value = range === 0 ? 0 : range * (1 - (2 * (i + 0.5)) / LEGEND_STEPS);
    const y = top + (i / LEGEND_STEPS) * height;
    out.push(`<rect class="legend-swatch" x="${svgNumber(left)}" y="${svgNumber(y)}" width="${LEGEND_RAMP}" height="${svgNumber(height / LEGEND_STEPS + 0.3)}" fill="${differenceColour(value, range)}"/>`);
  }
  out.push(`<rect x="${svgNumber(left)}" y="${svgNumber(top)}" width="${LEGEND_RAMP}" height="${svgNumber(height)}" fill="none" stroke="#666666" stroke-width="0.5"/>`);
  for (const [fraction, label] of legendMarks(range)) {
    const y = top + fraction * height;
    out.push(`<line x1="${svgNumber(left + LEGEND_RAMP)}" y1="${svgNumber(y)}" x2="${svgNumber(left + LEGEND_RAMP + 4)}" y2="${svgNumber(y)}" stroke="#666666" stroke-width="0.8"/>`);
    out.push(svgText(left + LEGEND_RAMP + 7, y, label, { size: FONT, baseline: 'middle', fill: '#222222', className: 'legend-label' }));
  }
  out.push('</g>');
  return out;
}

/** Greedy word wrap by the approximate text width; a single over-long word gets its own line. */
function wrapText(text: string, maxWidth: number, fontSize: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (line !== '' && approxTextWidth(candidate, fontSize) > maxWidth) {
      lines.push(line);
      line = word;
    } else line = candidate;
  }
  if (line !== '') lines.push(line);
  return lines;
}
