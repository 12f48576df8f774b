import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anisotropyDifference, symmetricRange, utilisationDifference } from '../src/compare/fieldDifference.ts';
import { modelNames, parseModelList } from '../src/compare/modelList.ts';
import { runSentences, type SentenceRun } from '../src/compare/sentenceRuns.ts';
import { alignTokens, describeAlignment, longestCommonSubsequence } from '../src/compare/tokenAlignment.ts';
import { SeededRandom } from '../src/fixtures/seededRandom.ts';
import { DEFAULT_DTI_PARAMS } from '../src/math/dtiTypes.ts';
import { at } from '../src/math/matrix.ts';
import { utilisationByLayer } from '../src/math/utilisation.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { nestedPanel, panelSize, withoutProlog } from '../src/picture/comparisonPanel.ts';
import { renderComparisonPicture } from '../src/picture/comparisonPicture.ts';
import { DIFFERENCE_COLOUR_ANCHORS, differenceColour } from '../src/picture/differenceColour.ts';
import { renderDifferencePanel } from '../src/picture/differencePanel.ts';
import { renderFlowPicture } from '../src/picture/flowPicture.ts';
import { hexToOklch } from '../src/picture/oklch.ts';
import { formatPairUtilisation, formatUtilisationComparison } from '../src/report/utilisationComparisonTable.ts';
import { UserError } from '../src/userError.ts';
import { allElements, byClass, numberAttr, parseXml, type XmlElement } from './pictureXml.ts';
import { repoRoot } from './sharedAssets.ts';

const run = promisify(execFile);
const donald = (args: string[]) => run('node', [path.join(repoRoot, 'bin/donald.js'), ...args], { cwd: repoRoot, timeout: 90_000 });
const failure = (args: string[]) =>
  donald(args).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

const tinyBert = path.join(repoRoot, 'test/fixtures/models/tiny-bert');
const tinyGpt2 = path.join(repoRoot, 'test/fixtures/models/tiny-gpt2');
const PRONOUN_A = 'The trophy did not fit because he was big.';
const PRONOUN_B = 'The trophy did not fit because she was big.';
const BUCKET_A = 'He kicked the bucket yesterday.';
const BUCKET_B = 'He kicked the red bucket across the yard yesterday.';

/** Text of every element with `className`, in document order. */
function texts(root: XmlElement, className: string): string[] {
  return byClass(root, className).map((e) => e.text);
}

/** The nested panels of a composed picture, each as its <svg> element. */
function panels(root: XmlElement): XmlElement[] {
  return byClass(root, 'panel').map((g) => {
    expect(g.children).toHaveLength(1);
    expect(g.children[0].name).toBe('svg');
    return g.children[0];
  });
}

/** The panel's own title: its first class="title" text (the flow picture puts the title first). */
function panelTitle(panel: XmlElement): string {
  return texts(panel, 'title')[0];
}

/** Length of a longest common subsequence by trying every subset of `a` (tiny inputs only). */
function bruteForceLcsLength(a: readonly string[], b: readonly string[]): number {
  let best = 0;
  for (let mask = 0; mask < 1 << a.length; mask++) {
    const picked = a.filter((_, i) => (mask >> i) & 1);
    let j = 0;
    for (const token of b) if (j < picked.length && picked[j] === token) j++;
    if (j === picked.length) best = Math.max(best, picked.length);
  }
  return best;
}

