import type { HiddenStates } from './hiddenStates.ts';
import { axisSizes, type Layout } from './layout.ts';
import type { NumericTensor } from './numericTensor.ts';

export type CanonicalHidden = Omit<HiddenStates, 'includesEmbedding'>;

/**
 * Reorders `tensor` (already checked to fit `layout`) into [layers, tokens, hidden] for one
 * sentence of the batch. LTD and BLTD need no copy; the others copy one hidden vector at a time.
 */
export function toCanonical(tensor: NumericTensor, layout: Layout, batchIndex: number): CanonicalHidden {
  const { batch, layers, tokens, hidden } = axisSizes(tensor.shape, layout);
  const src = tensor.data;
  const size = layers * tokens * hidden;
  switch (layout) {
    case 'LTD':
      return { layers, tokens, hidden, data: src };
    case 'BLTD':
      return { layers, tokens, hidden, data: src.subarray(batchIndex * size, (batchIndex + 1) * size) };
    case 'TLD':
    case 'LBTD': {
      const out = src instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
      for (let l = 0; l < layers; l++) {
        for (let t = 0; t < tokens; t++) {
          const from = layout === 'TLD' ? (t * layers + l) * hidden : ((l * batch + batchIndex) * tokens + t) * hidden;
          out.set(src.subarray(from, from + hidden), (l * tokens + t) * hidden);
        }
      }
      return { layers, tokens, hidden, data: out };
    }
    default: {
      const unknown: never = layout;
      throw new RangeError(`unknown layout ${String(unknown)}`);
    }
  }
}
