import type { DtiFields } from '../math/dtiTypes.ts';
import type { Matrix } from '../math/matrix.ts';

/** What the picture draws for one (layer, token) cell. */
export interface FlowCell {
  readonly theta: number;
  /** In [0, 1]; the tile's fill opacity. */
  readonly anisotropy: number;
  readonly lambda1: number;
  readonly lambda2: number;
}

function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/**
 * The drawn values of one cell. A non-finite entry (which the math should never produce) is drawn
 * as "no flow" so one bad cell cannot break the whole SVG; tiny negative eigenvalues from
 * rounding are clamped to 0 because an ellipse axis cannot be negative.
 */
export function flowCell(fields: DtiFields, row: number, col: number): FlowCell {
  const i = row * fields.angle.cols + col;
  return {
    theta: finiteOrZero(fields.angle.data[i]),
    anisotropy: Math.min(1, Math.max(0, finiteOrZero(fields.anisotropy.data[i]))),
    lambda1: Math.max(0, finiteOrZero(fields.lambda1.data[i])),
    lambda2: Math.max(0, finiteOrZero(fields.lambda2.data[i])),
  };
}

export function maxFiniteLambda1(fields: DtiFields): number {
  let max = 0;
  for (const v of fields.lambda1.data) if (Number.isFinite(v) && v > max) max = v;
  return max;
}

/** The four drawn fields must share one [layers, tokens] shape with at least one cell. */
export function checkFlowShape(fields: DtiFields): { layers: number; tokens: number } {
  const { rows, cols } = fields.angle;
  const named: [string, Matrix][] = [
    ['anisotropy', fields.anisotropy],
    ['lambda1', fields.lambda1],
    ['lambda2', fields.lambda2],
  ];
  for (const [name, m] of named) {
    if (m.rows !== rows || m.cols !== cols) {
      throw new RangeError(`flow picture: ${name} is ${m.rows}x${m.cols} but angle is ${rows}x${cols}`);
    }
  }
  if (rows === 0 || cols === 0) throw new RangeError(`flow picture: nothing to draw (${rows} layers x ${cols} tokens)`);
  return { layers: rows, tokens: cols };
}
