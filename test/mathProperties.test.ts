import { describe, expect, it } from 'vitest';
import type { HiddenStates } from '../src/hidden/hiddenStates.ts';
import { dtiFields, dtiFieldsFromMatrix } from '../src/math/dti.ts';
import { DEFAULT_DTI_PARAMS, type DtiFields, type DtiParams } from '../src/math/dtiTypes.ts';
import { eigen2x2 } from '../src/math/eigen.ts';
import { fromRows, toRows, zeros, type Matrix } from '../src/math/matrix.ts';
import { queryTensorAt } from '../src/math/tensorQuery.ts';
import { utilisationField } from '../src/math/utilisation.ts';

const NONE: DtiParams = { ...DEFAULT_DTI_PARAMS, normalise: 'none' };
const MATRIX_FIELDS = ['matrix', 'jxx', 'jxy', 'jyy', 'lambda1', 'lambda2', 'angle', 'anisotropy'] as const;

function matrixOf(rows: number, cols: number, value: (l: number, t: number) => number): Matrix {
  const m = zeros(rows, cols);
  for (let l = 0; l < rows; l++) for (let t = 0; t < cols; t++) m.data[l * cols + t] = value(l, t);
  return m;
}

function transpose(m: Matrix): Matrix {
  return matrixOf(m.cols, m.rows, (l, t) => m.data[t * m.cols + l]);
}

/** Deterministic irregular values, so no symmetry hides a bug. */
function irregular(rows: number, cols: number): Matrix {
  return matrixOf(rows, cols, (l, t) => Math.sin(1.3 * l + 0.7 * t * t) + 0.4 * Math.cos(2.1 * l * t));
}

function expectAllFinite(f: DtiFields): void {
  for (const field of MATRIX_FIELDS) {
    for (const v of f[field].data) expect(Number.isFinite(v), `${field} holds ${v}`).toBe(true);
  }
  for (const v of f.utilisation) expect(Number.isFinite(v), `utilisation holds ${v}`).toBe(true);
}

describe('DTI fields: direction properties', () => {
  it('change only along tokens -> utilisation ~1, angle ~0, anisotropy ~1', () => {
    const f = dtiFieldsFromMatrix(matrixOf(6, 8, (_l, t) => t * t), NONE);
    for (const u of f.utilisation) expect(u).toBeCloseTo(1, 6);
    for (const a of f.angle.data) expect(Math.abs(a)).toBeLessThan(1e-9);
    for (const a of f.anisotropy.data) expect(a).toBeCloseTo(1, 6);
  });

  it('change only along layers -> utilisation ~0, |angle| ~ pi/2, anisotropy ~1', () => {
    const f = dtiFieldsFromMatrix(matrixOf(7, 5, (l) => Math.exp(l / 3)), NONE);
    for (const u of f.utilisation) expect(u).toBeLessThan(1e-12);
    for (const a of f.angle.data) expect(Math.abs(a)).toBeCloseTo(Math.PI / 2, 9);
    for (const a of f.anisotropy.data) expect(a).toBeCloseTo(1, 6);
  });

  it('transposing roles swaps u and 1 - u, and keeps eigenvalues and anisotropy', () => {
    const m = irregular(5, 9);
    const params: DtiParams = { normalise: 'row', sigmaGrad: [0.7, 1.4], sigmaTensor: [1.2, 0.5], eps: 1e-8 };
    const swapped: DtiParams = { normalise: 'column', sigmaGrad: [1.4, 0.7], sigmaTensor: [0.5, 1.2], eps: 1e-8 };
    const f = dtiFieldsFromMatrix(m, params);
    const g = dtiFieldsFromMatrix(transpose(m), swapped);
    const u = utilisationField(f.jxx, f.jyy, params.eps);
    const uT = transpose(utilisationField(g.jxx, g.jyy, params.eps));
    // u + u' = (Jxx + Jyy) / (Jxx + Jyy + eps): 1 up to the eps that guards 0/0.
    for (let i = 0; i < u.data.length; i++) {
      const total = f.jxx.data[i] + f.jyy.data[i];
      expect(total).toBeGreaterThan(0);
      expect(u.data[i] + uT.data[i]).toBeCloseTo(total / (total + params.eps), 12);
    }
    expect(toRows(transpose(g.lambda1)).flat().map((v, i) => v - f.lambda1.data[i]).every((d) => Math.abs(d) < 1e-12)).toBe(true);
    expect(toRows(transpose(g.anisotropy)).flat().map((v, i) => v - f.anisotropy.data[i]).every((d) => Math.abs(d) < 1e-9)).toBe(true);
  });
});

