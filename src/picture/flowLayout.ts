import { approxTextWidth } from './svgMarkup.ts';

/** Geometry of the flow picture: where the grid, its labels, the utilisation bars and the legend go. Pure arithmetic. */
export interface FlowLayout {
  readonly tile: number;
  readonly layers: number;
  readonly tokens: number;
  readonly gridLeft: number;
  readonly gridTop: number;
  /** Font size of the token labels. */
  readonly labelFont: number;
  /** Font size of the layer numbers and utilisation values (one per grid row). */
  readonly rowFont: number;
  /** Degrees the token labels are turned counter-clockwise: 45 while tiles are wide, 90 when narrow. */
  readonly tokenLabelTilt: number;
  /** Every k-th token gets a label (1 = all); tiles narrower than the smallest readable font share labels. */
  readonly tokenLabelStep: number;
  /** Every k-th layer gets its number and utilisation value printed (1 = all). */
  readonly layerLabelStep: number;
  /** The per-layer utilisation bars beside the grid, absent when the caller turned them off. */
  readonly utilisation?: UtilisationPanel;
  readonly legendLeft: number;
  /** Baseline of the "token" axis title, below the turned labels. */
  readonly tokenTitleY: number;
  readonly width: number;
  readonly height: number;
}

export interface UtilisationPanel {
  /** x of the bars' zero. */
  readonly left: number;
  /** Length of a 100 % bar. */
  readonly barLength: number;
  /** x where the printed values start. */
  readonly valueLeft: number;
}

const PAD = 12;
const LABEL_GAP = 5;
/** Below this a label stops being readable at 1x; tiles narrower than it share labels instead. */
export const MIN_LABEL_FONT = 8;
const MAX_LABEL_FONT = 11;
/** A typical sentence fills about this much; a long one shrinks tiles down to MIN_TILE first. */
const GRID_WIDTH_TARGET = 1600;
const GRID_HEIGHT_TARGET = 800;
const MIN_TILE = 5;
const MAX_TILE = 44;
/** Tiles at least this wide keep 45-degree token labels; narrower columns turn them upright. */
const TILT_45_MIN_TILE = 12;
const UTILISATION_GAP = 14;
const UTILISATION_BAR = 80;
/** Scale ticks, title and mean line under the utilisation bars. */
const UTILISATION_FOOTER_DEPTH = 48;
/** Widest printed value, "100.00 %". */
const UTILISATION_VALUE_SAMPLE = '100.00 %';

/**
 * Square tiles sized so the grid fits ~1600 x 800 px: 200 tokens still get 8 px tiles (every
 * label shown, upright) and 96 layers 8 px rows; only far longer inputs reach the 5 px floor.
 */
function tileSizeFor(layers: number, tokens: number): number {
  return Math.max(MIN_TILE, Math.min(MAX_TILE, Math.floor(Math.min(GRID_WIDTH_TARGET / tokens, GRID_HEIGHT_TARGET / layers))));
}

/**
 * Token label tilt and font for a tile width. At 45 degrees neighbouring labels sit tile*sin(45)
 * apart, so the font stays under 0.7 tile; upright labels sit a full tile apart.
 */
function tokenLabelStyle(tile: number): { tilt: number; font: number; step: number } {
  if (tile >= TILT_45_MIN_TILE) return { tilt: 45, font: clampFont(Math.floor(tile * 0.7)), step: 1 };
  return { tilt: 90, font: clampFont(Math.floor(tile * 0.9)), step: labelStep(tile) };
}

/** Font for text written once per grid row (layer numbers, utilisation values). */
function rowFontFor(tile: number): number {
  return clampFont(Math.floor(tile * 0.8));
}

/** Show every k-th label so labels never sit closer than the smallest readable font. */
function labelStep(spacing: number): number {
  return Math.max(1, Math.ceil(MIN_LABEL_FONT / spacing));
}

