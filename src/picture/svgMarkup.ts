/** Small pieces of SVG text shared by every picture: escaping, numbers, the document shell. */

// Characters XML 1.0 forbids outright; a token string may still carry them (byte-level BPE, <0x00>).
const FORBIDDEN_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const VISIBLE_WHITESPACE: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text safe inside an element or a double- or single-quoted attribute. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\n\r\t]/g, (c) => VISIBLE_WHITESPACE[c])
    .replace(FORBIDDEN_XML_CHARS, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * A coordinate or length for an attribute, at most 2 decimals. Throws on NaN/Infinity: callers
 * guard degenerate input themselves, so a non-finite value here is a bug, not something to draw.
 */
export function svgNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`non-finite number ${value} in SVG output`);
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** Rough rendered width of sans-serif text; enough to reserve margins, not to typeset. */
export function approxTextWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.6;
}

/** Shortens labels that would swamp an axis; the full text stays available in tooltips. */
export function truncateLabel(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars - 1).join('')}\u2026`;
}

export interface TextOptions {
  readonly size: number;
  readonly anchor?: 'start' | 'middle' | 'end';
  readonly weight?: 'normal' | 'bold';
  readonly fill?: string;
  readonly italic?: boolean;
  /** Degrees, SVG sense (clockwise on screen), about the text's own anchor point. */
  readonly rotate?: number;
  readonly baseline?: 'auto' | 'middle' | 'hanging';
  readonly className?: string;
}

export function svgText(x: number, y: number, content: string, opts: TextOptions): string {
  const attrs = [`x="${svgNumber(x)}"`, `y="${svgNumber(y)}"`, `font-size="${svgNumber(opts.size)}"`];
  if (opts.anchor !== undefined && opts.anchor !== 'start') attrs.push(`text-anchor="${opts.anchor}"`);
  if (opts.weight === 'bold') attrs.push('font-weight="bold"');
  if (opts.italic === true) attrs.push('font-style="italic"');
  if (opts.fill !== undefined) attrs.push(`fill="${opts.fill}"`);
  if (opts.baseline !== undefined && opts.baseline !== 'auto') attrs.push(`dominant-baseline="${opts.baseline}"`);
  if (opts.rotate !== undefined && opts.rotate !== 0) {
    attrs.push(`transform="rotate(${svgNumber(opts.rotate)} ${svgNumber(x)} ${svgNumber(y)})"`);
  }
  if (opts.className !== undefined) attrs.push(`class="${opts.className}"`);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

/** The root element; a white background so opacity-encoded tiles fade towards white in any viewer. */
export function svgDocument(width: number, height: number, body: readonly string[]): string {
  const w = svgNumber(width);
  const h = svgNumber(height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="'DejaVu Sans', Helvetica, Arial, sans-serif">`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Title line plus optional note line at the top of a picture; returns the markup and the height used. */
export function headerLines(title: string | undefined, note: string | undefined, x: number, top: number): { markup: string[]; height: number } {
  const markup: string[] = [];
  let y = top;
  if (title !== undefined && title !== '') {
    y += 18;
    markup.push(svgText(x, y, title, { size: 16, weight: 'bold', fill: '#111111', className: 'title' }));
  }
  if (note !== undefined && note !== '') {
    y += 17;
    markup.push(svgText(x, y, note, { size: 12, italic: true, fill: '#555555', className: 'note' }));
  }
  return { markup, height: y - top };
}
