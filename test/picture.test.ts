import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dtiFieldsFromMatrix } from '../src/math/dti.ts';
import { DEFAULT_DTI_PARAMS, type DtiFields } from '../src/math/dtiTypes.ts';
import { fromRows, zeros, type Matrix } from '../src/math/matrix.ts';
import { FLOW_COLOUR_ANCHORS, flowColour } from '../src/picture/flowColour.ts';
import { hexToOklch } from '../src/picture/oklch.ts';
import { ellipseRotationDegrees, ellipseScale, flowLayout, MIN_LABEL_FONT, showsRowLabel, showsTokenLabel } from '../src/picture/flowLayout.ts';
import { renderFlowPicture } from '../src/picture/flowPicture.ts';
import { escapeXml, svgNumber } from '../src/picture/svgMarkup.ts';
import { referenceDir, sharedAvailable } from './sharedAssets.ts';
import { byClass, numberAttr, parseXml, rotation, type XmlElement } from './pictureXml.ts';

/** DtiFields whose drawn parts are given; the rest are zeros of the same shape. */
function fieldsOf(parts: { angle: number[][]; anisotropy?: number[][]; lambda1?: number[][]; lambda2?: number[][] }): DtiFields {
  const angle = fromRows(parts.angle);
  const same = (rows: number[][] | undefined, fill: number): Matrix => rows === undefined ? { ...zeros(angle.rows, angle.cols), data: new Float64Array(angle.rows * angle.cols).fill(fill) } : fromRows(rows);
  const z = zeros(angle.rows, angle.cols);
  return {
    matrix: z,
    jxx: z,
    jxy: z,
    jyy: z,
    lambda1: same(parts.lambda1, 1),
    lambda2: same(parts.lambda2, 0.5),
    angle,
    anisotropy: same(parts.anisotropy, 0.5),
    utilisation: new Float64Array(angle.rows),
  };
}

function grid(layers: number, tokens: number, value: (row: number, col: number) => number): number[][] {
  return Array.from({ length: layers }, (_, r) => Array.from({ length: tokens }, (_, c) => value(r, c)));
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function texts(root: XmlElement, className: string): string[] {
  return byClass(root, className).map((e) => e.text);
}

describe('the XML checker used below', () => {
  it('rejects what an SVG writer can get wrong', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a>x & y</a>')).toThrow();
    expect(() => parseXml('<a>1 < 2</a>')).toThrow();
    expect(() => parseXml('<a x=1/>')).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow();
    expect(() => parseXml('<a><b/>')).toThrow();
    expect(parseXml('<a t="&lt;s&gt;">&amp;<b/></a>').attrs.get('t')).toBe('<s>');
  });
});

describe('flowColour', () => {
  it('hits the three anchors, which are red, yellow and blue', () => {
    expect(flowColour(0)).toBe(FLOW_COLOUR_ANCHORS.alongTokens);
    expect(flowColour(Math.PI / 4)).toBe(FLOW_COLOUR_ANCHORS.diagonal);
    expect(flowColour(Math.PI / 2)).toBe(FLOW_COLOUR_ANCHORS.acrossLayers);
    const [rr, rg, rb] = rgb(flowColour(0));
    expect(rr).toBeGreaterThan(200);
    expect(Math.max(rg, rb)).toBeLessThan(60);
    const [yr, yg, yb] = rgb(flowColour(Math.PI / 4));
    expect(Math.min(yr, yg)).toBeGreaterThan(200);
    expect(yb).toBeLessThan(60);
    const [br, bg, bb] = rgb(flowColour(Math.PI / 2));
    expect(bb).toBeGreaterThan(200);
    expect(bb).toBeGreaterThan(2 * Math.max(br, bg));
  });

  it('gives both diagonals, and angles pi apart, one colour', () => {
    for (const theta of [0.1, Math.PI / 5, Math.PI / 4, 1.3, Math.PI / 2]) {
      expect(flowColour(-theta)).toBe(flowColour(theta));
      expect(flowColour(Math.PI - theta)).toBe(flowColour(theta));
      expect(flowColour(theta + Math.PI)).toBe(flowColour(theta));
    }
  });

  it('changes continuously: no step of the ramp jumps perceptibly (OKLab distance)', () => {
    const lab = (hex: string): number[] => {
      const c = hexToOklch(hex);
      return [c.l, c.c * Math.cos((c.h * Math.PI) / 180), c.c * Math.sin((c.h * Math.PI) / 180)];
    };
    const steps = 200;
    let length = 0;
    for (let i = 0; i < steps; i++) {
      const a = lab(flowColour((i / steps) * (Math.PI / 2)));
      const b = lab(flowColour(((i + 1) / steps) * (Math.PI / 2)));
      const step = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      length += step;
      // The whole ramp is ~1 OKLab unit long; 0.02 is far below a visible jump yet above 8-bit rounding.
      expect(step, `step ${i}`).toBeLessThan(0.02);
    }
    expect(length).toBeGreaterThan(0.5);
  });

  it('refuses a non-finite angle', () => {
    expect(() => flowColour(Number.NaN)).toThrow(RangeError);
  });
});

