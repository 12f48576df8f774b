import type { DtiFields } from '../math/dtiTypes.ts';
import { checkFlowShape, flowCell, maxFiniteLambda1, type FlowCell } from './flowCells.ts';
import { flowColour } from './flowColour.ts';
import {
  ellipseRotationDegrees,
  ellipseScale,
  flowLayout,
  gridBottom,
  tileCentre,
  tileOrigin,
  TOKEN_LABEL_TILT,
  type FlowLayout,
} from './flowLayout.ts';
import { FLOW_LEGEND_HEIGHT, FLOW_LEGEND_WIDTH, renderFlowLegend } from './flowLegend.ts';
import { escapeXml, headerLines, svgDocument, svgNumber, svgText, truncateLabel } from './svgMarkup.ts';

export interface FlowPictureOptions {
  /** One per token, left to right; token positions (0, 1, ...) when absent. */
  readonly tokenLabels?: readonly string[];
  /** Layer number of matrix row 0 (1 normally, 0 when the embedding output is kept). */
  readonly firstLayer: number;
  readonly title?: string;
  /** A line under the title, e.g. that the model has random weights. */
  readonly note?: string;
}

const MAX_LABEL_CHARS = 18;

/** The DTI flow picture of SPEC §7 / paper §2.4 as SVG text. */
export function renderFlowPicture(fields: DtiFields, opts: FlowPictureOptions): string {
  const { layers, tokens } = checkFlowShape(fields);
  if (!Number.isInteger(opts.firstLayer)) throw new RangeError(`flow picture: firstLayer must be an integer, got ${opts.firstLayer}`);
  const fullLabels = tokenLabelsFor(tokens, opts.tokenLabels);
  const shownLabels = fullLabels.map((label) => truncateLabel(label, MAX_LABEL_CHARS));
  const layerLabels = Array.from({ length: layers }, (_, row) => String(opts.firstLayer + row));
  const header = headerLines(opts.title, opts.note, 12, 8);
  const layout = flowLayout({
    layers,
    tokens,
    tokenLabels: shownLabels,
    layerLabels,
    headerHeight: header.height,
    legendWidth: FLOW_LEGEND_WIDTH,
    legendHeight: FLOW_LEGEND_HEIGHT,
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
  return svgDocument(layout.width, layout.height, [
    ...header.markup,
    ...cells,
    `<rect x="${svgNumber(layout.gridLeft)}" y="${svgNumber(layout.gridTop)}" width="${svgNumber(tokens * layout.tile)}" height="${svgNumber(layers * layout.tile)}" fill="none" stroke="#888888" stroke-width="0.6"/>`,
    ...renderLayerAxis(layout, layerLabels),
    ...renderTokenAxis(layout, shownLabels),
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
    `<ellipse class="flow-ellipse" cx="${cx}" cy="${cy}" rx="${svgNumber(scale * cell.lambda1)}" ry="${svgNumber(scale * cell.lambda2)}" transform="rotate(${svgNumber(ellipseRotationDegrees(cell.theta))} ${cx} ${cy})" fill="#ffffff" fill-opacity="0.45" stroke="#1a1a1a" stroke-width="${svgNumber(Math.max(0.5, layout.tile / 40))}"/>`,
    '</g>',
  ].join('');
}

function renderLayerAxis(layout: FlowLayout, layerLabels: readonly string[]): string[] {
  const out = layerLabels.map((label, row) =>
    svgText(layout.gridLeft - 5, tileCentre(layout, row, 0).y, label, { size: layout.labelFont, anchor: 'end', baseline: 'middle', fill: '#222222', className: 'layer-label' }),
  );
  const middle = layout.gridTop + (layout.layers * layout.tile) / 2;
  out.push(svgText(20, middle, 'layer', { size: 12, anchor: 'middle', rotate: -90, fill: '#222222' }));
  return out;
}

function renderTokenAxis(layout: FlowLayout, labels: readonly string[]): string[] {
  const top = gridBottom(layout) + 5;
  const out = labels.map((label, col) =>
    svgText(tileCentre(layout, 0, col).x, top + layout.labelFont * 0.7, label, {
      size: layout.labelFont,
      anchor: 'end',
      rotate: -TOKEN_LABEL_TILT,
      fill: '#222222',
      className: 'token-label',
    }),
  );
  out.push(svgText(layout.gridLeft + (layout.tokens * layout.tile) / 2, layout.tokenTitleY, 'token', { size: 12, anchor: 'middle', fill: '#222222' }));
  return out;
}
