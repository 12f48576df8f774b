import type { DtiFields } from '../math/dtiTypes.ts';
import { toRows } from '../math/matrix.ts';

/** SPEC §8 field names; matrices as nested arrays, layers first; `layers` numbers the rows. */
export function dtiFieldsJson(fields: DtiFields, firstLayer: number, labels: readonly string[] | undefined): Record<string, unknown> {
  return {
    layers: Array.from({ length: fields.matrix.rows }, (_, i) => firstLayer + i),
    tokens: fields.matrix.cols,
    ...(labels ? { tokenLabels: labels } : {}),
    utilisation: Array.from(fields.utilisation),
    matrix: toRows(fields.matrix),
    jxx: toRows(fields.jxx),
    jxy: toRows(fields.jxy),
    jyy: toRows(fields.jyy),
    lambda1: toRows(fields.lambda1),
    lambda2: toRows(fields.lambda2),
    angle: toRows(fields.angle),
    anisotropy: toRows(fields.anisotropy),
  };
}
