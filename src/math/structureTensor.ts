import { gaussianFilter } from './gaussianFilter.ts';
import { zeros, type Matrix } from './matrix.ts';

/** Smoothed second-moment components of the structure tensor, each [layers, tokens]. */
export interface StructureTensor {
  readonly jxx: Matrix;
  readonly jxy: Matrix;
  readonly jyy: Matrix;
}

/**
 * Eqs. 5-8: raw moments gx*gx, gx*gy, gy*gy of the (already smoothed) gradients, each smoothed
 * with `sigmaTensor` ([layers, tokens]). The diagonal eps of eq. 9 is added only at
 * decomposition, so these stay the plain smoothed moments that utilisation (eq. 10) uses.
 */
export function structureTensor(gx: Matrix, gy: Matrix, sigmaTensor: readonly [number, number]): StructureTensor {
  if (gx.rows !== gy.rows || gx.cols !== gy.cols) {
    throw new RangeError(`gradient shapes differ: ${gx.rows}x${gx.cols} vs ${gy.rows}x${gy.cols}`);
  }
  const xx = zeros(gx.rows, gx.cols);
  const xy = zeros(gx.rows, gx.cols);
  const yy = zeros(gx.rows, gx.cols);
  for (let i = 0; i < gx.data.length; i++) {
    const x = gx.data[i];
    const y = gy.data[i];
    xx.data[i] = x * x;
    xy.data[i] = x * y;
    yy.data[i] = y * y;
  }
  return {
    jxx: gaussianFilter(xx, sigmaTensor),
    jxy: gaussianFilter(xy, sigmaTensor),
    jyy: gaussianFilter(yy, sigmaTensor),
  };
}
