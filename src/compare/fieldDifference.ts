import type { Matrix } from '../math/matrix.ts';
import type { TokenAlignment } from './tokenAlignment.ts';

/**
 * B − A for a minimal pair run through one model. Pure arithmetic on fields already computed;
 * the sign convention (B minus A) is the one every label of the figure states.
 */

/** ΔU_l = U_l(B) − U_l(A) per layer; both sentences went through the same layers. */
export function utilisationDifference(a: Float64Array, b: Float64Array): Float64Array {
  if (a.length !== b.length) throw new RangeError(`utilisation difference: ${a.length} layers in A but ${b.length} in B`);
  return b.map((value, layer) => value - a[layer]);
}

/**
 * ΔA[l, k] = A_B[l, pair k's b] − A_A[l, pair k's a]: one column per aligned pair, so tokens
 * left out of the alignment have no column at all rather than a made-up one.
 */
export function anisotropyDifference(a: Matrix, b: Matrix, alignment: TokenAlignment): Matrix {
  if (a.rows !== b.rows) throw new RangeError(`anisotropy difference: ${a.rows} layers in A but ${b.rows} in B`);
  const cols = alignment.pairs.length;
  const data = new Float64Array(a.rows * cols);
  alignment.pairs.forEach((pair, k) => {
    if (pair.a >= a.cols || pair.b >= b.cols) throw new RangeError(`anisotropy difference: pair (${pair.a}, ${pair.b}) outside ${a.cols} x ${b.cols} tokens`);
    for (let row = 0; row < a.rows; row++) data[row * cols + k] = b.data[row * b.cols + pair.b] - a.data[row * a.cols + pair.a];
  });
  return { rows: a.rows, cols, data };
}

/** The half-width of a colour or bar scale centred on zero: the largest |value|, 0 for none. */
export function symmetricRange(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`difference ${v} at index ${i} is not finite`);
    max = Math.max(max, Math.abs(v));
  }
  return max;
}
