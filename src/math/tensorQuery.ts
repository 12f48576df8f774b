import { anisotropy } from './anisotropy.ts';
import type { DtiFields } from './dtiTypes.ts';
import { eigen2x2 } from './eigen.ts';
import type { Matrix } from './matrix.ts';

/** The tensor and its decomposition at one real-valued (layer, token) position. */
export interface TensorAtPoint {
  /** Interpolated smoothed moments, without the diagonal eps. */
  readonly jxx: number;
  readonly jxy: number;
  readonly jyy: number;
  readonly lambda1: number;
  readonly lambda2: number;
  readonly angle: number;
  readonly anisotropy: number;
}

/**
 * Paper §2.3 continuous query: bilinear interpolation of Jxx, Jxy, Jyy at a 0-based real
 * (layer, token) position clamped to the grid, then eq. 9/11/12 on the result. Angles are
 * never interpolated, being pi-periodic (SPEC §6).
 */
export function queryTensorAt(
  fields: Pick<DtiFields, 'jxx' | 'jxy' | 'jyy'>,
  layer: number,
  token: number,
  eps: number,
): TensorAtPoint {
  const { jxx: grid } = fields;
  if (grid.rows < 1 || grid.cols < 1) throw new RangeError('cannot query an empty grid');
  if (!Number.isFinite(layer) || !Number.isFinite(token)) {
    throw new RangeError(`query position must be finite, got (${layer}, ${token})`);
  }
  const y = clamp(layer, 0, grid.rows - 1);
  const x = clamp(token, 0, grid.cols - 1);
  const jxx = bilinear(fields.jxx, y, x);
  const jxy = bilinear(fields.jxy, y, x);
  const jyy = bilinear(fields.jyy, y, x);
  const { lambda1, lambda2, angle } = eigen2x2(jxx + eps, jxy, jyy + eps);
  return { jxx, jxy, jyy, lambda1, lambda2, angle, anisotropy: anisotropy(lambda1, lambda2, eps) };
}

/** Bilinear interpolation at an in-grid real (row y, column x). */
function bilinear(m: Matrix, y: number, x: number): number {
  const r0 = Math.floor(y);
  const c0 = Math.floor(x);
  const r1 = Math.min(r0 + 1, m.rows - 1);
  const c1 = Math.min(c0 + 1, m.cols - 1);
  const fy = y - r0;
  const fx = x - c0;
  const top = m.data[r0 * m.cols + c0] * (1 - fx) + m.data[r0 * m.cols + c1] * fx;
  const bottom = m.data[r1 * m.cols + c0] * (1 - fx) + m.data[r1 * m.cols + c1] * fx;
  return top * (1 - fy) + bottom * fy;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
