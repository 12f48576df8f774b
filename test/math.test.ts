import { describe, expect, it } from 'vitest';
import type { HiddenStates } from '../src/hidden/hiddenStates.ts';
import { anisotropy, anisotropyField } from '../src/math/anisotropy.ts';
import { collapseHiddenUnits } from '../src/math/collapse.ts';
import { eigen2x2, eigenFields, principalAngle } from '../src/math/eigen.ts';
import { gaussianFilter, gaussianKernel1d } from '../src/math/gaussianFilter.ts';
import { gradient } from '../src/math/gradient.ts';
import { fromRows, toRows, zeros } from '../src/math/matrix.ts';
import { normalise } from '../src/math/normalise.ts';
import { structureTensor } from '../src/math/structureTensor.ts';
import { utilisationByLayer, utilisationField } from '../src/math/utilisation.ts';

function expectRowsClose(actual: number[][], expected: number[][], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, r) => {
    expect(row.length).toBe(expected[r].length);
    row.forEach((v, c) => expect(Math.abs(v - expected[r][c]), `[${r}, ${c}]: ${v} vs ${expected[r][c]}`).toBeLessThanOrEqual(tol));
  });
}

describe('collapseHiddenUnits (eq. 1)', () => {
  // 3 layers x 2 tokens x 2 hidden units; index 0 plays the embedding output.
  const h: HiddenStates = {
    layers: 3,
    tokens: 2,
    hidden: 2,
    data: Float32Array.from([1, 3, 10, 20, /* layer 1 */ 2, 4, -1, 1, /* layer 2 */ 0.5, 0.5, 7, 9]),
    includesEmbedding: true,
  };

  it('averages the hidden units and drops the embedding output by default', () => {
    expect(toRows(collapseHiddenUnits(h, { includeEmbeddings: false }))).toEqual([
      [3, 0],
      [0.5, 8],
    ]);
  });

  it('keeps index 0 when embeddings are asked for', () => {
    expect(toRows(collapseHiddenUnits(h, { includeEmbeddings: true }))).toEqual([
      [2, 15],
      [3, 0],
      [0.5, 8],
    ]);
  });

  it('keeps every layer when index 0 is already a block output', () => {
    expect(collapseHiddenUnits({ ...h, includesEmbedding: false }, { includeEmbeddings: false }).rows).toBe(3);
  });

  it('rejects data that does not match the declared shape', () => {
    expect(() => collapseHiddenUnits({ ...h, hidden: 3 }, { includeEmbeddings: true })).toThrow(RangeError);
  });
});

describe('normalise (eq. 2)', () => {
  const m = fromRows([
    [1, 3, 2],
    [4, 4, 4],
    [0, 8, 6],
  ]);

  it('row: min-max per layer, a constant layer becomes zeros', () => {
    expect(toRows(normalise(m, 'row'))).toEqual([
      [0, 1, 0.5],
      [0, 0, 0],
      [0, 1, 0.75],
    ]);
  });

  it('column: min-max per token over layers', () => {
    expectRowsClose(toRows(normalise(m, 'column')), [
      [0.25, 0, 0],
      [1, 0.2, 0.5],
      [0, 1, 1],
    ]);
  });

  it('global: min-max over the whole matrix', () => {
    expect(toRows(normalise(m, 'global'))).toEqual([
      [1 / 8, 3 / 8, 2 / 8],
      [4 / 8, 4 / 8, 4 / 8],
      [0, 1, 6 / 8],
    ]);
  });

  it('none: an unchanged copy', () => {
    const out = normalise(m, 'none');
    expect(toRows(out)).toEqual(toRows(m));
    expect(out.data).not.toBe(m.data);
  });

  it('a constant matrix becomes zeros in every mode, never NaN', () => {
    const constant = fromRows([
      [5, 5],
      [5, 5],
    ]);
    for (const mode of ['row', 'column', 'global'] as const) {
      expect(toRows(normalise(constant, mode))).toEqual([
        [0, 0],
        [0, 0],
      ]);
    }
  });
});

describe('gradient (eqs. 3-4, numpy.gradient)', () => {
  it('central inside, one-sided at the edges; length-2 axis is one-sided at both ends', () => {
    // numpy.gradient([[1, 4, 9], [2, 2, 2]]) -> axis 0 [[1,-2,-7],[1,-2,-7]], axis 1 [[3,4,5],[0,0,0]]
    const { gx, gy } = gradient(
      fromRows([
        [1, 4, 9],
        [2, 2, 2],
      ]),
    );
    expect(toRows(gx)).toEqual([
      [3, 4, 5],
      [0, 0, 0],
    ]);
    expect(toRows(gy)).toEqual([
      [1, -2, -7],
      [1, -2, -7],
    ]);
  });

  it('uses (f[i+1] - f[i-1]) / 2 inside a longer axis', () => {
    const { gx } = gradient(fromRows([[0, 1, 4, 9, 16]]));
    expect(toRows(gx)).toEqual([[1, 2, 4, 6, 7]]);
  });

  it('gives 0 along an axis of length 1', () => {
    const single = gradient(fromRows([[2], [5], [11]]));
    expect(toRows(single.gx)).toEqual([[0], [0], [0]]);
    expect(toRows(single.gy)).toEqual([[3], [4.5], [6]]);
    const oneLayer = gradient(fromRows([[1, 2, 4]]));
    expect(toRows(oneLayer.gy)).toEqual([[0, 0, 0]]);
  });
});

