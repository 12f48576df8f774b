import type { DtiFields } from '../math/dtiTypes.ts';
import { checkFlowShape, flowCell, maxFiniteLambda1, type FlowCell } from './flowCells.ts';
import { flowColour } from './flowColour.ts';
import {
  ellipseRotationDegrees,
  ellipseScale,
  flowLayout,
  gridBottom,
  showsRowLabel,
  showsTokenLabel,
  tileCentre,
  tileOrigin,
  type FlowLayout,
} from './flowLayout.ts';
import { FLOW_LEGEND_HEIGHT, FLOW_LEGEND_WIDTH, renderFlowLegend } from './flowLegend.ts';
import { renderUtilisationBars } from './flowUtilisationBars.ts';
import { approxTextWidth, escapeXml, headerLines, svgDocument, svgNumber, svgText, truncateLabel } from './svgMarkup.ts';

export interface FlowPictureOptions {
  /** One per token, left to right; token positions (0, 1, ...) when absent. */
  readonly tokenLabels?: readonly string[];
  /** Layer number of matrix row 0 (1 normally, 0 when the embedding output is kept). */
  readonly firstLayer: number;
  readonly title?: string;
  /** A line under the title, e.g. that the model has random weights. */
  readonly note?: string;
  /** Each layer's utilisation U_l as a bar beside its grid row (default true). */
  readonly showUtilisation?: boolean;
}

const MAX_LABEL_CHARS = 18;
/** Rough advance of one character of the bold 16 px title and the 12 px note (DejaVu Sans is wide). */
const TITLE_CHAR_WIDTH = approxTextWidth('x', 16) * 1.12;
const NOTE_CHAR_WIDTH = approxTextWidth('x', 12) * 1.05;
/** A short grid may widen up to this so its title fits; a longer title is cut (full text in <title>). */
const MAX_WIDTH_FOR_HEADER = 1100;

function pictureWidth(gridWidth: number, title: string | undefined, note: string | undefined): number {
  const needed = 24 + Math.max([...(title ?? '')].length * TITLE_CHAR_WIDTH, [...(note ?? '')].length * NOTE_CHAR_WIDTH);
  return Math.max(gridWidth, Math.min(Math.ceil(needed), MAX_WIDTH_FOR_HEADER));
}

/** A header line cut to the picture's width, so a long sentence in the title cannot run off the edge. */
function fitText(text: string | undefined, width: number, charWidth: number): string | undefined {
  return text === undefined ? undefined : truncateLabel(text, Math.max(8, Math.floor((width - 24) / charWidth)));
}

/** The DTI flow picture of SPEC §7 / paper §2.4 as SVG text. */
export function renderFlowPicture(fields: DtiFields, opts: FlowPictureOptions): string {
  const { layers, tokens } = checkFlowShape(fields);
  if (!Number.isInteger(opts.firstLayer)) throw new RangeError(`flow picture: firstLayer must be an integer, got ${opts.firstLayer}`);
  const fullLabels = tokenLabelsFor(tokens, opts.tokenLabels);
  const shownLabels = fullLabels.map((label) => truncateLabel(label, MAX_LABEL_CHARS));
  const layerLabels = Array.from({ length: layers }, (_, row) => String(opts.firstLayer + row));
  const showUtilisation = opts.showUtilisation ?? true;
  if (showUtilisation && fields.utilisation.length !== layers) {
    throw new RangeError(`flow picture: ${fields.utilisation.length} utilisation values for ${layers} layers`);
  }
  const headerHeight = headerLines(opts.title, opts.note, 12, 8).height;
  const layout = flowLayout({
    layers,
    tokens,
    tokenLabels: shownLabels,
    layerLabels,
    headerHeight,
    legendWidth: FLOW_LEGEND_WIDTH,
    legendHeight: FLOW_LEGEND_HEIGHT,
    utilisation: showUtilisation,
  });
  const scale = ellipseScale(maxFiniteLambda1(fields), layout.tile);
  const cells: string[] = ['<g class="cells">'];
  for (let row = 0; row < layers; row++) {
    for (let col = 0; col < tokens; col++) {
      const tooltip = `layer ${layerLabels[row]}, token ${col} "${fullLabels[col]}"`;
      cells.push(renderCell(layout, row, col, flowCell(fields, row, col), scale, tooltip));
    }
  }
  cells.push('</g>');
  const width = pictureWidth(layout.width, opts.title, opts.note);
  const header = headerLines(fitText(opts.title, width, TITLE_CHAR_WIDTH), fitText(opts.note, width, NOTE_CHAR_WIDTH), 12, 8);
  return svgDocument(width, layout.height, [
    ...(opts.title ? [`<title>${escapeXml(opts.title)}</title>`] : []),
    ...header.markup,
    ...cells,
    `<rect x="${svgNumber(layout.gridLeft)}" y="${svgNumber(layout.gridTop)}" width="${svgNumber(tokens * layout.tile)}" height="${svgNumber(layers * layout.tile)}" fill="none" stroke="#888888" stroke-width="0.6"/>`,
    ...renderLayerAxis(layout, layerLabels),
    ...renderTokenAxis(layout, shownLabels),
    ...(layout.utilisation === undefined ? [] : renderUtilisationBars(layout, layout.utilisation, fields.utilisation, layerLabels)),
    ...renderFlowLegend(layout.legendLeft, layout.gridTop),
  ]);
}