function clampFont(size: number): number {
  return Math.min(MAX_LABEL_FONT, Math.max(MIN_LABEL_FONT, size));
}

export interface FlowLayoutInput {
  readonly layers: number;
  readonly tokens: number;
  readonly tokenLabels: readonly string[];
  readonly layerLabels: readonly string[];
  readonly headerHeight: number;
  readonly legendWidth: number;
  readonly legendHeight: number;
  /** Reserve room for the per-layer utilisation bars beside the grid. */
  readonly utilisation: boolean;
}

export function flowLayout(input: FlowLayoutInput): FlowLayout {
  const tile = tileSizeFor(input.layers, input.tokens);
  const tokenStyle = tokenLabelStyle(tile);
  const labelFont = tokenStyle.font;
  const rowFont = rowFontFor(tile);
  const layerLabelStep = labelStep(tile);
  const radians = (tokenStyle.tilt * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const tokenLabelWidths = input.tokenLabels.map((label, t) => (t % tokenStyle.step === 0 ? approxTextWidth(label, labelFont) : 0));
  const layerLabelWidth = Math.max(...input.layerLabels.map((label) => approxTextWidth(label, rowFont)));
  // Room for the "layer" axis title, then the layer numbers beside the grid.
  const yAxisNeeds = PAD + 14 + layerLabelWidth + LABEL_GAP;
  // A tilted label under an early token reaches left past the grid's edge (upright ones do not).
  const tiltOverhang = Math.max(...tokenLabelWidths.map((w, t) => w * cos - (t + 0.5) * tile + PAD));
  const gridLeft = Math.ceil(Math.max(yAxisNeeds, tiltOverhang));
  const gridTop = Math.ceil(PAD + input.headerHeight + (input.headerHeight > 0 ? 10 : 0));
  const gridRight = gridLeft + input.tokens * tile;
  const gridBottom = gridTop + input.layers * tile;
  const tokenLabelDepth = Math.max(0, ...tokenLabelWidths) * sin + labelFont * cos;
  const xAxisTitleDepth = 18;

  let utilisation: UtilisationPanel | undefined;
  let legendLeft = gridRight + 24;
  let utilisationDepth = 0;
  if (input.utilisation) {
    const left = gridRight + UTILISATION_GAP;
    const valueLeft = left + UTILISATION_BAR + 4;
    utilisation = { left, barLength: UTILISATION_BAR, valueLeft };
    legendLeft = valueLeft + approxTextWidth(UTILISATION_VALUE_SAMPLE, rowFont) + 24;
    // Scale ticks, the panel's title and the mean under the bars (see flowUtilisationBars.ts).
    utilisationDepth = UTILISATION_FOOTER_DEPTH;
  }
  return {
    tile,
    layers: input.layers,
    tokens: input.tokens,
    gridLeft,
    gridTop,
    labelFont,
    rowFont,
    tokenLabelTilt: tokenStyle.tilt,
    tokenLabelStep: tokenStyle.step,
    layerLabelStep,
    utilisation,
    legendLeft,
    tokenTitleY: gridBottom + LABEL_GAP + tokenLabelDepth + 12,
    // Whole pixels, so a PNG rendered from the SVG has exactly width x height (times its scale).
    width: Math.ceil(legendLeft + input.legendWidth + PAD),
    height: Math.ceil(
      Math.max(gridBottom + LABEL_GAP + tokenLabelDepth + xAxisTitleDepth, gridBottom + utilisationDepth, gridTop + input.legendHeight) + PAD,
    ),
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

/** Whether row `row` (0 = first layer) prints its layer number and utilisation value. */
export function showsRowLabel(layout: FlowLayout, row: number): boolean {
  return row % layout.layerLabelStep === 0;
}

/** Whether column `col` carries its token label. */
export function showsTokenLabel(layout: FlowLayout, col: number): boolean {
  return col % layout.tokenLabelStep === 0;
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