describe('token alignment', () => {
  it('pairs equal-length sentences position by position and marks the positions whose text differs', () => {
    const a = ['[CLS]', 'because', 'he', 'was', '[SEP]'];
    const b = ['[CLS]', 'because', 'she', 'was', '[SEP]'];
    const alignment = alignTokens(a, b);
    expect(alignment.mode).toBe('position');
    expect(alignment.pairs.map((p) => [p.a, p.b, p.sameText])).toEqual([
      [0, 0, true],
      [1, 1, true],
      [2, 2, false],
      [3, 3, true],
      [4, 4, true],
    ]);
    expect(alignment.unmatchedA).toEqual([]);
    expect(alignment.unmatchedB).toEqual([]);
    expect(describeAlignment(alignment, a, b)).toBe('same length (5 tokens): aligned position by position; differing (outlined): 2 "he"\u2192"she"');
    expect(describeAlignment(alignTokens(a, a), a, a)).toContain('every token string agrees');
  });

  it('skips an insertion in B and a deletion from A, matching the rest by text', () => {
    const short = ['[CLS]', 'kicked', 'the', 'bucket', '[SEP]'];
    const long = ['[CLS]', 'kicked', 'the', 'red', 'bucket', 'today', '[SEP]'];
    const inserted = alignTokens(short, long);
    expect(inserted.mode).toBe('text');
    expect(inserted.pairs.map((p) => [p.a, p.b])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 4],
      [4, 6],
    ]);
    expect(inserted.unmatchedA).toEqual([]);
    expect(inserted.unmatchedB).toEqual([3, 5]);
    expect(describeAlignment(inserted, short, long)).toBe(
      'lengths differ (5 vs 7 tokens): anisotropy difference shown for the 5 tokens matched by token text; unmatched: A none; B "red" (3), "today" (5)',
    );

    const deleted = alignTokens(long, short);
    expect(deleted.pairs.map((p) => [p.a, p.b])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [4, 3],
      [6, 4],
    ]);
    expect(deleted.unmatchedA).toEqual([3, 5]);
    expect(deleted.unmatchedB).toEqual([]);
  });

  it('matches nothing when the sentences share no token, and says so', () => {
    const alignment = alignTokens(['a', 'b'], ['c', 'd', 'e']);
    expect(alignment.pairs).toEqual([]);
    expect(alignment.unmatchedA).toEqual([0, 1]);
    expect(alignment.unmatchedB).toEqual([0, 1, 2]);
    expect(describeAlignment(alignment, ['a', 'b'], ['c', 'd', 'e'])).toContain('no token text is shared');
  });

  it('pairs a repeated token with its first occurrence', () => {
    expect(longestCommonSubsequence(['the', 'cat', 'the'], ['the'])).toEqual([[0, 0]]);
    expect(longestCommonSubsequence(['the', 'cat', 'the'], ['the', 'the'])).toEqual([
      [0, 0],
      [2, 1],
    ]);
  });

  it('finds a longest common subsequence: same length as brute force, increasing, equal texts', () => {
    const random = new SeededRandom(20240606);
    const word = () => 'abcd'[Math.floor(random.uniform() * 4)];
    for (let trial = 0; trial < 300; trial++) {
      const a = Array.from({ length: Math.floor(random.uniform() * 8) }, word);
      const b = Array.from({ length: Math.floor(random.uniform() * 8) }, word);
      const pairs = longestCommonSubsequence(a, b);
      expect(pairs.length).toBe(bruteForceLcsLength(a, b));
      pairs.forEach(([i, j], k) => {
        expect(a[i]).toBe(b[j]);
        if (k > 0) {
          expect(i).toBeGreaterThan(pairs[k - 1][0]);
          expect(j).toBeGreaterThan(pairs[k - 1][1]);
        }
      });
    }
  });
});

