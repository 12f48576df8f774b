import type { HiddenStates } from '../hidden/hiddenStates.ts';
import { anisotropyField } from './anisotropy.ts';
import { collapseHiddenUnits } from './collapse.ts';
import type { DtiFields, DtiParams } from './dtiTypes.ts';
import { eigenFields } from './eigen.ts';
import { gaussianFilter } from './gaussianFilter.ts';
import { gradient } from './gradient.ts';
import type { Matrix } from './matrix.ts';
import { normalise } from './normalise.ts';
import { structureTensor } from './structureTensor.ts';
import { utilisationByLayer } from './utilisation.ts';

/** The whole pipeline of SPEC §1-6 for one sentence's hidden states. */
export function dtiFields(h: HiddenStates, params: DtiParams, opts: { includeEmbeddings: boolean }): DtiFields {
  return dtiFieldsFromMatrix(collapseHiddenUnits(h, opts), params);
}

/** SPEC §2-6 from an already collapsed [layers, tokens] matrix (eq. 1 done). */
export function dtiFieldsFromMatrix(collapsed: Matrix, params: DtiParams): DtiFields {
  const matrix = normalise(collapsed, params.normalise); // eq. 2
  const raw = gradient(matrix); // eqs. 3-4
  const gx = gaussianFilter(raw.gx, params.sigmaGrad);
  const gy = gaussianFilter(raw.gy, params.sigmaGrad);
  const { jxx, jxy, jyy } = structureTensor(gx, gy, params.sigmaTensor); // eqs. 5-8
  const { lambda1, lambda2, angle } = eigenFields(jxx, jxy, jyy, params.eps); // eqs. 9, 11
  return {
    matrix,
    jxx,
    jxy,
    jyy,
    lambda1,
    lambda2,
    angle,
    anisotropy: anisotropyField(lambda1, lambda2, params.eps), // eq. 12
    utilisation: utilisationByLayer(jxx, jyy, params.eps), // eq. 10
  };
}
