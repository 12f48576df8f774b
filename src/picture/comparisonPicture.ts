import { nestedPanel, panelSize } from './comparisonPanel.ts';
import { approxTextWidth, svgDocument, svgText } from './svgMarkup.ts';

/**
 * Several finished pictures side by side in one SVG under a shared title (paper Figures 2-4):
 * a row, wrapping to a grid beyond `columns` panels. Each panel keeps its own size; a grid
 * column is as wide as its widest panel and a grid row as tall as its tallest.
 */
export interface ComparisonPictureOptions {
  readonly title: string;
  /** Lines under the title, e.g. that token counts differ or weights are random. */
  readonly notes?: readonly string[];
  /** Panels per row; 3 by default. */
  readonly columns?: number;
}

const PAD = 12;
const GAP = 16;
const TITLE_FONT = 18;
const NOTE_FONT = 12;

export function renderComparisonPicture(panels: readonly string[], opts: ComparisonPictureOptions): string {
  if (panels.length === 0) throw new RangeError('comparison picture: no panels');
  const columns = Math.max(1, Math.min(panels.length, opts.columns ?? 3));
  if (!Number.isInteger(columns)) throw new RangeError(`comparison picture: columns must be a whole number, got ${opts.columns}`);
  const sizes = panels.map(panelSize);
  const rows = Math.ceil(panels.length / columns);
  const columnWidths = Array.from({ length: columns }, (_, c) => Math.max(...sizes.filter((_, i) => i % columns === c).map((s) => s.width)));
  const rowHeights = Array.from({ length: rows }, (_, r) => Math.max(...sizes.slice(r * columns, (r + 1) * columns).map((s) => s.height)));

  const header: string[] = [svgText(PAD, PAD + TITLE_FONT, opts.title, { size: TITLE_FONT, weight: 'bold', fill: '#111111', className: 'title' })];
  let y = PAD + TITLE_FONT;
  for (const note of opts.notes ?? []) {
    y += NOTE_FONT + 5;
    header.push(svgText(PAD, y, note, { size: NOTE_FONT, italic: true, fill: '#555555', className: 'note' }));
  }
  const panelsTop = y + GAP;

  const body: string[] = [...header];
  panels.forEach((svg, i) => {
    const row = Math.floor(i / columns);
    const col = i % columns;
    const x = PAD + columnWidths.slice(0, col).reduce((s, w) => s + w + GAP, 0);
    const top = panelsTop + rowHeights.slice(0, row).reduce((s, h) => s + h + GAP, 0);
    body.push(`<g class="panel">`, nestedPanel(svg, x, top, `panel${i}-`), '</g>');
  });

  const gridWidth = columnWidths.reduce((s, w) => s + w, 0) + GAP * (columns - 1);
  const gridHeight = rowHeights.reduce((s, h) => s + h, 0) + GAP * (rows - 1);
  // DejaVu (the PNG font) runs wider than the 0.6 em estimate, hence the slack.
  const textWidth = 1.15 * Math.max(approxTextWidth(opts.title, TITLE_FONT), ...(opts.notes ?? []).map((n) => approxTextWidth(n, NOTE_FONT)));
  // Whole pixels, so a PNG of the figure has exactly its width x height (times the scale).
  return svgDocument(Math.ceil(PAD + Math.max(gridWidth, textWidth) + PAD), Math.ceil(panelsTop + gridHeight + PAD), body);
}