describe('differences of real fields (tiny-bert, real onnxruntime session)', () => {
  let pronoun: SentenceRun[] = [];
  let bucket: SentenceRun[] = [];
  beforeAll(async () => {
    const model = await openModel(tinyBert);
    try {
      const options = { params: DEFAULT_DTI_PARAMS, includeEmbeddings: false };
      [pronoun, bucket] = [await runSentences(model, [PRONOUN_A, PRONOUN_B], options), await runSentences(model, [BUCKET_A, BUCKET_B], options)];
    } finally {
      await model.close();
    }
  });

  it('utilisation difference is utilisationByLayer(B) - utilisationByLayer(A) at every layer', () => {
    for (const [a, b] of [pronoun, bucket]) {
      const eps = DEFAULT_DTI_PARAMS.eps;
      const expected = utilisationByLayer(b.fields.jxx, b.fields.jyy, eps).map((u, l) => u - utilisationByLayer(a.fields.jxx, a.fields.jyy, eps)[l]);
      const delta = utilisationDifference(a.fields.utilisation, b.fields.utilisation);
      expect(delta).toHaveLength(4);
      delta.forEach((d, l) => expect(d).toBeCloseTo(expected[l], 12));
      // Swapping one pronoun still changes something: a difference of all zeros would hide a bug.
      expect(symmetricRange(delta)).toBeGreaterThan(0);
    }
  });

  it('anisotropy difference holds B - A at each aligned pair, position by position for equal lengths', () => {
    const [a, b] = pronoun;
    expect(a.tokens).toHaveLength(b.tokens.length);
    const alignment = alignTokens(a.tokens, b.tokens);
    const delta = anisotropyDifference(a.fields.anisotropy, b.fields.anisotropy, alignment);
    expect([delta.rows, delta.cols]).toEqual([4, a.tokens.length]);
    for (let l = 0; l < 4; l++) {
      for (let t = 0; t < a.tokens.length; t++) expect(at(delta, l, t)).toBeCloseTo(at(b.fields.anisotropy, l, t) - at(a.fields.anisotropy, l, t), 12);
    }
    expect(alignment.pairs.filter((p) => !p.sameText).map((p) => [a.tokens[p.a], b.tokens[p.b]])).toEqual([['he', 'she']]);
  });

  it('for unequal lengths, has one column per token matched by text and none for the inserted words', () => {
    const [a, b] = bucket;
    expect(b.tokens.length).toBeGreaterThan(a.tokens.length);
    const alignment = alignTokens(a.tokens, b.tokens);
    const delta = anisotropyDifference(a.fields.anisotropy, b.fields.anisotropy, alignment);
    expect(delta.cols).toBe(alignment.pairs.length);
    expect(alignment.unmatchedB.map((j) => b.tokens[j])).toEqual(expect.arrayContaining(['red', 'across', 'yard']));
    alignment.pairs.forEach((pair, k) => {
      expect(a.tokens[pair.a]).toBe(b.tokens[pair.b]);
      for (let l = 0; l < 4; l++) expect(at(delta, l, k)).toBeCloseTo(at(b.fields.anisotropy, l, pair.b) - at(a.fields.anisotropy, l, pair.a), 12);
    });
    // "yesterday" sits at different positions in A and B; its column compares it with itself.
    const yesterday = alignment.pairs.find((p) => a.tokens[p.a] === 'yesterday');
    expect(yesterday).toBeDefined();
    expect(yesterday?.b).toBeGreaterThan(yesterday?.a ?? Infinity);
  });

  it('refuses fields of different layer counts', () => {
    expect(() => utilisationDifference(new Float64Array(4), new Float64Array(5))).toThrow(/4 layers in A but 5 in B/);
  });

  it('draws the difference panel: one bar and value per layer, one cell per layer and pair, the differing pair outlined', () => {
    const [a, b] = pronoun;
    const alignment = alignTokens(a.tokens, b.tokens);
    const utilisation = utilisationDifference(a.fields.utilisation, b.fields.utilisation);
    const anisotropy = anisotropyDifference(a.fields.anisotropy, b.fields.anisotropy, alignment);
    const svg = renderDifferencePanel({ firstLayer: 1, utilisation, anisotropy, alignment, tokensA: a.tokens, tokensB: b.tokens, title: 'Difference B \u2212 A', notes: ['a note'] });
    const root = parseXml(svg);
    expect(byClass(root, 'utilisation-bar')).toHaveLength(4);
    // Top layer at the top, as in the flow pictures: read top to bottom, the values are layers 4..1.
    const values = byClass(root, 'utilisation-value')
      .sort((p, q) => numberAttr(p, 'y') - numberAttr(q, 'y'))
      .map((e) => Number(e.text.replace('\u2212', '-').replace('+', '')));
    expect(values).toHaveLength(4);
    values.forEach((v, row) => expect(v).toBeCloseTo(utilisation[3 - row] * 100, 2));
    const cells = byClass(root, 'difference-cell');
    expect(cells).toHaveLength(4 * a.tokens.length);
    // The largest |difference| gets a full end of the scale.
    const range = symmetricRange(anisotropy.data);
    const ends = cells.map((c) => c.attrs.get('fill'));
    expect(ends.some((fill) => fill === DIFFERENCE_COLOUR_ANCHORS.positive || fill === DIFFERENCE_COLOUR_ANCHORS.negative)).toBe(true);
    expect(range).toBeGreaterThan(0);
    expect(byClass(root, 'differing-token')).toHaveLength(1);
    expect(texts(root, 'differing-label')).toEqual(['he\u2192she']);
    expect(texts(root, 'legend-label').join(' ')).toContain(`+${range.toFixed(3)} B higher`);
  });

  it('draws the panel without a heat map when no token matched', () => {
    const alignment = alignTokens(['x'], ['y', 'z']);
    const svg = renderDifferencePanel({
      firstLayer: 1,
      utilisation: new Float64Array([0.1, -0.2]),
      anisotropy: anisotropyDifference({ rows: 2, cols: 1, data: new Float64Array(2) }, { rows: 2, cols: 2, data: new Float64Array(4) }, alignment),
      alignment,
      tokensA: ['x'],
      tokensB: ['y', 'z'],
    });
    const root = parseXml(svg);
    expect(byClass(root, 'difference-cell')).toHaveLength(0);
    expect(byClass(root, 'utilisation-bar')).toHaveLength(2);
    expect(svg).toContain('no tokens matched');
  });

  it('composes panels into one well-formed SVG, a row of up to 3 that wraps to a grid', () => {
    const flows = [...pronoun, ...bucket].map((s, i) => renderFlowPicture(s.fields, { firstLayer: s.firstLayer, tokenLabels: s.tokens, title: `panel ${i}` }));
    const composed = renderComparisonPicture(flows, { title: 'four sentences', notes: ['first note', 'second note'] });
    const root = parseXml(composed);
    const nested = panels(root);
    expect(nested.map(panelTitle)).toEqual(['panel 0', 'panel 1', 'panel 2', 'panel 3']);
    const xs = nested.map((p) => numberAttr(p, 'x'));
    const ys = nested.map((p) => numberAttr(p, 'y'));
    expect(ys[0]).toBe(ys[1]);
    expect(ys[1]).toBe(ys[2]);
    expect(ys[3]).toBeGreaterThanOrEqual(ys[0] + panelSize(flows[0]).height);
    expect(xs[3]).toBe(xs[0]);
    expect(xs[1]).toBeGreaterThanOrEqual(xs[0] + panelSize(flows[0]).width);
    // Every panel fits inside the figure.
    nested.forEach((p, i) => {
      expect(numberAttr(p, 'x') + panelSize(flows[i]).width).toBeLessThanOrEqual(numberAttr(root, 'width'));
      expect(numberAttr(p, 'y') + panelSize(flows[i]).height).toBeLessThanOrEqual(numberAttr(root, 'height'));
    });
    expect(texts(root, 'note').slice(0, 2)).toEqual(['first note', 'second note']);
  });
});