describe('DTI fields: degenerate input', () => {
  it('a constant matrix yields zero tensors, zero anisotropy and utilisation, and no NaN', () => {
    for (const normalise of ['row', 'column', 'global', 'none'] as const) {
      const f = dtiFieldsFromMatrix(matrixOf(4, 6, () => 0.25), { ...DEFAULT_DTI_PARAMS, normalise });
      expectAllFinite(f);
      for (const field of ['jxx', 'jxy', 'jyy', 'angle', 'anisotropy'] as const) {
        expect(f[field].data.every((v) => v === 0), field).toBe(true);
      }
      expect(f.lambda1.data.every((v) => v === DEFAULT_DTI_PARAMS.eps)).toBe(true);
      expect(Array.from(f.utilisation)).toEqual([0, 0, 0, 0]);
    }
  });

  it('a constant layer normalises to a zero row and keeps every field finite', () => {
    const m = irregular(5, 7);
    m.data.fill(3, 2 * 7, 3 * 7);
    const f = dtiFieldsFromMatrix(m, DEFAULT_DTI_PARAMS);
    expectAllFinite(f);
    expect(toRows(f.matrix)[2]).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('single-layer and single-token inputs stay finite', () => {
    expectAllFinite(dtiFieldsFromMatrix(irregular(1, 6), DEFAULT_DTI_PARAMS));
    expectAllFinite(dtiFieldsFromMatrix(irregular(6, 1), { ...DEFAULT_DTI_PARAMS, normalise: 'column' }));
  });
});

describe('dtiFields from hidden states', () => {
  it('equals dtiFieldsFromMatrix of the collapsed blocks, dropping the embedding output', () => {
    const layers = 4;
    const tokens = 5;
    const hidden = 3;
    const data = new Float64Array(layers * tokens * hidden).map((_, i) => Math.sin(i * 0.37) * (1 + (i % 5)));
    const h: HiddenStates = { layers, tokens, hidden, data, includesEmbedding: true };
    const collapsed = matrixOf(layers - 1, tokens, (l, t) => {
      const base = ((l + 1) * tokens + t) * hidden;
      return (data[base] + data[base + 1] + data[base + 2]) / hidden;
    });
    const viaStates = dtiFields(h, DEFAULT_DTI_PARAMS, { includeEmbeddings: false });
    const viaMatrix = dtiFieldsFromMatrix(collapsed, DEFAULT_DTI_PARAMS);
    expect(viaStates.utilisation).toHaveLength(layers - 1);
    for (let i = 0; i < viaMatrix.angle.data.length; i++) {
      expect(viaStates.anisotropy.data[i]).toBeCloseTo(viaMatrix.anisotropy.data[i], 12);
    }
    expect(dtiFields(h, DEFAULT_DTI_PARAMS, { includeEmbeddings: true }).utilisation).toHaveLength(layers);
  });
});

describe('queryTensorAt (paper §2.3)', () => {
  const eps = 1e-8;
  const f = dtiFieldsFromMatrix(irregular(5, 6), DEFAULT_DTI_PARAMS);

  it('at integer positions equals the decomposition of the grid values', () => {
    for (let l = 0; l < 5; l++) {
      for (let t = 0; t < 6; t++) {
        const i = l * 6 + t;
        const q = queryTensorAt(f, l, t, eps);
        expect(q.jxx).toBe(f.jxx.data[i]);
        expect(q.lambda1).toBeCloseTo(f.lambda1.data[i], 15);
        expect(q.lambda2).toBeCloseTo(f.lambda2.data[i], 15);
        expect(q.angle).toBeCloseTo(f.angle.data[i], 12);
        expect(q.anisotropy).toBeCloseTo(f.anisotropy.data[i], 12);
      }
    }
  });

  it('interpolates the components bilinearly, then decomposes (never averaging angles)', () => {
    const jxx = fromRows([[1, 0], [0, 0]]);
    const jxy = fromRows([[0, 0], [0, 0]]);
    const jyy = fromRows([[0, 0], [0, 1]]);
    // Centre: Jxx = Jyy = 0.25 -> isotropic; averaging the angles 0 and pi/2 would claim pi/4.
    const q = queryTensorAt({ jxx, jxy, jyy }, 0.5, 0.5, 0);
    expect(q.jxx).toBe(0.25);
    expect(q.jyy).toBe(0.25);
    expect(q.anisotropy).toBe(0);
    const quarter = queryTensorAt({ jxx, jxy, jyy }, 0.25, 0.5, eps);
    expect(quarter.jxx).toBeCloseTo(0.375, 15);
    expect(quarter.jyy).toBeCloseTo(0.125, 15);
    expect(quarter).toMatchObject(eigen2x2(0.375 + eps, 0, 0.125 + eps));
  });

  it('clamps positions to the grid', () => {
    expect(queryTensorAt(f, -3, 100, eps)).toEqual(queryTensorAt(f, 0, 5, eps));
    expect(queryTensorAt(f, 9.5, -0.5, eps)).toEqual(queryTensorAt(f, 4, 0, eps));
  });

  it('rejects a non-finite position', () => {
    expect(() => queryTensorAt(f, Number.NaN, 1, eps)).toThrow(RangeError);
  });
});
