import { svgNumber } from './svgMarkup.ts';

/**
 * One finished picture (a complete <svg> document) made fit to sit inside another: prolog gone,
 * placed at x/y, its ids made unique so several panels can share one document.
 */

export interface PanelSize {
  readonly width: number;
  readonly height: number;
}

const PROLOG = /^\s*(<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*|<!--[\s\S]*?-->\s*)*/;
const ROOT_TAG = /^<svg\b[^>]*>/;

/** The picture with whatever precedes its root <svg> element removed. */
export function withoutProlog(svg: string): string {
  const body = svg.replace(PROLOG, '');
  if (!ROOT_TAG.test(body)) throw new RangeError(`panel picture does not start with an <svg> element: ${JSON.stringify(body.slice(0, 40))}`);
  return body;
}

/** width/height of the root element, in user units (the pictures here never use other units). */
export function panelSize(svg: string): PanelSize {
  const root = ROOT_TAG.exec(withoutProlog(svg))?.[0] ?? '';
  const read = (name: string): number => {
    const value = new RegExp(`\\s${name}="([^"]*)"`).exec(root)?.[1];
    const n = value === undefined ? NaN : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new RangeError(`panel picture has no usable ${name} attribute (${value ?? 'missing'})`);
    return n;
  };
  return { width: read('width'), height: read('height') };
}

/**
 * The panel as a nested <svg> at (x, y). Ids get `idPrefix` (and so do the url(#...) and
 * href="#..." references to them), since two copies of one picture would otherwise clash.
 */
export function nestedPanel(svg: string, x: number, y: number, idPrefix: string): string {
  const body = prefixIds(withoutProlog(svg).trimEnd(), idPrefix);
  return body.replace(ROOT_TAG, (tag) => {
    const placed = tag.replace(/\s(x|y)="[^"]*"/g, '');
    return `<svg x="${svgNumber(x)}" y="${svgNumber(y)}"${placed.slice('<svg'.length)}`;
  });
}

function prefixIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  if (ids.size === 0) return svg;
  const rename = (id: string): string => (ids.has(id) ? `${prefix}${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (_, open: string, id: string, close: string) => `${open}${rename(id)}${close}`)
    .replace(/(url\(#)([^)]+)(\))/g, (_, open: string, id: string, close: string) => `${open}${rename(id)}${close}`)
    .replace(/(href="#)([^"]+)(")/g, (_, open: string, id: string, close: string) => `${open}${rename(id)}${close}`);
}
