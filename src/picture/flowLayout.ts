import { approxTextWidth } from './svgMarkup.ts';

/** Geometry of the flow picture: where the grid, its labels and the legend go. Pure arithmetic. */
export interface FlowLayout {
  readonly tile: number;
  readonly layers: number;
  readonly tokens: number;
  readonly gridLeft: number;
  readonly gridTop: number;
  readonly labelFont: number;
  readonly legendLeft: number;
  /** Baseline of the "token" axis title, below the tilted labels. */
  readonly tokenTitleY: number;
  readonly width: number;
  readonly height: number;
}

/** Degrees the token labels are turned (counter-clockwise on screen) so long tokens do not collide. */
export const TOKEN_LABEL_TILT = 45;

const PAD = 12;
const LABEL_GAP = 5;

/** Square tiles sized so a typical sentence fits ~1000 x 760 px, never too small to read. */
export function tileSizeFor(layers: number, tokens: number): number {
  return Math.max(12, Math.min(44, Math.floor(Math.min(1000 / tokens, 760 / layers))));
}

export function labelFontFor(tile: number): number {
  return Math.min(11, Math.max(8, Math.round(tile * 0.7)));
}

export interface FlowLayoutInput {
  readonly layers: number;
  readonly tokens: number;
  readonly tokenLabels: readonly string[];
  readonly layerLabels: readonly string[];
  readonly headerHeight: number;
  readonly legendWidth: number;
  readonly legendHeight: number;
}

export function flowLayout(input: FlowLayoutInput): FlowLayout {
  const tile = tileSizeFor(input.layers, input.tokens);
  const labelFont = labelFontFor(tile);
  const cos = Math.cos((TOKEN_LABEL_TILT * Math.PI) / 180);
  const sin = Math.sin((TOKEN_LABEL_TILT * Math.PI) / 180);
  const tokenLabelWidths = input.tokenLabels.map((label) => approxTextWidth(label, labelFont));
  const layerLabelWidth = Math.max(...input.layerLabels.map((label) => approxTextWidth(label, labelFont)));
  // Room for the "layer" axis title, then the layer numbers beside the grid.
  const yAxisNeeds = PAD + 14 + layerLabelWidth + LABEL_GAP;
  // A tilted label under an early token reaches left past the grid's edge.
  const tiltOverhang = Math.max(...tokenLabelWidths.map((w, t) => w * cos - (t + 0.5) * tile + PAD));
  const gridLeft = Math.max(yAxisNeeds, tiltOverhang);
  const gridTop = PAD + input.headerHeight + (input.headerHeight > 0 ? 10 : 0);
  const gridBottom = gridTop + input.layers * tile;
  const tokenLabelDepth = Math.max(0, ...tokenLabelWidths) * sin + labelFont;
  const xAxisTitleDepth = 18;
  const legendLeft = gridLeft + input.tokens * tile + 24;
  return {
    tile,
    layers: input.layers,
    tokens: input.tokens,
    gridLeft,
    gridTop,
    labelFont,
    legendLeft,
    tokenTitleY: gridBottom + LABEL_GAP + tokenLabelDepth + 12,
    width: legendLeft + input.legendWidth + PAD,
    height: Math.max(gridBottom + LABEL_GAP + tokenLabelDepth + xAxisTitleDepth, gridTop + input.legendHeight) + PAD,
  };
}

/** Top-left corner of the tile of matrix row `row` (row 0 = first layer, drawn at the bottom). */
export function tileOrigin(layout: FlowLayout, row: number, col: number): { x: number; y: number } {
  return { x: layout.gridLeft + col * layout.tile, y: layout.gridTop + (layout.layers - 1 - row) * layout.tile };
}

export function tileCentre(layout: FlowLayout, row: number, col: number): { x: number; y: number } {
  const origin = tileOrigin(layout, row, col);
  return { x: origin.x + layout.tile / 2, y: origin.y + layout.tile / 2 };
}

export function gridBottom(layout: FlowLayout): number {
  return layout.gridTop + layout.layers * layout.tile;
}

/**
 * One scale for every ellipse (paper §2.4): the longest semi-axis is 0.45 tile, so even turned it
 * stays inside its tile. A field with no positive lambda1 draws nothing rather than dividing by 0.
 */
export function ellipseScale(maxLambda1: number, tile: number): number {
  return Number.isFinite(maxLambda1) && maxLambda1 > 0 ? (0.45 * tile) / maxLambda1 : 0;
}

/**
 * SVG rotate() angle for a flow direction theta given in (token, layer) coordinates. Higher layers
 * are drawn higher up but SVG's y axis points down, so +theta is a counter-clockwise, negative turn.
 */
export function ellipseRotationDegrees(theta: number): number {
  const degrees = (-theta * 180) / Math.PI;
  return Object.is(degrees, -0) ? 0 : degrees;
}