function tokenLabelsFor(tokens: number, labels: readonly string[] | undefined): readonly string[] {
  if (labels === undefined) return Array.from({ length: tokens }, (_, t) => String(t));
  if (labels.length !== tokens) throw new RangeError(`flow picture: ${labels.length} token labels for ${tokens} tokens`);
  return labels;
}

function renderCell(layout: FlowLayout, row: number, col: number, cell: FlowCell, scale: number, tooltip: string): string {
  const origin = tileOrigin(layout, row, col);
  const centre = tileCentre(layout, row, col);
  const cx = svgNumber(centre.x);
  const cy = svgNumber(centre.y);
  const degrees = (Math.abs(cell.theta) * 180) / Math.PI;
  const title = `${tooltip}: |\u03b8| ${degrees.toFixed(1)}\u00b0, A ${cell.anisotropy.toFixed(3)}, \u03bb1 ${cell.lambda1.toPrecision(3)}, \u03bb2 ${cell.lambda2.toPrecision(3)}`;
  // A tile overlaps its neighbours by a hair so anti-aliasing leaves no white seams.
  const tile = svgNumber(layout.tile + 0.25);
  return [
    '<g>',
    `<title>${escapeXml(title)}</title>`,
    `<rect class="tile" x="${svgNumber(origin.x)}" y="${svgNumber(origin.y)}" width="${tile}" height="${tile}" fill="${flowColour(cell.theta)}" fill-opacity="${svgNumber(cell.anisotropy)}"/>`,
    `<ellipse class="flow-ellipse" cx="${cx}" cy="${cy}" rx="${svgNumber(scale * cell.lambda1)}" ry="${svgNumber(scale * cell.lambda2)}" transform="rotate(${svgNumber(ellipseRotationDegrees(cell.theta))} ${cx} ${cy})" fill="#ffffff" fill-opacity="0.45" stroke="#1a1a1a" stroke-width="${svgNumber(Math.max(0.3, layout.tile / 40))}"/>`,
    '</g>',
  ].join('');
}

function renderLayerAxis(layout: FlowLayout, layerLabels: readonly string[]): string[] {
  const out: string[] = [];
  layerLabels.forEach((label, row) => {
    if (!showsRowLabel(layout, row)) return;
    out.push(svgText(layout.gridLeft - 5, tileCentre(layout, row, 0).y, label, { size: layout.rowFont, anchor: 'end', baseline: 'middle', fill: '#222222', className: 'layer-label' }));
  });
  const middle = layout.gridTop + (layout.layers * layout.tile) / 2;
  out.push(svgText(20, middle, 'layer', { size: 12, anchor: 'middle', rotate: -90, fill: '#222222' }));
  return out;
}

function renderTokenAxis(layout: FlowLayout, labels: readonly string[]): string[] {
  const top = gridBottom(layout) + 5;
  const font = layout.labelFont;
  const out: string[] = [];
  labels.forEach((label, col) => {
    if (!showsTokenLabel(layout, col)) return;
    const centre = tileCentre(layout, 0, col).x;
    // Glyphs sit above their baseline, so a label turned upright hangs left of its anchor: shift it
    // right by about half a glyph height to centre it under its column.
    const [x, y] = layout.tokenLabelTilt === 90 ? [centre + font * 0.35, top] : [centre, top + font * 0.7];
    out.push(svgText(x, y, label, { size: font, anchor: 'end', rotate: -layout.tokenLabelTilt, fill: '#222222', className: 'token-label' }));
  });
  const step = layout.tokenLabelStep;
  const title = step === 1 ? 'token' : `token (one label per ${step} tokens)`;
  out.push(svgText(layout.gridLeft + (layout.tokens * layout.tile) / 2, layout.tokenTitleY, title, { size: 12, anchor: 'middle', fill: '#222222' }));
  return out;
}
