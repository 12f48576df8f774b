import type { Matrix } from './matrix.ts';

export type Normalisation = 'row' | 'column' | 'global' | 'none';

/** DTI parameters of SPEC §2-4; sigma pairs are [layers, tokens]. */
export interface DtiParams {
  readonly normalise: Normalisation;
  readonly sigmaGrad: readonly [number, number];
  readonly sigmaTensor: readonly [number, number];
  readonly eps: number;
}

export const DEFAULT_DTI_PARAMS: DtiParams = {
  normalise: 'row',
  sigmaGrad: [1, 1],
  sigmaTensor: [1, 1],
  eps: 1e-8,
};

/** Every field of SPEC §8 for one sentence; matrices are [layers, tokens]. */
export interface DtiFields {
  readonly matrix: Matrix;
  readonly jxx: Matrix;
  readonly jxy: Matrix;
  readonly jyy: Matrix;
  readonly lambda1: Matrix;
  readonly lambda2: Matrix;
  readonly angle: Matrix;
  readonly anisotropy: Matrix;
  /** U_l per layer, a fraction in [0, 1]. */
  readonly utilisation: Float64Array;
}
