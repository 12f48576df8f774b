import { zeros, type Matrix } from './matrix.ts';

/** Eq. 12: A = (lambda1 - lambda2) / (lambda1 + lambda2 + eps), in [0, 1]; 0 is isotropic. */
export function anisotropy(lambda1: number, lambda2: number, eps: number): number {
  return (lambda1 - lambda2) / (lambda1 + lambda2 + eps);
}

/** Eq. 12 per cell of the eigenvalue fields. */
export function anisotropyField(lambda1: Matrix, lambda2: Matrix, eps: number): Matrix {
  const out = zeros(lambda1.rows, lambda1.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = anisotropy(lambda1.data[i], lambda2.data[i], eps);
  return out;
}