describe('gaussianKernel1d / gaussianFilter (scipy.ndimage.gaussian_filter, mode nearest)', () => {
  const w = (sigma: number, x: number): number => Math.exp(-(x * x) / (2 * sigma * sigma));

  it('builds the normalised kernel with radius floor(4 sigma + 0.5)', () => {
    const k = gaussianKernel1d(0.5); // radius 2
    const raw = [w(0.5, -2), w(0.5, -1), 1, w(0.5, 1), w(0.5, 2)];
    const sum = raw.reduce((s, v) => s + v, 0);
    expect(Array.from(k)).toHaveLength(5);
    Array.from(k).forEach((v, i) => expect(v).toBeCloseTo(raw[i] / sum, 15));
    expect(gaussianKernel1d(1)).toHaveLength(9); // radius 4
    expect(gaussianKernel1d(0.3)).toHaveLength(3); // floor(1.7) = 1
    expect(Array.from(gaussianKernel1d(0.1))).toEqual([1]); // floor(0.9) = 0
    expect(Array.from(gaussianKernel1d(0))).toEqual([1]);
  });

  it('repeats the edge value beyond the boundary (nearest)', () => {
    // Index 0 sees positions -4..4, of which -4..0 are the edge value 1.
    let all = 0;
    let left = 0;
    for (let x = -4; x <= 4; x++) {
      all += w(1, x);
      if (x <= 0) left += w(1, x);
    }
    const out = gaussianFilter(fromRows([[1, 0, 0, 0, 0]]), [0, 1]);
    expect(out.data[0]).toBeCloseTo(left / all, 15);
    expect(out.data[4]).toBeCloseTo(w(1, 4) / all, 15);
  });

  const a = fromRows([
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [0, 0, 9, 1],
  ]);
  // scipy 1.17 gaussian_filter(a, sigma, mode='nearest') for each sigma = (layers, tokens).
  const scipyValues: [readonly [number, number], number[][]][] = [
    [[1, 0.5], [
      [2.0101822041428847, 2.907136776297694, 4.212747500753901, 4.741353040510607],
      [2.370787740807259, 3.28290440445388, 5.853555902285953, 4.875213070825719],
      [1.3022252071272373, 2.239339933524712, 6.895691062724513, 3.432810397792003],
    ]],
    [[0, 1], [
      [1.3636507772319475, 2.0585568196653505, 2.94144318033465, 3.636349222768053],
      [5.363650777231948, 6.058556819665351, 6.94144318033465, 7.636349222768053],
      [0.49048583903098564, 2.2362998305747572, 3.891019489526831, 2.8772147455874553],
    ]],
    [[1, 0], [
      [1.9093289629610526, 2.850772143295702, 4.319226700618506, 4.792215323630352],
      [2.2952456121024403, 2.9947173467804884, 6.398943469356098, 4.694189081458537],
      [1.2684140479483539, 1.5689423132703053, 8.164716190694696, 2.8694705785922565],
    ]],
    [[0.5, 2], [
      [2.1533907818473637, 2.6499203221224743, 3.2014230660116736, 3.6977869261230585],
      [4.816855331399804, 5.326150875684481, 5.86013603732615, 6.3024257528895475],
      [1.6750865160175126, 2.2787107800880415, 2.6832575437850803, 2.7259903717817195],
    ]],
  ];
  for (const [sigma, expected] of scipyValues) {
    it(`matches scipy for sigma ${sigma.join(', ')}`, () => {
      expectRowsClose(toRows(gaussianFilter(a, sigma)), expected, 1e-12);
    });
  }

  it('sigma 0 on both axes is the identity, and the input is not modified', () => {
    const before = toRows(a);
    expect(toRows(gaussianFilter(a, [0, 0]))).toEqual(before);
    gaussianFilter(a, [1, 1]);
    expect(toRows(a)).toEqual(before);
  });
});

describe('structureTensor (eqs. 5-8)', () => {
  it('with no smoothing, holds the raw moments gx*gx, gx*gy, gy*gy', () => {
    const gx = fromRows([[1, -2], [0, 3]]);
    const gy = fromRows([[4, 1], [5, -1]]);
    const { jxx, jxy, jyy } = structureTensor(gx, gy, [0, 0]);
    expect(toRows(jxx)).toEqual([[1, 4], [0, 9]]);
    expect(toRows(jxy)).toEqual([[4, -2], [0, -3]]);
    expect(toRows(jyy)).toEqual([[16, 1], [25, 1]]);
  });

  it('smooths each moment with sigmaTensor', () => {
    const gx = fromRows([[1, 2, 3, 4], [5, 6, 7, 8], [0, 0, 9, 1]]);
    const gy = fromRows([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]);
    const { jxy } = structureTensor(gx, gy, [1, 0.5]);
    expect(toRows(jxy)).toEqual(toRows(gaussianFilter(gx, [1, 0.5])));
  });

  it('rejects gradients of different shapes', () => {
    expect(() => structureTensor(zeros(2, 2), zeros(2, 3), [1, 1])).toThrow(RangeError);
  });
});

