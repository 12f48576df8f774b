import { zeros, type Matrix } from './matrix.ts';

/**
 * Eqs. 3-4 with numpy.gradient semantics (unit spacing, edge_order 1): central differences
 * inside, one-sided differences at both edges, 0 along an axis of length 1.
 * `gx` runs along tokens (columns, within a layer), `gy` along layers (rows, within a token).
 */
export function gradient(m: Matrix): { gx: Matrix; gy: Matrix } {
  const gx = zeros(m.rows, m.cols);
  const gy = zeros(m.rows, m.cols);
  for (let r = 0; r < m.rows; r++) differentiateAxis(m.data, gx.data, r * m.cols, 1, m.cols);
  for (let c = 0; c < m.cols; c++) differentiateAxis(m.data, gy.data, c, m.cols, m.rows);
  return { gx, gy };
}

/** numpy.gradient along one strided line of `count` values. */
function differentiateAxis(src: Float64Array, dst: Float64Array, start: number, stride: number, count: number): void {
  // numpy itself refuses length 1; SPEC §3 defines it as no change, and dst is already zero.
  if (count < 2) return;
  const last = start + (count - 1) * stride;
  dst[start] = src[start + stride] - src[start];
  dst[last] = src[last] - src[last - stride];
  for (let i = 1, k = start + stride; i < count - 1; i++, k += stride) {
    dst[k] = (src[k + stride] - src[k - stride]) / 2;
  }
}
