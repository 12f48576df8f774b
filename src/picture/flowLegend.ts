import { FLOW_COLOUR_ANCHORS, flowColour } from './flowColour.ts';
import { svgNumber, svgText } from './svgMarkup.ts';

/**
 * Legend of the flow picture: what colour, opacity and ellipse mean. Ramps are plain rects, not
 * gradients, so no element ids can clash when several pictures share one HTML page.
 */
export const FLOW_LEGEND_WIDTH = 170;
export const FLOW_LEGEND_HEIGHT = 242;

const STEPS = 32;
const BAR = 16;
const RAMP = 120;
const FONT = 10;
const HEAD = 11;

export function renderFlowLegend(left: number, top: number): string[] {
  const out: string[] = ['<g class="legend">'];
  out.push(svgText(left, top + 10, 'flow direction |\u03b8|', { size: HEAD, weight: 'bold', fill: '#222222' }));
  const barTop = top + 20;
  // Vertical bar, |theta| rising upwards like flow that turns from along tokens to across layers.
  for (let i = 0; i < STEPS; i++) {
    const absTheta = ((i + 0.5) / STEPS) * (Math.PI / 2);
    const y = barTop + RAMP - ((i + 1) / STEPS) * RAMP;
    out.push(`<rect class="legend-swatch" x="${svgNumber(left)}" y="${svgNumber(y)}" width="${BAR}" height="${svgNumber(RAMP / STEPS + 0.3)}" fill="${flowColour(absTheta)}"/>`);
  }
  out.push(`<rect x="${svgNumber(left)}" y="${svgNumber(barTop)}" width="${BAR}" height="${RAMP}" fill="none" stroke="#666666" stroke-width="0.5"/>`);
  const marks: [number, string][] = [
    [0, 'along tokens (0\u00b0)'],
    [0.5, 'diagonal (\u00b145\u00b0)'],
    [1, 'across layers (90\u00b0)'],
  ];
  for (const [fraction, label] of marks) {
    const y = barTop + RAMP - fraction * RAMP;
    out.push(`<line x1="${svgNumber(left + BAR)}" y1="${svgNumber(y)}" x2="${svgNumber(left + BAR + 4)}" y2="${svgNumber(y)}" stroke="#666666" stroke-width="0.8"/>`);
    out.push(svgText(left + BAR + 7, y, label, { size: FONT, baseline: 'middle', fill: '#222222' }));
  }

  const opacityTop = barTop + RAMP + 26;
  out.push(svgText(left, opacityTop, 'anisotropy A = opacity', { size: HEAD, weight: 'bold', fill: '#222222' }));
  const rampTop = opacityTop + 8;
  for (let i = 0; i < STEPS; i++) {
    const x = left + (i / STEPS) * RAMP;
    out.push(`<rect class="legend-swatch" x="${svgNumber(x)}" y="${svgNumber(rampTop)}" width="${svgNumber(RAMP / STEPS + 0.3)}" height="${BAR}" fill="${FLOW_COLOUR_ANCHORS.alongTokens}" fill-opacity="${svgNumber((i + 0.5) / STEPS)}"/>`);
  }
  out.push(`<rect x="${svgNumber(left)}" y="${svgNumber(rampTop)}" width="${RAMP}" height="${BAR}" fill="none" stroke="#666666" stroke-width="0.5"/>`);
  out.push(svgText(left, rampTop + BAR + 12, '0 isotropic', { size: FONT, fill: '#222222' }));
  out.push(svgText(left + RAMP, rampTop + BAR + 12, '1', { size: FONT, anchor: 'end', fill: '#222222' }));

  const ellipseTop = rampTop + BAR + 34;
  const cx = left + 14;
  out.push(`<ellipse cx="${svgNumber(cx)}" cy="${svgNumber(ellipseTop)}" rx="12" ry="5" transform="rotate(-30 ${svgNumber(cx)} ${svgNumber(ellipseTop)})" fill="#ffffff" fill-opacity="0.55" stroke="#1a1a1a" stroke-width="0.9"/>`);
  out.push(svgText(left + 32, ellipseTop - 5, 'ellipse = local tensor,', { size: FONT, fill: '#222222' }));
  out.push(svgText(left + 32, ellipseTop + 8, 'semi-axes \u221d \u03bb1, \u03bb2', { size: FONT, fill: '#222222' }));
  out.push('</g>');
  return out;
}
