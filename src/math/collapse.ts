import type { HiddenStates } from '../hidden/hiddenStates.ts';
import { zeros, type Matrix } from './matrix.ts';

/**
 * Eq. 1: M[l, t] = (1/H) * sum_h E[l, t, h].
 * Index 0 is dropped when it is the embedding output and embeddings are not wanted (paper §2.1),
 * so row 0 of the result is always the first layer that is kept.
 */
export function collapseHiddenUnits(h: HiddenStates, opts: { includeEmbeddings: boolean }): Matrix {
  const skip = h.includesEmbedding && !opts.includeEmbeddings ? 1 : 0;
  const rows = h.layers - skip;
  if (rows < 1) throw new RangeError(`no layers left after dropping the embedding output (layers=${h.layers})`);
  if (h.data.length !== h.layers * h.tokens * h.hidden) {
    throw new RangeError(`hidden states hold ${h.data.length} values, expected ${h.layers}*${h.tokens}*${h.hidden}`);
  }
  const out = zeros(rows, h.tokens);
  const { hidden, data } = h;
  for (let cell = 0; cell < rows * h.tokens; cell++) {
    const base = (skip * h.tokens + cell) * hidden;
    let sum = 0;
    for (let k = 0; k < hidden; k++) sum += data[base + k];
    out.data[cell] = sum / hidden;
  }
  return out;
}
