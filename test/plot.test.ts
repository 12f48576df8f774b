import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../src/hidden/npy.ts';
import { dtiFieldsFromMatrix } from '../src/math/dti.ts';
import { DEFAULT_DTI_PARAMS, type DtiFields } from '../src/math/dtiTypes.ts';
import { fromRows, type Matrix } from '../src/math/matrix.ts';
import { utilisationByLayer } from '../src/math/utilisation.ts';
import { FLOW_COLOUR_ANCHORS } from '../src/picture/flowColour.ts';
import { renderFlowPicture } from '../src/picture/flowPicture.ts';
import { DEFAULT_PNG_SCALE, writePicture } from '../src/picture/pictureFile.ts';
import { svgToPng } from '../src/picture/svgToPng.ts';
import { UserError } from '../src/userError.ts';
import { byClass, numberAttr, parseXml, type XmlElement } from './pictureXml.ts';
import { decodePng, pixelAt, PNG_SIGNATURE, pngSize } from './pngPixels.ts';
import { repoRoot } from './sharedAssets.ts';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'bin/donald.js');

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function donald(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: repoRoot, timeout: 90_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'donald-plot-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type CellValue = (row: number, col: number) => number;

function matrixOf(layers: number, tokens: number, value: CellValue): Matrix {
  return fromRows(Array.from({ length: layers }, (_, r) => Array.from({ length: tokens }, (_, c) => value(r, c))));
}

/** Fields whose drawn parts are given cell by cell; the tensor components are not drawn. */
function syntheticFields(
  layers: number,
  tokens: number,
  parts: { angle: CellValue; anisotropy?: CellValue; lambda1?: CellValue; lambda2?: CellValue; utilisation?: (row: number) => number },
): DtiFields {
  const zero = matrixOf(layers, tokens, () => 0);
  return {
    matrix: zero,
    jxx: zero,
    jxy: zero,
    jyy: zero,
    angle: matrixOf(layers, tokens, parts.angle),
    anisotropy: matrixOf(layers, tokens, parts.anisotropy ?? (() => 0.5)),
    lambda1: matrixOf(layers, tokens, parts.lambda1 ?? (() => 1)),
    lambda2: matrixOf(layers, tokens, parts.lambda2 ?? (() => 0.5)),
    utilisation: Float64Array.from({ length: layers }, (_, r) => parts.utilisation?.(r) ?? 0.5),
  };
}

/** A real field: the DTI of a smooth, deterministic "collapsed hidden state" matrix. */
function realFields(layers: number, tokens: number): DtiFields {
  return dtiFieldsFromMatrix(
    matrixOf(layers, tokens, (r, c) => Math.sin(0.9 * r + 0.4 * c) + 0.3 * Math.cos(1.7 * c * c + r)),
    DEFAULT_DTI_PARAMS,
  );
}

function words(count: number): string[] {
  const vocabulary = ['Once', 'upon', 'a', 'time', ',', 'there', 'was', 'a', 'little', 'girl', 'named', 'Lily', '.', 'extraordinarily'];
  return Array.from({ length: count }, (_, i) => vocabulary[i % vocabulary.length]);
}

function fontSize(e: XmlElement): number {
  return numberAttr(e, 'font-size');
}

/** Counter-clockwise tilt of a label in degrees, 0 when it is not turned. */
function tiltOf(e: XmlElement): number {
  const m = /^rotate\((\S+) /.exec(e.attrs.get('transform') ?? '');
  return m === null ? 0 : -Number(m[1]);
}

function svgSize(svg: string): { width: number; height: number } {
  const root = parseXml(svg);
  return { width: numberAttr(root, 'width'), height: numberAttr(root, 'height') };
}

describe('flow picture: what each tile shows', () => {
  it('colours tiles by |theta|: 0 red, pi/4 yellow, pi/2 blue; -theta and theta + pi alike', () => {
    const angles = [0, Math.PI / 4, Math.PI / 2, -Math.PI / 4, Math.PI / 4 + Math.PI, -Math.PI / 2, Math.PI, (3 * Math.PI) / 4, Math.PI / 2 + Math.PI];
    const { alongTokens: red, diagonal: yellow, acrossLayers: blue } = FLOW_COLOUR_ANCHORS;
    const expected = [red, yellow, blue, yellow, yellow, blue, red, yellow, blue];
    const svg = renderFlowPicture(syntheticFields(1, angles.length, { angle: (_, c) => angles[c] }), { firstLayer: 1 });
    expect(byClass(parseXml(svg), 'tile').map((t) => t.attrs.get('fill'))).toEqual(expected);
  });

  it('sets each tile\'s fill-opacity to its anisotropy', () => {
    const anisotropy: CellValue = (r, c) => ((r * 7 + c * 3) % 11) / 10;
    const fields = syntheticFields(3, 5, { angle: (r, c) => r - c, anisotropy });
    const tiles = byClass(parseXml(renderFlowPicture(fields, { firstLayer: 1 })), 'tile');
    expect(tiles).toHaveLength(15);
    // Tiles are written row by row from layer 1; values with one decimal survive svgNumber exactly.
    expect(tiles.map((t) => numberAttr(t, 'fill-opacity'))).toEqual(Array.from(fields.anisotropy.data).map((a) => Math.min(1, a)));
  });

  it('draws each ellipse with ry/rx = lambda2/lambda1 and one global scale for rx', () => {
    const fields = realFields(4, 6);
    const ellipses = byClass(parseXml(renderFlowPicture(fields, { firstLayer: 1 })), 'flow-ellipse');
    expect(ellipses).toHaveLength(24);
    const scale = numberAttr(ellipses[0], 'rx') / fields.lambda1.data[0];
    ellipses.forEach((e, i) => {
      const rx = numberAttr(e, 'rx');
      const ry = numberAttr(e, 'ry');
      const l1 = fields.lambda1.data[i];
      const l2 = fields.lambda2.data[i];
      expect(l1).toBeGreaterThan(0);
      // rx and ry are written to 0.01 px: allow that rounding, nothing more.
      expect(Math.abs(ry - (rx * l2) / l1), `cell ${i}`).toBeLessThanOrEqual(0.011);
      expect(Math.abs(rx - scale * l1), `cell ${i}`).toBeLessThanOrEqual(0.011 + 0.005 * (l1 / fields.lambda1.data[0]));
    });
  });
});

describe('flow picture: utilisation bars beside the grid', () => {
  const fields = realFields(6, 8);
  const expected = utilisationByLayer(fields.jxx, fields.jyy, DEFAULT_DTI_PARAMS.eps);
  const root = parseXml(renderFlowPicture(fields, { firstLayer: 1, tokenLabels: words(8) }));
  const bars = byClass(root, 'utilisation-bar');
  const values = byClass(root, 'utilisation-value');
  const tiles = byClass(root, 'tile');

  it('draws one bar per layer, its length the layer\'s utilisation (eq. 10) of a 0..100 % track', () => {
    expect(bars).toHaveLength(6);
    // The track is the bar's sibling: same x, y, height, full length.
    const full = Math.max(...root.children.flatMap((g) => allRects(g)).filter((r) => r.attrs.get('fill') === '#eeeeee').map((r) => numberAttr(r, 'width')));
    bars.forEach((bar, row) => {
      expect(numberAttr(bar, 'width') / full).toBeCloseTo(expected[row], 3);
    });
  });

  it('prints each layer\'s value as a percentage matching utilisationByLayer', () => {
    expect(values.map((v) => Number(v.text.replace(' %', '')) / 100)).toEqual(Array.from(expected).map((u) => Math.round(u * 10000) / 10000));
    for (const [row, v] of values.entries()) expect(v.text).toBe(`${(expected[row] * 100).toFixed(2)} %`);
    expect(byClass(root, 'utilisation-mean')[0].text).toBe(`mean ${((expected.reduce((s, u) => s + u, 0) / 6) * 100).toFixed(2)} %`);
  });

  it('sets each bar and value on its layer\'s grid row, right of the grid, layer 1 at the bottom', () => {
    const tile = numberAttr(tiles[1], 'x') - numberAttr(tiles[0], 'x');
    const gridRight = Math.max(...tiles.map((t) => numberAttr(t, 'x'))) + tile;
    bars.forEach((bar, row) => {
      const rowTile = tiles[row * 8];
      const tileCentre = numberAttr(rowTile, 'y') + tile / 2;
      expect(numberAttr(bar, 'y') + numberAttr(bar, 'height') / 2).toBeCloseTo(tileCentre, 1);
      expect(numberAttr(values[row], 'y')).toBeCloseTo(tileCentre, 1);
      expect(numberAttr(bar, 'x')).toBeGreaterThan(gridRight);
      expect(numberAttr(values[row], 'x')).toBeGreaterThan(numberAttr(bar, 'x'));
    });
    const barY = bars.map((b) => numberAttr(b, 'y'));
    expect(barY).toEqual([...barY].sort((a, b) => b - a));
  });

  it('can be left out (for side-by-side comparisons) and refuses a utilisation of the wrong length', () => {
    const plain = renderFlowPicture(fields, { firstLayer: 1, tokenLabels: words(8), showUtilisation: false });
    expect(byClass(parseXml(plain), 'utilisation-bar')).toHaveLength(0);
    expect(svgSize(plain).width).toBeLessThan(numberAttr(root, 'width'));
    expect(() => renderFlowPicture({ ...fields, utilisation: new Float64Array(2) }, { firstLayer: 1 })).toThrow(RangeError);
  });
});

function allRects(e: XmlElement): XmlElement[] {
  return [...(e.name === 'rect' ? [e] : []), ...e.children.flatMap(allRects)];
}

describe('flow picture: deterministic output', () => {
  it('renders a fixed input to the same SVG every time (file snapshot)', async () => {
    const fields = syntheticFields(3, 5, {
      angle: (r, c) => ((r * 5 + c) / 15) * Math.PI - Math.PI / 2,
      anisotropy: (r, c) => ((r + 2 * c) % 5) / 4,
      lambda1: (r, c) => 1 + r + c,
      lambda2: (r, c) => (1 + r + c) / (2 + c),
      utilisation: (r) => [0.125, 0.5, 0.875][r],
    });
    const opts = { firstLayer: 1, tokenLabels: ['<s>', 'Tom', '&', '"Jerry"', '.'], title: 'snapshot', note: 'synthetic field' };
    const svg = renderFlowPicture(fields, opts);
    expect(renderFlowPicture(fields, opts)).toBe(svg);
    await expect(svg).toMatchFileSnapshot('./__snapshots__/flow-picture-small.svg');
  });
});

describe('flow picture: long sentences and deep models stay readable', () => {
  it('draws 200 tokens at a bounded size with every label upright, readable and not overlapping', () => {
    const svg = renderFlowPicture(realFields(12, 200), { firstLayer: 1, tokenLabels: words(200), title: '200 tokens' });
    const root = parseXml(svg);
    const { width, height } = svgSize(svg);
    expect(width).toBeLessThanOrEqual(2400);
    expect(height).toBeLessThanOrEqual(600);
    const tiles = byClass(root, 'tile');
    const tile = numberAttr(tiles[1], 'x') - numberAttr(tiles[0], 'x');
    expect(tile).toBeGreaterThanOrEqual(8);
    const labels = byClass(root, 'token-label');
    expect(labels.map((l) => l.text)).toEqual(words(200));
    for (const [i, label] of labels.entries()) {
      expect(fontSize(label)).toBeGreaterThanOrEqual(8);
      expect(tiltOf(label)).toBe(90);
      if (i === 0) continue;
      // Two labels turned by `tilt` whose anchors are dx apart sit dx * sin(tilt) apart across their baselines.
      const gap = (numberAttr(label, 'x') - numberAttr(labels[i - 1], 'x')) * Math.sin((tiltOf(label) * Math.PI) / 180);
      expect(gap).toBeGreaterThanOrEqual(fontSize(label) - 1e-9);
    }
  });

  it('labels every k-th token once tiles get narrower than a readable font, and keeps those apart', () => {
    const svg = renderFlowPicture(realFields(4, 600), { firstLayer: 1, tokenLabels: words(600) });
    const root = parseXml(svg);
    expect(svgSize(svg).width).toBeLessThanOrEqual(600 * 5 + 600);
    const labels = byClass(root, 'token-label');
    expect(labels.length).toBeGreaterThan(100);
    expect(labels.length).toBeLessThan(600);
    for (let i = 1; i < labels.length; i++) {
      expect(fontSize(labels[i])).toBeGreaterThanOrEqual(8);
      expect(numberAttr(labels[i], 'x') - numberAttr(labels[i - 1], 'x')).toBeGreaterThanOrEqual(fontSize(labels[i]));
    }
    expect(root.children.some((e) => e.name === 'text' && e.text.startsWith('token (one label per'))).toBe(true);
  });

  it('cuts a title longer than the picture (a long sentence) and keeps it whole in the tooltip', () => {
    const sentence = 'word '.repeat(200).trim();
    const title = `tiny-gpt2: "${sentence}" (2 layers x 3 tokens)`;
    const svg = renderFlowPicture(realFields(2, 3), { firstLayer: 1, title });
    const root = parseXml(svg);
    expect(svgSize(svg).width).toBeLessThanOrEqual(1100);
    const shown = byClass(root, 'title')[0].text;
    expect(shown.endsWith('\u2026')).toBe(true);
    expect(shown.length * 16 * 0.6).toBeLessThan(svgSize(svg).width);
    expect(root.children.find((e) => e.name === 'title')?.text).toBe(title);
  });

  it('gives 36 layers readable, separate layer numbers and utilisation values', () => {
    const root = parseXml(renderFlowPicture(realFields(36, 14), { firstLayer: 1, tokenLabels: words(14) }));
    const layerLabels = byClass(root, 'layer-label');
    expect(layerLabels.map((l) => l.text)).toEqual(Array.from({ length: 36 }, (_, i) => String(i + 1)));
    expect(byClass(root, 'utilisation-value')).toHaveLength(36);
    for (let i = 1; i < layerLabels.length; i++) {
      expect(fontSize(layerLabels[i])).toBeGreaterThanOrEqual(8);
      expect(numberAttr(layerLabels[i - 1], 'y') - numberAttr(layerLabels[i], 'y')).toBeGreaterThanOrEqual(fontSize(layerLabels[i]));
    }
    expect(numberAttr(root, 'height')).toBeLessThanOrEqual(1100);
  });
});

describe('PNG pictures', () => {
  it('renders an SVG to a valid PNG of its pixel size, times the scale', () => {
    const svg = renderFlowPicture(realFields(3, 4), { firstLayer: 1 });
    const { width, height } = svgSize(svg);
    expect(Number.isInteger(width) && Number.isInteger(height)).toBe(true);
    const png = svgToPng(svg);
    expect(Array.from(png.slice(0, 8))).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual({ width, height });
    expect(pngSize(svgToPng(svg, { scale: 2 }))).toEqual({ width: 2 * width, height: 2 * height });
    expect(() => svgToPng(svg, { scale: 0 })).toThrow(RangeError);
  });

  it('draws text with the bundled DejaVu font (no system fonts are loaded)', () => {
    const shell = (body: string): string =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" font-family="'DejaVu Sans', sans-serif"><rect width="120" height="40" fill="#ffffff"/>${body}</svg>`;
    const withText = decodePng(svgToPng(shell('<text x="6" y="28" font-size="22" fill="#000000">Lily</text>')));
    const without = decodePng(svgToPng(shell('')));
    const dark = (image: typeof withText): number => {
      let n = 0;
      for (let i = 0; i < image.rgba.length; i += 4) if (image.rgba[i] < 128) n++;
      return n;
    };
    expect(dark(without)).toBe(0);
    expect(dark(withText)).toBeGreaterThan(50);
  });

  it('keeps the tile colours: an opaque along-tokens tile is red in the PNG', () => {
    const svg = renderFlowPicture(syntheticFields(2, 2, { angle: () => 0, anisotropy: () => 1, lambda1: () => 0, lambda2: () => 0 }), { firstLayer: 1 });
    const tile = byClass(parseXml(svg), 'tile')[0];
    const image = decodePng(svgToPng(svg));
    const [r, g, b] = pixelAt(image, numberAttr(tile, 'x') + 3, numberAttr(tile, 'y') + 3);
    const hex = FLOW_COLOUR_ANCHORS.alongTokens;
    const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    for (const [i, v] of [r, g, b].entries()) expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1);
  });

  it('writePicture writes .svg as text, .png rendered at twice the size, refuses other extensions', async () => {
    const svg = renderFlowPicture(realFields(3, 4), { firstLayer: 1 });
    const { width, height } = svgSize(svg);
    await writePicture(path.join(dir, 'w.svg'), svg);
    expect(await readFile(path.join(dir, 'w.svg'), 'utf8')).toBe(svg);
    await writePicture(path.join(dir, 'w.PNG'), svg);
    const png = new Uint8Array(await readFile(path.join(dir, 'w.PNG')));
    expect(pngSize(png)).toEqual({ width: DEFAULT_PNG_SCALE * width, height: DEFAULT_PNG_SCALE * height });
    await expect(writePicture(path.join(dir, 'w.jpg'), svg)).rejects.toThrow(UserError);
    await expect(writePicture(path.join(dir, 'w.jpg'), svg)).rejects.toThrow(/\.svg or \.png/);
    await expect(writePicture(path.join(dir, 'missing', 'w.svg'), svg)).rejects.toThrow(/cannot write the picture/);
    expect((await readdir(dir)).filter((f) => f.startsWith('w.'))).toEqual(['w.PNG', 'w.svg'].sort());
  });
});

describe('donald plot and --plot end to end', () => {
  const model = path.join(repoRoot, 'test/fixtures/models/tiny-gpt2');
  const sentence = 'Once upon a time, there was a little girl named Lily.';

  it('donald plot writes the SVG and the PNG of one sentence, with utilisation bars', async () => {
    const svgPath = path.join(dir, 'plot.svg');
    const pngPath = path.join(dir, 'plot.png');
    const svgRun = await donald('plot', '--model', model, sentence, '--out', svgPath);
    expect(svgRun.code, svgRun.stderr).toBe(0);
    expect(svgRun.stderr).toContain(`wrote ${svgPath}`);
    const svg = await readFile(svgPath, 'utf8');
    const root = parseXml(svg);
    const layers = byClass(root, 'layer-label').length;
    const tokens = byClass(root, 'token-label').length;
    expect(layers).toBeGreaterThan(1);
    expect(tokens).toBeGreaterThan(5);
    expect(byClass(root, 'tile')).toHaveLength(layers * tokens);
    expect(byClass(root, 'utilisation-bar')).toHaveLength(layers);
    expect(byClass(root, 'note')[0].text).toContain('RANDOM weights');
    expect(svg).toContain("font-family=\"'DejaVu Sans'");

    const pngRun = await donald('plot', '--model', model, sentence, '--out', pngPath, '--drop-special-tokens', '--sigma-tensor', '0.5,1');
    expect(pngRun.code, pngRun.stderr).toBe(0);
    const png = new Uint8Array(await readFile(pngPath));
    const size = pngSize(png);
    expect(size.width).toBeGreaterThan(400);
    expect(size.height).toBeGreaterThan(200);
  });

  it('donald plot refuses an unknown picture extension before running the model: exit 2, one line', async () => {
    const out = path.join(dir, 'plot.jpg');
    const result = await donald('plot', '--model', path.join(dir, 'no-such-model'), sentence, '--out', out);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('plot.jpg');
    expect(result.stderr).toContain('.svg or .png');
    expect((await readdir(dir)).includes('plot.jpg')).toBe(false);
  });

  it('donald plot refuses a one-token sentence with the study\'s reason (a single column has no flow along the tokens): exit 2, one line', async () => {
    const out = path.join(dir, 'one-token.svg');
    const result = await donald('plot', '--model', model, 'a', '--drop-special-tokens', '--out', out);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('the flow field needs at least 2');
    expect((await readdir(dir)).includes('one-token.svg')).toBe(false);
  });

  it('donald analyze file.npy --plot writes PNG and SVG; --svg still writes SVG', async () => {
    const [L, T, H] = [5, 7, 6];
    const npy = path.join(dir, 'hidden.npy');
    await writeNpy(npy, [L, T, H], Float64Array.from({ length: L * T * H }, (_, i) => Math.sin(i * 0.37) + (i % 5) * 0.1));
    const png = path.join(dir, 'hidden.png');
    const svg = path.join(dir, 'hidden-plot.svg');
    const older = path.join(dir, 'hidden-old.svg');
    const result = await donald('analyze', npy, '--plot', png);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Utilisation');
    const bytes = new Uint8Array(await readFile(png));
    expect(Array.from(bytes.slice(0, 8))).toEqual(PNG_SIGNATURE);
    expect((await donald('analyze', npy, '--plot', svg, '--svg', older)).code).toBe(0);
    const root = parseXml(await readFile(svg, 'utf8'));
    // Index 0 is the embedding output and is dropped: layers 1..L-1.
    expect(byClass(root, 'layer-label').map((e) => e.text)).toEqual(['1', '2', '3', '4']);
    expect(byClass(root, 'tile')).toHaveLength((L - 1) * T);
    expect(pngSize(bytes)).toEqual({ width: DEFAULT_PNG_SCALE * numberAttr(root, 'width'), height: DEFAULT_PNG_SCALE * numberAttr(root, 'height') });
    expect(await readFile(older, 'utf8')).toBe(await readFile(svg, 'utf8'));
    const bad = await donald('analyze', npy, '--plot', path.join(dir, 'hidden.gif'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('.svg or .png');
  });

  it('donald analyze-text --plot writes a PNG too', async () => {
    const png = path.join(dir, 'text.png');
    const result = await donald('analyze-text', '--model', model, sentence, '--plot', png);
    expect(result.code, result.stderr).toBe(0);
    expect(pngSize(new Uint8Array(await readFile(png))).width).toBeGreaterThan(400);
  });
});
