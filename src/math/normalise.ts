import type { Normalisation } from './dtiTypes.ts';
import { zeros, type Matrix } from './matrix.ts';

/**
 * Eq. 2: min-max normalisation per layer (`row`, the paper's default), per token (`column`),
 * over the whole matrix (`global`), or not at all (`none`). A constant group (max == min)
 * becomes zeros rather than 0/0 = NaN (SPEC §2).
 */
export function normalise(m: Matrix, mode: Normalisation): Matrix {
  const out = zeros(m.rows, m.cols);
  switch (mode) {
    case 'none':
      out.data.set(m.data);
      break;
    case 'row':
      for (let r = 0; r < m.rows; r++) minMaxInto(m.data, out.data, r * m.cols, 1, m.cols);
      break;
    case 'column':
      for (let c = 0; c < m.cols; c++) minMaxInto(m.data, out.data, c, m.cols, m.rows);
      break;
    case 'global':
      minMaxInto(m.data, out.data, 0, 1, m.data.length);
      break;
    default: {
      const unknown: never = mode;
      throw new RangeError(`unknown normalisation ${String(unknown)}`);
    }
  }
  return out;
}

/** Min-max scales the strided group (start, start+stride, ... count values) of `src` into `dst`. */
function minMaxInto(src: Float64Array, dst: Float64Array, start: number, stride: number, count: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0, k = start; i < count; i++, k += stride) {
    const v = src[k];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  // Constant group: leave dst at its zeros.
  if (!(range > 0)) return;
  for (let i = 0, k = start; i < count; i++, k += stride) dst[k] = (src[k] - min) / range;
}
