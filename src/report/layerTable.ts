import type { Matrix } from '../math/matrix.ts';
import { mean, populationSd } from '../math/populationMoments.ts';

const BAR_WIDTH = 20;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * A per-layer table as in the paper's appendix: top layer first, utilisation as a percentage,
 * mean anisotropy over the layer's tokens, a bar of the utilisation, then mean and SD across
 * layers. SD is the population SD (ddof 0), which is what reproduces the appendix's SD row.
 */
export function formatLayerTable(
  fields: { utilisation: Float64Array; anisotropy: Matrix },
  opts: { firstLayer: number; title?: string; note?: string },
): string {
  const layers = fields.utilisation.length;
  const anisotropy = layerMeans(fields.anisotropy);
  const lastLayer = opts.firstLayer + layers - 1;
  const labelWidth = Math.max('Layer'.length, String(lastLayer).length, 'Mean'.length);
  const header = `${'Layer'.padStart(labelWidth)}  Utilisation  Anisotropy`;
  const row = (label: string, u: number, a: number, bar: string): string =>
    `${label.padStart(labelWidth)}  ${`${(u * 100).toFixed(2)} %`.padStart(11)}  ${a.toFixed(4).padStart(10)}${bar ? `  ${bar}` : ''}`;

  const lines: string[] = [];
  if (opts.title) lines.push(opts.title, '');
  lines.push(header, '-'.repeat(header.length + 2 + BAR_WIDTH));
  for (let i = layers - 1; i >= 0; i--) {
    lines.push(row(String(opts.firstLayer + i), fields.utilisation[i], anisotropy[i], bar(fields.utilisation[i])).trimEnd());
  }
  lines.push('-'.repeat(header.length + 2 + BAR_WIDTH));
  const u = Array.from(fields.utilisation);
  lines.push(row('Mean', mean(u), mean(anisotropy), ''), row('SD', populationSd(u), populationSd(anisotropy), ''));
  if (opts.note) lines.push('', opts.note);
  return lines.join('\n') + '\n';
}

function layerMeans(m: Matrix): number[] {
  const out: number[] = [];
  for (let r = 0; r < m.rows; r++) out.push(mean(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
  return out;
}

/** A bar of BAR_WIDTH cells for a fraction in [0, 1], in eighths of a cell. */
function bar(fraction: number): string {
  const eighths = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}