describe('svg markup', () => {
  it('escapes the five XML specials and replaces characters XML forbids', () => {
    expect(escapeXml(`<s>&"'`)).toBe('&lt;s&gt;&amp;&quot;&apos;');
    expect(escapeXml('a\u0000b\ud800')).toBe('a\ufffdb\ufffd');
    expect(escapeXml('\n')).toBe('\\n');
  });

  it('never writes NaN or Infinity as a number', () => {
    expect(svgNumber(1.23456)).toBe('1.23');
    expect(svgNumber(-0.001)).toBe('0');
    expect(() => svgNumber(Number.NaN)).toThrow(RangeError);
    expect(() => svgNumber(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('ellipse geometry', () => {
  it('turns +theta (towards higher layers) into a counter-clockwise, i.e. negative, SVG rotation', () => {
    expect(ellipseRotationDegrees(Math.PI / 4)).toBeCloseTo(-45, 12);
    expect(ellipseRotationDegrees(-Math.PI / 4)).toBeCloseTo(45, 12);
    expect(ellipseRotationDegrees(0)).toBe(0);
  });

  it('scales the largest lambda1 to 0.45 tile and survives an all-zero field', () => {
    expect(ellipseScale(4, 40) * 4).toBeCloseTo(18, 12);
    expect(ellipseScale(0, 40)).toBe(0);
    expect(ellipseScale(Number.NaN, 40)).toBe(0);
  });
});

describe('flow layout adapts to the grid size', () => {
  const sizes: [number, number][] = [];
  for (const layers of [1, 2, 6, 12, 24, 33, 48, 96, 200]) for (const tokens of [1, 3, 9, 20, 50, 80, 130, 200, 333, 512, 1000]) sizes.push([layers, tokens]);

  it('keeps tiles, fonts and label spacing readable and the grid bounded for every size', () => {
    for (const [layers, tokens] of sizes) {
      const what = `${layers} x ${tokens}`;
      const layout = flowLayout({
        layers,
        tokens,
        tokenLabels: Array.from({ length: tokens }, (_, t) => 'token'.repeat(1 + (t % 3))),
        layerLabels: Array.from({ length: layers }, (_, l) => String(l + 1)),
        headerHeight: 35,
        legendWidth: 170,
        legendHeight: 242,
        utilisation: true,
      });
      expect(layout.tile, what).toBeGreaterThanOrEqual(5);
      expect(layout.tile, what).toBeLessThanOrEqual(44);
      expect(layout.labelFont, what).toBeGreaterThanOrEqual(MIN_LABEL_FONT);
      expect(layout.rowFont, what).toBeGreaterThanOrEqual(MIN_LABEL_FONT);
      // Neighbouring shown labels sit at least one font size apart across their baselines.
      const across = layout.tile * layout.tokenLabelStep * Math.sin((layout.tokenLabelTilt * Math.PI) / 180);
      expect(across, what).toBeGreaterThanOrEqual(layout.labelFont - 1e-9);
      expect(layout.tile * layout.layerLabelStep, what).toBeGreaterThanOrEqual(layout.rowFont);
      // A typical sentence fills ~1600 x 800; only very long inputs go past it, at the smallest tile.
      if (tokens * 5 <= 1600) expect(tokens * layout.tile, what).toBeLessThanOrEqual(1600);
      if (layers * 5 <= 800) expect(layers * layout.tile, what).toBeLessThanOrEqual(800);
      expect(Number.isInteger(layout.width) && Number.isInteger(layout.height), what).toBe(true);
      expect(showsTokenLabel(layout, 0) && showsRowLabel(layout, 0), what).toBe(true);
      expect(layout.utilisation!.left, what).toBeGreaterThan(layout.gridLeft + tokens * layout.tile);
      expect(layout.legendLeft, what).toBeGreaterThan(layout.utilisation!.valueLeft);
    }
  });

  it('turns token labels upright once tiles are narrower than 12 px, and labels all of a typical sentence', () => {
    const layoutOf = (tokens: number) =>
      flowLayout({ layers: 12, tokens, tokenLabels: Array(tokens).fill('x'), layerLabels: ['1'], headerHeight: 0, legendWidth: 0, legendHeight: 0, utilisation: false });
    expect(layoutOf(20).tokenLabelTilt).toBe(45);
    expect(layoutOf(20).tokenLabelStep).toBe(1);
    expect(layoutOf(200).tokenLabelTilt).toBe(90);
    expect(layoutOf(200).tokenLabelStep).toBe(1);
    expect(layoutOf(1000).tokenLabelStep).toBeGreaterThan(1);
    expect(layoutOf(20).utilisation).toBeUndefined();
  });
});

describe('renderFlowPicture', () => {
  const layers = 3;
  const tokens = 4;
  const labels = ['<s>', 'Tom & Jerry', '"quoted"', 'end'];
  const fields = fieldsOf({
    angle: grid(layers, tokens, (r, c) => ((r * tokens + c) / (layers * tokens)) * Math.PI - Math.PI / 2 + 0.01),
    anisotropy: grid(layers, tokens, (r, c) => (r === 0 && c === 2 ? 1 : 0.25)),
    lambda1: grid(layers, tokens, (r, c) => 1 + r + c),
    lambda2: grid(layers, tokens, (r, c) => (1 + r + c) / 3),
  });
  const svg = renderFlowPicture(fields, { tokenLabels: labels, firstLayer: 1, title: 'A <test> & title', note: 'random weights' });
  const root = parseXml(svg);
  const tiles = byClass(root, 'tile');
  const ellipses = byClass(root, 'flow-ellipse');
  const tileSize = numberAttr(tiles[1], 'x') - numberAttr(tiles[0], 'x');

  it('is a well-formed SVG document with one tile and one ellipse per (layer, token)', () => {
    expect(root.name).toBe('svg');
    expect(tiles).toHaveLength(layers * tokens);
    expect(ellipses).toHaveLength(layers * tokens);
  });

  it('writes token strings escaped, left to right, and layer numbers from firstLayer', () => {
    expect(svg).toContain('&lt;s&gt;');
    expect(svg).toContain('Tom &amp; Jerry');
    expect(svg).not.toContain('<s>');
    expect(texts(root, 'token-label')).toEqual(labels);
    const tokenX = byClass(root, 'token-label').map((e) => numberAttr(e, 'x'));
    expect(tokenX).toEqual([...tokenX].sort((a, b) => a - b));
    expect(texts(root, 'layer-label')).toEqual(['1', '2', '3']);
    expect(texts(root, 'title')).toEqual(['A <test> & title']);
    expect(texts(root, 'note')).toEqual(['random weights']);
  });

  it('draws layer 1 at the bottom: the (layer 1, token 2) tile is the lowest of the third column', () => {
    const opaque = tiles.filter((t) => t.attrs.get('fill-opacity') === '1');
    expect(opaque).toHaveLength(1);
    const maxY = Math.max(...tiles.map((t) => numberAttr(t, 'y')));
    const minX = Math.min(...tiles.map((t) => numberAttr(t, 'x')));
    expect(numberAttr(opaque[0], 'y')).toBe(maxY);
    expect(numberAttr(opaque[0], 'x')).toBeCloseTo(minX + 2 * tileSize, 6);
    const layerLabelY = byClass(root, 'layer-label').map((e) => numberAttr(e, 'y'));
    expect(layerLabelY[0]).toBeGreaterThan(layerLabelY[2]);
  });

  it('colours each tile by |theta| and fades it by anisotropy', () => {
    // Tiles are written row by row, row 0 (layer 1) first.
    tiles.forEach((tile, i) => {
      expect(tile.attrs.get('fill')).toBe(flowColour(fields.angle.data[i]));
      expect(numberAttr(tile, 'fill-opacity')).toBeCloseTo(fields.anisotropy.data[i], 2);
    });
  });

  it('sizes ellipses with one global scale, the largest 0.45 tile, so all fit their tiles', () => {
    const rx = ellipses.map((e) => numberAttr(e, 'rx'));
    expect(Math.max(...rx)).toBeCloseTo(0.45 * tileSize, 1);
    for (const e of ellipses) {
      expect(numberAttr(e, 'rx')).toBeLessThanOrEqual(tileSize / 2);
      expect(numberAttr(e, 'ry')).toBeLessThanOrEqual(numberAttr(e, 'rx'));
    }
    // lambda1 = 1 + r + c: the ratio of two cells' rx is the ratio of their lambda1.
    expect(rx[0] / rx[layers * tokens - 1]).toBeCloseTo(1 / (layers + tokens - 1), 2);
  });

  it('rotates a +pi/4 flow so its long axis points up-right on screen', () => {
    const diagonal = renderFlowPicture(fieldsOf({ angle: grid(2, 2, () => Math.PI / 4) }), { firstLayer: 1 });
    for (const e of byClass(parseXml(diagonal), 'flow-ellipse')) {
      const { degrees, cx, cy } = rotation(e);
      expect(degrees).toBe(-45);
      expect(cx).toBe(numberAttr(e, 'cx'));
      expect(cy).toBe(numberAttr(e, 'cy'));
      // SVG rotate(a) maps the ellipse's x axis (1, 0) to (cos a, sin a) in y-down screen space.
      const dx = Math.cos((degrees * Math.PI) / 180);
      const dy = Math.sin((degrees * Math.PI) / 180);
      expect(dx).toBeGreaterThan(0);
      expect(dy).toBeLessThan(0);
    }
  });

  it('draws an all-zero field without NaN or Infinity', () => {
    const z = zeros(3, 5);
    const flat: DtiFields = { matrix: z, jxx: z, jxy: z, jyy: z, lambda1: z, lambda2: z, angle: z, anisotropy: z, utilisation: new Float64Array(3) };
    const out = renderFlowPicture(flat, { firstLayer: 1 });
    expect(out).not.toMatch(/NaN|Infinity/);
    const doc = parseXml(out);
    expect(byClass(doc, 'flow-ellipse').map((e) => numberAttr(e, 'rx'))).toEqual(Array(15).fill(0));
    expect(texts(doc, 'token-label')).toEqual(['0', '1', '2', '3', '4']);
  });

  it('numbers layers from 0 when the embedding row is kept', () => {
    const out = parseXml(renderFlowPicture(fieldsOf({ angle: grid(2, 1, () => 0) }), { firstLayer: 0 }));
    expect(texts(out, 'layer-label')).toEqual(['0', '1']);
  });

  it('refuses token labels that do not match the token count, and mismatched field shapes', () => {
    expect(() => renderFlowPicture(fields, { tokenLabels: ['a'], firstLayer: 1 })).toThrow(RangeError);
    expect(() => renderFlowPicture({ ...fields, lambda1: zeros(1, 1) }, { firstLayer: 1 })).toThrow(RangeError);
  });
});

describe.runIf(sharedAvailable('reference'))('renderFlowPicture on reference case0', () => {
  it('draws the real field: 12 x 9 tiles, finite, colours matching the expected angles', () => {
    const ref = JSON.parse(readFileSync(path.join(referenceDir, 'case0.json'), 'utf8')) as { hidden: number[][][]; expected: { angle: number[][] } };
    const collapsed = fromRows(ref.hidden.map((layer) => layer.map((token) => token.reduce((a, b) => a + b, 0) / token.length)));
    const fields = dtiFieldsFromMatrix(collapsed, DEFAULT_DTI_PARAMS);
    const out = renderFlowPicture(fields, { firstLayer: 1, title: 'case0' });
    expect(out).not.toMatch(/NaN|Infinity/);
    const root = parseXml(out);
    const tiles = byClass(root, 'tile');
    expect(tiles).toHaveLength(12 * 9);
    expect(tiles.map((t) => t.attrs.get('fill'))).toEqual(ref.expected.angle.flat().map(flowColour));
  });
});