describe('panel nesting', () => {
  const panel = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by a test -->\n<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30" x="5"><defs><clipPath id="clip"><rect width="4" height="4"/></clipPath></defs><rect clip-path="url(#clip)" width="9" height="9"/><use href="#clip"/></svg>\n';

  it('drops the prolog, places the panel and gives its ids a prefix so two copies do not clash', () => {
    expect(withoutProlog(panel).startsWith('<svg')).toBe(true);
    expect(panelSize(panel)).toEqual({ width: 40, height: 30 });
    const root = parseXml(renderComparisonPicture([panel, panel], { title: 't' }));
    const ids = allElements(root).flatMap((e) => (e.attrs.has('id') ? [e.attrs.get('id')] : []));
    expect(ids).toEqual(['panel0-clip', 'panel1-clip']);
    expect(allElements(root).flatMap((e) => (e.attrs.has('clip-path') ? [e.attrs.get('clip-path')] : []))).toEqual(['url(#panel0-clip)', 'url(#panel1-clip)']);
    expect(allElements(root).flatMap((e) => (e.attrs.has('href') ? [e.attrs.get('href')] : []))).toEqual(['#panel0-clip', '#panel1-clip']);
    const placed = parseXml(nestedPanel(panel, 100, 7, 'p-'));
    expect([numberAttr(placed, 'x'), numberAttr(placed, 'y')]).toEqual([100, 7]);
  });

  it('refuses a panel that is not an SVG document or has no size', () => {
    expect(() => panelSize('<html/>')).toThrow(/does not start with an <svg>/);
    expect(() => panelSize('<svg xmlns="http://www.w3.org/2000/svg" height="3"/>')).toThrow(/width/);
  });
});

describe('difference colour scale', () => {
  it('runs blue (negative) through white (zero) to red (positive), symmetric about zero and clamped', () => {
    expect(differenceColour(0, 0.5)).toBe('#ffffff');
    expect(differenceColour(0.5, 0.5)).toBe(DIFFERENCE_COLOUR_ANCHORS.positive);
    expect(differenceColour(-0.5, 0.5)).toBe(DIFFERENCE_COLOUR_ANCHORS.negative);
    expect(differenceColour(9, 0.5)).toBe(DIFFERENCE_COLOUR_ANCHORS.positive);
    expect(differenceColour(0.3, 0)).toBe('#ffffff');
    // Lightness falls the same way on both sides: equal |value| is equally strong.
    const light = (v: number) => hexToOklch(differenceColour(v, 1)).l;
    expect(light(0.25)).toBeGreaterThan(light(0.75));
    expect(light(-0.25)).toBeGreaterThan(light(-0.75));
    expect(Math.abs(light(0.5) - light(-0.5))).toBeLessThan(0.12);
    expect(() => differenceColour(Number.NaN, 1)).toThrow(RangeError);
  });
});

describe('utilisation tables', () => {
  it('puts one column per model, top layer first, blank where a model has no such layer', () => {
    const table = formatUtilisationComparison([
      { name: 'four', firstLayer: 1, utilisation: new Float64Array([0.1, 0.2, 0.3, 0.4]) },
      { name: 'embed', firstLayer: 0, utilisation: new Float64Array([0.5, 0.6, 0.7]) },
    ]);
    const rows = table.split('\n').filter((l) => /^\s*\d+\s/.test(l));
    expect(rows.map((r) => r.trim().split(/\s{2,}/))).toEqual([
      ['4', '40.00 %'],
      ['3', '30.00 %'],
      ['2', '20.00 %', '70.00 %'],
      ['1', '10.00 %', '60.00 %'],
      ['0', '50.00 %'],
    ]);
    // Row 0's only value sits under the second column, not the first.
    const header = table.split('\n')[0];
    const zero = rows[4];
    expect(zero.indexOf('50.00 %') + '50.00 %'.length).toBe(header.indexOf('embed') + 'embed'.length);
    expect(table).toMatch(/Mean\s+25\.00 %\s+60\.00 %/);
  });

  it('adds B - A in signed percentage points for a pair', () => {
    const table = formatPairUtilisation(
      { name: 'A', firstLayer: 1, utilisation: new Float64Array([0.3, 0.2]) },
      { name: 'B', firstLayer: 1, utilisation: new Float64Array([0.25, 0.3]) },
      new Float64Array([-0.05, 0.1]),
    );
    expect(table).toMatch(/^\s+2\s+20\.00 %\s+30\.00 %\s+\+10\.00 pp$/m);
    expect(table).toMatch(/^\s+1\s+30\.00 %\s+25\.00 %\s+-5\.00 pp$/m);
  });
});

describe('--models list', () => {
  it('needs at least two existing folders and names the missing one', () => {
    expect(parseModelList(`${tinyBert},${tinyGpt2}`)).toEqual([tinyBert, tinyGpt2]);
    expect(() => parseModelList(tinyBert)).toThrow(UserError);
    expect(() => parseModelList(tinyBert)).toThrow(/at least 2/);
    expect(() => parseModelList(`${tinyBert},/nowhere/model-x`)).toThrow(/\/nowhere\/model-x \(model 2 of 2\) is not a folder/);
    expect(() => parseModelList(`${tinyBert},,${tinyGpt2}`)).toThrow(/empty name/);
  });

  it('names models by folder, by path when two folders share a name', () => {
    expect(modelNames(['a/tiny-bert', 'b/tiny-gpt2'])).toEqual(['tiny-bert', 'tiny-gpt2']);
    expect(modelNames(['run-1/model', 'run-2/model', 'c/other'])).toEqual(['run-1/model', 'run-2/model', 'other']);
  });
});

describe('donald compare and donald pair (CLI)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'donald-compare-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('compare: one titled panel per model, a note on token counts, a table with a column per model, SVG and PNG', async () => {
    const svgPath = path.join(dir, 'compare.svg');
    const models = `${tinyBert},${tinyGpt2}`;
    const { stdout } = await donald(['compare', '--models', models, PRONOUN_A, '--out', svgPath]);
    const root = parseXml(await readFile(svgPath, 'utf8'));
    const nested = panels(root);
    expect(nested).toHaveLength(2);
    const titles = nested.map(panelTitle);
    expect(titles[0]).toMatch(/^tiny-bert \(4 layers x \d+ tokens\)$/);
    expect(titles[1]).toMatch(/^tiny-gpt2 \(4 layers x \d+ tokens\)$/);
    expect(texts(root, 'title')[0]).toBe(`"${PRONOUN_A}"`);
    // BERT adds [CLS] and [SEP], GPT-2 adds nothing: the counts differ and the figure says so.
    const bertTokens = Number(/x (\d+) tokens/.exec(titles[0])?.[1]);
    const gptTokens = Number(/x (\d+) tokens/.exec(titles[1])?.[1]);
    expect(bertTokens).not.toBe(gptTokens);
    const notes = texts(root, 'note').join('\n');
    expect(notes).toContain(`token counts differ (tiny-bert ${bertTokens}, tiny-gpt2 ${gptTokens})`);
    expect(notes).toContain('RANDOM weights');
    // Each panel draws its own model's tokens.
    expect(byClass(nested[0], 'tile')).toHaveLength(4 * bertTokens);
    expect(byClass(nested[1], 'tile')).toHaveLength(4 * gptTokens);

    const header = stdout.split('\n').find((l) => l.startsWith('Layer'));
    expect(header?.split(/\s+/)).toEqual(['Layer', 'tiny-bert', 'tiny-gpt2']);
    const layerRows = stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\.\d\d %\s+\d+\.\d\d %$/.test(l));
    expect(layerRows.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([4, 3, 2, 1]);

    const pngPath = path.join(dir, 'compare.png');
    await donald(['compare', '--models', models, PRONOUN_A, '--out', pngPath]);
    const png = await readFile(pngPath);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(20_000);
    // IHDR: at least the SVG's own size (the PNG may be rendered at a higher scale).
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(numberAttr(root, 'width'));
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(numberAttr(root, 'height'));
  });

  it('pair with equal lengths: A, B and the difference, the swapped token outlined', async () => {
    const out = path.join(dir, 'pronoun.svg');
    const { stdout } = await donald(['pair', '--model', tinyBert, PRONOUN_A, PRONOUN_B, '--out', out]);
    const root = parseXml(await readFile(out, 'utf8'));
    const nested = panels(root);
    const titles = nested.map(panelTitle);
    const tokens = Number(/^A \(4 layers x (\d+) tokens\)$/.exec(titles[0])?.[1]);
    expect(titles).toEqual([`A (4 layers x ${tokens} tokens)`, `B (4 layers x ${tokens} tokens)`, 'Difference B \u2212 A']);
    expect(byClass(nested[2], 'differing-token')).toHaveLength(1);
    expect(texts(nested[2], 'note').join(' ')).toMatch(new RegExp(`^same length \\(${tokens} tokens\\): aligned position by position; differing \\(outlined\\): \\d+ "he"\u2192"she"$`));
    expect(byClass(nested[2], 'difference-cell')).toHaveLength(4 * tokens);
    expect(byClass(nested[2], 'utilisation-bar')).toHaveLength(4);
    expect(texts(root, 'note')).toEqual(expect.arrayContaining([`A: "${PRONOUN_A}"`, `B: "${PRONOUN_B}"`]));
    expect(stdout).toMatch(/Layer\s+A\s+B\s+B - A/);
    expect(stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\.\d\d %\s+\d+\.\d\d %\s+[+-]\d+\.\d\d pp$/.test(l))).toHaveLength(4);
  });

  it('pair with unequal lengths: aligned by token text, stated in the figure and on stderr', async () => {
    const out = path.join(dir, 'bucket.png');
    const svgOut = path.join(dir, 'bucket.svg');
    const { stderr } = await donald(['minimal-pair', '--model', tinyBert, BUCKET_A, BUCKET_B, '--out', svgOut]);
    const statement = /lengths differ \((\d+) vs (\d+) tokens\): anisotropy difference shown for the (\d+) tokens matched by token text; unmatched: A none; B .*"red".*"across".*"yard"/;
    expect(stderr).toMatch(statement);
    const root = parseXml(await readFile(svgOut, 'utf8'));
    const difference = panels(root)[2];
    const note = texts(difference, 'note').join(' ');
    expect(note).toMatch(statement);
    const matched = Number(statement.exec(note)?.[3]);
    expect(byClass(difference, 'difference-cell')).toHaveLength(4 * matched);
    expect(byClass(difference, 'differing-token')).toHaveLength(0);

    await donald(['pair', '--model', tinyBert, BUCKET_A, BUCKET_B, '--out', out]);
    const png = await readFile(out);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
  });

  it('refuses a missing model in --models (naming it), a single model, and a picture that is neither .svg nor .png', async () => {
    const missing = path.join(dir, 'no-such-model');
    const noModel = await failure(['compare', '--models', `${tinyBert},${missing}`, 'Hello there.', '--out', path.join(dir, 'x.svg')]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr.trim().split('\n')).toEqual([`donald: --models: ${missing} (model 2 of 2) is not a folder; give a model folder (config.json, tokenizer.json, model.onnx) for each name`]);

    const single = await failure(['compare', '--models', tinyBert, 'Hello there.']);
    expect(single.code).toBe(2);
    expect(single.stderr).toMatch(/^donald: --models .*: compare needs at least 2 model folders/);

    const badOut = await failure(['pair', '--model', tinyBert, 'A cat.', 'A dog.', '--out', path.join(dir, 'x.pdf')]);
    expect(badOut.code).toBe(2);
    expect(badOut.stderr).toContain('must end in .svg or .png');
  });
});
