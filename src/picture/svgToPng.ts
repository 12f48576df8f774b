import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

const require = createRequire(import.meta.url);

/**
 * The DejaVu fonts ship inside an npm package, so labels render the same on a bare machine or CI
 * runner with no system fonts; system fonts are never loaded, so the PNG does not depend on the host.
 */
const fontDirectory = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((name) => join(fontDirectory, name));

/** Renders an SVG document to PNG bytes; `scale` multiplies the SVG's own pixel size (default 1). */
export function svgToPng(svg: string, opts?: { scale?: number }): Uint8Array {
  const scale = opts?.scale ?? 1;
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw new RangeError(`svgToPng: scale must be a positive number, got ${scale}`);
  }
  const renderer = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    background: 'white',
  });
  return new Uint8Array(renderer.render().asPng());
}
