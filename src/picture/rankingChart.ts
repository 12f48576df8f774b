import { ceilToStep, linearScale, percent } from './chartScale.ts';
import { approxTextWidth, headerLines, svgDocument, svgNumber, svgText, escapeXml } from './svgMarkup.ts';

export interface RankingChartLayer {
  readonly layer: number;
  /** Fraction in [0, 1]. */
  readonly utilisationMean: number;
  /** DUCK rank: 1 = least utilised = best pruning candidate. */
  readonly rank: number;
}

export interface RankingChartDomain {
  readonly domain: string;
  readonly layers: readonly RankingChartLayer[];
}

export interface RankingChartOptions {
  readonly title: string;
  readonly note?: string;
  /** How many of each domain's least utilised layers to highlight; default a quarter of its layers (at least 1). */
  readonly highlightCount?: number;
}

const PANEL_WIDTH = 250;
const PANEL_GAP = 28;
const PANELS_PER_ROW = 3;
const LABEL_WIDTH = 36;
const VALUE_WIDTH = 44;
const CANDIDATE_COLOUR = '#d55e00';
const OTHER_COLOUR = '#a9b4c0';

/** DUCK ranking per domain: bars from least (top) to most utilised layer, pruning candidates highlighted. */
export function renderRankingChart(domains: readonly RankingChartDomain[], opts: RankingChartOptions): string {
  const header = headerLines(opts.title, opts.note, 12, 8);
  const keyY = 8 + header.height + 20;
  const panelsTop = keyY + 18;
  const rowHeight = rowHeightFor(Math.max(1, ...domains.map((d) => d.layers.length)));
  const panelHeight = 22 + Math.max(1, ...domains.map((d) => d.layers.length)) * rowHeight;
  const allMeans = domains.flatMap((d) => d.layers.map((l) => l.utilisationMean)).filter(Number.isFinite);
  // One scale for every panel so bar lengths compare across domains; rounded up to a 10% step.
  const axisMax = Math.min(1, ceilToStep(Math.max(0, ...allMeans), 0.1));
  const columns = Math.max(1, Math.min(PANELS_PER_ROW, domains.length));
  const panelRows = Math.max(1, Math.ceil(domains.length / PANELS_PER_ROW));
  const width = Math.max(12 + columns * PANEL_WIDTH + (columns - 1) * PANEL_GAP + 12, 12 + approxTextWidth(opts.title, 16) + 12);
  const height = panelsTop + panelRows * (panelHeight + PANEL_GAP) + 12;

  const body: string[] = [...header.markup, ...renderKey(12, keyY)];
  if (domains.length === 0) body.push(svgText(12, panelsTop + 20, 'no data', { size: 14, fill: '#888888' }));
  domains.forEach((d, i) => {
    const left = 12 + (i % PANELS_PER_ROW) * (PANEL_WIDTH + PANEL_GAP);
    const top = panelsTop + Math.floor(i / PANELS_PER_ROW) * (panelHeight + PANEL_GAP);
    body.push(...renderPanel(d, left, top, rowHeight, axisMax, highlightCountFor(d.layers.length, opts.highlightCount)));
  });
  return svgDocument(width, height, body);
}

function rowHeightFor(layers: number): number {
  return layers <= 32 ? 15 : 10;
}

export function highlightCountFor(layers: number, requested: number | undefined): number {
  if (requested !== undefined) return Math.max(0, Math.min(layers, Math.floor(requested)));
  return Math.min(layers, Math.max(1, Math.floor(layers / 4)));
}

/** Layers in DUCK order: by rank, ties by layer number (the order duckRanking itself uses). */
export function duckOrder(layers: readonly RankingChartLayer[]): RankingChartLayer[] {
  return [...layers].sort((a, b) => a.rank - b.rank || a.layer - b.layer);
}

function renderKey(left: number, y: number): string[] {
  const first = 'pruning candidate (least utilised)';
  const secondLeft = left + 17 + approxTextWidth(first, 11) + 16;
  return [
    `<rect x="${left}" y="${svgNumber(y - 9)}" width="12" height="10" fill="${CANDIDATE_COLOUR}"/>`,
    svgText(left + 17, y, first, { size: 11, fill: '#222222' }),
    `<rect x="${svgNumber(secondLeft)}" y="${svgNumber(y - 9)}" width="12" height="10" fill="${OTHER_COLOUR}"/>`,
    svgText(secondLeft + 17, y, 'other layers; top = least utilised', { size: 11, fill: '#222222' }),
  ];
}

function renderPanel(d: RankingChartDomain, left: number, top: number, rowHeight: number, axisMax: number, highlight: number): string[] {
  const barLeft = left + LABEL_WIDTH;
  const barRight = left + PANEL_WIDTH - VALUE_WIDTH;
  const x = linearScale(0, axisMax, barLeft, barRight);
  const font = rowHeight >= 15 ? 10 : 8;
  const out: string[] = ['<g class="ranking-panel">', svgText(left, top + 12, d.domain, { size: 12, weight: 'bold', fill: '#222222', className: 'panel-title' })];
  duckOrder(d.layers).forEach((l, position) => {
    const rowTop = top + 22 + position * rowHeight;
    const mid = rowTop + rowHeight / 2;
    const candidate = position < highlight;
    const mean = Number.isFinite(l.utilisationMean) ? Math.min(axisMax, Math.max(0, l.utilisationMean)) : 0;
    const barWidth = Math.max(0.5, x(mean) - barLeft);
    const valueText = Number.isFinite(l.utilisationMean) ? percent(l.utilisationMean, 1) : 'n/a';
    // A tinted row marks a candidate even when its bar is too short to see.
    if (candidate) out.push(`<rect x="${svgNumber(left)}" y="${svgNumber(rowTop)}" width="${PANEL_WIDTH}" height="${rowHeight}" fill="${CANDIDATE_COLOUR}" fill-opacity="0.12"/>`);
    out.push(svgText(barLeft - 5, mid, `L${l.layer}`, { size: font, anchor: 'end', baseline: 'middle', weight: candidate ? 'bold' : 'normal', fill: '#222222' }));
    out.push(
      `<rect class="${candidate ? 'bar candidate' : 'bar'}" x="${svgNumber(barLeft)}" y="${svgNumber(rowTop + 1.5)}" width="${svgNumber(barWidth)}" height="${svgNumber(rowHeight - 3)}" fill="${candidate ? CANDIDATE_COLOUR : OTHER_COLOUR}"><title>${escapeXml(`${d.domain}, layer ${l.layer}: rank ${l.rank}, ${valueText}`)}</title></rect>`,
    );
    out.push(svgText(barLeft + barWidth + 4, mid, valueText, { size: font, baseline: 'middle', fill: '#444444' }));
  });
  const axisY = top + 22 + d.layers.length * rowHeight;
  out.push(`<line x1="${svgNumber(barLeft)}" y1="${svgNumber(top + 20)}" x2="${svgNumber(barLeft)}" y2="${svgNumber(axisY)}" stroke="#777777" stroke-width="0.8"/>`);
  out.push('</g>');
  return out;
}
