import { gridBottom, showsRowLabel, tileOrigin, type FlowLayout, type UtilisationPanel } from './flowLayout.ts';
import { escapeXml, svgNumber, svgText } from './svgMarkup.ts';

const TRACK = '#eeeeee';
// Neutral slate, so the bars never read as a flow direction of the tile colour ramp.
const BAR = '#56606e';
const TEXT = '#222222';

/** U_l as printed: a percentage with two decimals, as in the paper's appendix table. */
function utilisationLabel(u: number): string {
  return Number.isFinite(u) ? `${(u * 100).toFixed(2)} %` : 'n/a';
}

/**
 * Each layer's utilisation U_l as a horizontal bar beside its grid row (0..100 %), with the value
 * printed after it, like the paper's appendix table set next to the picture.
 */
export function renderUtilisationBars(layout: FlowLayout, panel: UtilisationPanel, utilisation: Float64Array, layerLabels: readonly string[]): string[] {
  const out: string[] = ['<g class="utilisation">'];
  const height = Math.max(1, Math.min(16, layout.tile * 0.6));
  for (let row = 0; row < layout.layers; row++) {
    const u = utilisation[row];
    const fraction = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0;
    const top = tileOrigin(layout, row, 0).y + (layout.tile - height) / 2;
    const y = svgNumber(top);
    const h = svgNumber(height);
    out.push(
      [
        '<g>',
        `<title>${escapeXml(`layer ${layerLabels[row]}: utilisation ${utilisationLabel(u)}`)}</title>`,
        `<rect x="${svgNumber(panel.left)}" y="${y}" width="${svgNumber(panel.barLength)}" height="${h}" fill="${TRACK}"/>`,
        `<rect class="utilisation-bar" x="${svgNumber(panel.left)}" y="${y}" width="${svgNumber(fraction * panel.barLength)}" height="${h}" fill="${BAR}"/>`,
        '</g>',
      ].join(''),
    );
    if (showsRowLabel(layout, row)) {
      out.push(svgText(panel.valueLeft, top + height / 2, utilisationLabel(u), { size: layout.rowFont, baseline: 'middle', fill: TEXT, className: 'utilisation-value' }));
    }
  }
  out.push(...renderFooter(layout, panel, utilisation));
  out.push('</g>');
  return out;
}

function renderFooter(layout: FlowLayout, panel: UtilisationPanel, utilisation: Float64Array): string[] {
  const top = gridBottom(layout) + 3;
  const right = panel.left + panel.barLength;
  const out: string[] = [];
  for (const x of [panel.left, right]) {
    out.push(`<line x1="${svgNumber(x)}" y1="${svgNumber(top)}" x2="${svgNumber(x)}" y2="${svgNumber(top + 4)}" stroke="#666666" stroke-width="0.8"/>`);
  }
  out.push(svgText(panel.left, top + 14, '0', { size: 9, anchor: 'middle', fill: TEXT }));
  out.push(svgText(right, top + 14, '100 %', { size: 9, anchor: 'middle', fill: TEXT }));
  const middle = panel.left + panel.barLength / 2;
  out.push(svgText(middle, top + 29, 'utilisation', { size: 11, anchor: 'middle', fill: TEXT }));
  const finite = Array.from(utilisation).filter(Number.isFinite);
  if (finite.length > 0) {
    const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
    out.push(svgText(middle, top + 43, `mean ${utilisationLabel(mean)}`, { size: 10, anchor: 'middle', fill: '#555555', className: 'utilisation-mean' }));
  }
  return out;
}
