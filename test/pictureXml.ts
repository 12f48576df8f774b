/**
 * A minimal XML reader for the picture tests: enough of XML 1.0 to reject what an SVG writer can get
 * wrong (unbalanced or crossed tags, unquoted or duplicate attributes, raw '<' or stray '&'), and to
 * hand back a tree the tests can query instead of matching the SVG text with regexes.
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  /** Decoded character data directly inside this element. */
  text: string;
}

const NAME = /[A-Za-z_:][\w.:-]*/y;
const ENTITY = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

class Reader {
  pos = 0;
  constructor(readonly src: string) {}

  fail(message: string): never {
    throw new Error(`XML error at ${this.pos}: ${message} near ${JSON.stringify(this.src.slice(this.pos, this.pos + 40))}`);
  }

  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.src);
    if (m === null) this.fail('expected a name');
    this.pos += m[0].length;
    return m[0];
  }

  /** Character data up to `stop`, entities decoded; a raw '<' or a bare '&' is an error. */
  chars(stop: string): string {
    let out = '';
    while (this.pos < this.src.length && this.src[this.pos] !== stop) {
      const c = this.src[this.pos];
      if (c === '<') this.fail("raw '<'");
      if (c === '&') {
        ENTITY.lastIndex = this.pos;
        const m = ENTITY.exec(this.src);
        if (m === null) this.fail("bare '&'");
        const ref = m[1];
        out += ref.startsWith('#x') ? String.fromCodePoint(parseInt(ref.slice(2), 16)) : ref.startsWith('#') ? String.fromCodePoint(Number(ref.slice(1))) : NAMED[ref];
        this.pos += m[0].length;
      } else {
        out += c;
        this.pos++;
      }
    }
    return out;
  }

  element(): XmlElement {
    if (this.src[this.pos] !== '<') this.fail("expected '<'");
    this.pos++;
    const name = this.name();
    const attrs = new Map<string, string>();
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      if (this.src.startsWith('/>', this.pos)) {
        this.pos += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (this.src[this.pos] === '>') {
        this.pos++;
        break;
      }
      if (this.pos === before) this.fail('attributes must be separated by whitespace');
      const attr = this.name();
      if (attrs.has(attr)) this.fail(`duplicate attribute ${attr}`);
      if (this.src[this.pos] !== '=') this.fail("expected '='");
      this.pos++;
      const quote = this.src[this.pos];
      if (quote !== '"' && quote !== "'") this.fail('attribute value must be quoted');
      this.pos++;
      attrs.set(attr, this.chars(quote));
      if (this.pos >= this.src.length) this.fail('unterminated attribute');
      this.pos++;
    }
    const element: XmlElement = { name, attrs, children: [], text: '' };
    for (;;) {
      element.text += this.chars('<');
      if (this.pos >= this.src.length) this.fail(`<${name}> is never closed`);
      if (this.src.startsWith('</', this.pos)) {
        this.pos += 2;
        const closing = this.name();
        if (closing !== name) this.fail(`</${closing}> closes <${name}>`);
        this.skipSpace();
        if (this.src[this.pos] !== '>') this.fail("expected '>'");
        this.pos++;
        return element;
      }
      element.children.push(this.element());
    }
  }
}

/** Parses a whole document with one root element; throws on anything not well-formed. */
export function parseXml(src: string): XmlElement {
  const reader = new Reader(src);
  reader.skipSpace();
  const root = reader.element();
  reader.skipSpace();
  if (reader.pos !== src.length) reader.fail('content after the root element');
  return root;
}

/** Every element below (and including) `root`, document order. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

export function byClass(root: XmlElement, className: string): XmlElement[] {
  return allElements(root).filter((e) => (e.attrs.get('class') ?? '').split(' ').includes(className));
}

export function numberAttr(e: XmlElement, name: string): number {
  const value = e.attrs.get(name);
  if (value === undefined) throw new Error(`<${e.name}> has no ${name}`);
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`<${e.name} ${name}="${value}"> is not a finite number`);
  return n;
}

/** The (angle, cx, cy) of a `rotate(a cx cy)` transform. */
export function rotation(e: XmlElement): { degrees: number; cx: number; cy: number } {
  const m = /^rotate\((\S+) (\S+) (\S+)\)$/.exec(e.attrs.get('transform') ?? '');
  if (m === null) throw new Error(`<${e.name}> has no rotate(a cx cy) transform`);
  return { degrees: Number(m[1]), cx: Number(m[2]), cy: Number(m[3]) };
}