describe('eigen2x2 (eq. 11, SPEC §6)', () => {
  it('diagonal tensors: eigenvalues are the diagonal, angle 0 along tokens or pi/2 along layers', () => {
    expect(eigen2x2(3, 0, 1)).toEqual({ lambda1: 3, lambda2: 1, angle: 0 });
    expect(eigen2x2(1, 0, 3)).toEqual({ lambda1: 3, lambda2: 1, angle: Math.PI / 2 });
  });

  it('off-diagonal tensors: [[2,1],[1,2]] -> 3, 1 at pi/4; [[2,-1],[-1,2]] at -pi/4', () => {
    const up = eigen2x2(2, 1, 2);
    expect(up.lambda1).toBeCloseTo(3, 14);
    expect(up.lambda2).toBeCloseTo(1, 14);
    expect(up.angle).toBeCloseTo(Math.PI / 4, 14);
    expect(eigen2x2(2, -1, 2).angle).toBeCloseTo(-Math.PI / 4, 14);
  });

  it('maps the -pi/2 that atan2(-0, negative) gives onto +pi/2', () => {
    expect(principalAngle(1, -0, 3)).toBe(Math.PI / 2);
    expect(principalAngle(1, 0, 3)).toBe(Math.PI / 2);
  });

  it('returns angles in (-pi/2, pi/2] whose direction is the lambda1 eigenvector', () => {
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 500; i++) {
      const a = next() * 4;
      const c = next() * 4;
      const b = (next() - 0.5) * 4;
      const { lambda1, lambda2, angle } = eigen2x2(a, b, c);
      expect(angle).toBeGreaterThan(-Math.PI / 2);
      expect(angle).toBeLessThanOrEqual(Math.PI / 2);
      expect(lambda1).toBeGreaterThanOrEqual(lambda2);
      // T v = lambda1 v for v = (cos, sin) in (token, layer) coordinates.
      const vx = Math.cos(angle);
      const vy = Math.sin(angle);
      expect(a * vx + b * vy).toBeCloseTo(lambda1 * vx, 10);
      expect(b * vx + c * vy).toBeCloseTo(lambda1 * vy, 10);
    }
  });

  it('eigenFields adds eps on the diagonal (eq. 9) and agrees with eigen2x2 per cell', () => {
    const eps = 1e-3;
    const jxx = fromRows([[0, 2], [1, 0.5]]);
    const jxy = fromRows([[0, 1], [-0.25, 0]]);
    const jyy = fromRows([[0, 2], [3, 0.1]]);
    const f = eigenFields(jxx, jxy, jyy, eps);
    expect(f.lambda1.data[0]).toBe(eps);
    expect(f.lambda2.data[0]).toBe(eps);
    expect(f.angle.data[0]).toBe(0);
    for (let i = 0; i < 4; i++) {
      const e = eigen2x2(jxx.data[i] + eps, jxy.data[i], jyy.data[i] + eps);
      expect([f.lambda1.data[i], f.lambda2.data[i], f.angle.data[i]]).toEqual([e.lambda1, e.lambda2, e.angle]);
    }
  });
});

describe('anisotropy (eq. 12) and utilisation (eq. 10)', () => {
  it('anisotropy is (l1 - l2) / (l1 + l2 + eps)', () => {
    expect(anisotropy(3, 1, 0)).toBe(0.5);
    expect(anisotropy(2, 2, 1e-8)).toBe(0);
    expect(anisotropy(1, 0, 0)).toBe(1);
    expect(anisotropy(0, 0, 1e-8)).toBe(0);
    expect(toRows(anisotropyField(fromRows([[3, 1]]), fromRows([[1, 0]]), 0))).toEqual([[0.5, 1]]);
  });

  it('u = Jxx / (Jxx + Jyy + eps) per cell and U_l is its mean over tokens', () => {
    const jxx = fromRows([[3, 0, 1], [0, 0, 2]]);
    const jyy = fromRows([[1, 2, 1], [0, 5, 6]]);
    // With eps 0 the all-zero cell is 0/0; that is what eps is for.
    expect(toRows(utilisationField(jxx, jyy, 0))).toEqual([[0.75, 0, 0.5], [NaN, 0, 0.25]]);
    const u = utilisationByLayer(jxx, jyy, 1e-8);
    expect(u[0]).toBeCloseTo((0.75 + 0 + 0.5) / 3, 7);
    expect(u[1]).toBeCloseTo((0 + 0 + 0.25) / 3, 7);
    expect(Number.isNaN(u[1])).toBe(false); // eps keeps 0/0 away
  });
});
