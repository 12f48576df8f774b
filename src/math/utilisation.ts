import { zeros, type Matrix } from './matrix.ts';

/**
 * Eq. 10 (SPEC §5) for one cell: u = Jxx / (Jxx + Jyy + eps) on the smoothed moments (no
 * diagonal eps), the share of local change that runs along the token axis.
 */
export function utilisationAt(jxx: number, jyy: number, eps: number): number {
  return jxx / (jxx + jyy + eps);
}

/** u[l, t] of eq. 10 over the whole grid. */
export function utilisationField(jxx: Matrix, jyy: Matrix, eps: number): Matrix {
  const out = zeros(jxx.rows, jxx.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = utilisationAt(jxx.data[i], jyy.data[i], eps);
  return out;
}

/** U_l = mean over tokens of u[l, t] (SPEC §5); low U_l marks a pruning candidate. */
export function utilisationByLayer(jxx: Matrix, jyy: Matrix, eps: number): Float64Array {
  const out = new Float64Array(jxx.rows);
  for (let r = 0; r < jxx.rows; r++) {
    let sum = 0;
    for (let c = 0, i = r * jxx.cols; c < jxx.cols; c++, i++) sum += utilisationAt(jxx.data[i], jyy.data[i], eps);
    out[r] = sum / jxx.cols;
  }
  return out;
}
