import { zeros, type Matrix } from './matrix.ts';

/** Eigen-decomposition of one symmetric 2x2 tensor [[a, b], [b, c]]. */
export interface Eigen2x2 {
  /** The larger eigenvalue. */
  readonly lambda1: number;
  readonly lambda2: number;
  /** Principal direction in (-pi/2, pi/2]: 0 along tokens, +-pi/2 along layers. */
  readonly angle: number;
}

/** Eigenvalue fields over a [layers, tokens] grid, matching Eigen2x2 cell by cell. */
export interface EigenFields {
  readonly lambda1: Matrix;
  readonly lambda2: Matrix;
  readonly angle: Matrix;
}

/** Eq. 11 closed form (SPEC §6): lambda1,2 = (a+c)/2 +- sqrt(((a-c)/2)^2 + b^2). */
export function eigen2x2(a: number, b: number, c: number): Eigen2x2 {
  const mean = (a + c) / 2;
  const radius = eigenRadius(a, b, c);
  return { lambda1: mean + radius, lambda2: mean - radius, angle: principalAngle(a, b, c) };
}

/**
 * SPEC §6: theta = 0.5 * atan2(2b, a - c), mapped into (-pi/2, pi/2]. atan2 can return -pi
 * (b = -0 with a < c), which would give -pi/2; that is the same axis as +pi/2.
 */
export function principalAngle(a: number, b: number, c: number): number {
  const theta = 0.5 * Math.atan2(2 * b, a - c);
  return theta <= -Math.PI / 2 ? theta + Math.PI : theta;
}

/**
 * Eq. 9 + eq. 11 over whole fields: decomposes T = [[Jxx+eps, Jxy], [Jxy, Jyy+eps]] per cell.
 * Flat loops without per-cell objects, since corpora hold many sentences.
 */
export function eigenFields(jxx: Matrix, jxy: Matrix, jyy: Matrix, eps: number): EigenFields {
  const lambda1 = zeros(jxx.rows, jxx.cols);
  const lambda2 = zeros(jxx.rows, jxx.cols);
  const angle = zeros(jxx.rows, jxx.cols);
  for (let i = 0; i < jxx.data.length; i++) {
    const a = jxx.data[i] + eps;
    const b = jxy.data[i];
    const c = jyy.data[i] + eps;
    const mean = (a + c) / 2;
    const radius = eigenRadius(a, b, c);
    lambda1.data[i] = mean + radius;
    lambda2.data[i] = mean - radius;
    angle.data[i] = principalAngle(a, b, c);
  }
  return { lambda1, lambda2, angle };
}

function eigenRadius(a: number, b: number, c: number): number {
  const halfDiff = (a - c) / 2;
  return Math.sqrt(halfDiff * halfDiff + b * b);
}
