import type { HiddenStates } from '../hidden/hiddenStates.ts';

/*
 * Layer-redundancy baselines computed from the same hidden states as DTI, for comparison in the
 * corpus rankings. Both score consecutive pairs (index i, index i+1) of `h`, so they return
 * h.layers - 1 values; entry i belongs to the block whose output is index i + 1:
 *  - h.includesEmbedding: index 0 is the embedding output = h_0, so entry i is block i + 1 and
 *    all L blocks are scored (1..L).
 *  - otherwise: block 1 has no stored input, so entry i is block i + 2 (blocks 2..L only).
 * `firstScoredBlock` gives that block number for entry 0.
 */

/** 1-based block number of entry 0 of blockInfluence / angularDistance for these states. */
export function firstScoredBlock(h: HiddenStates): number {
  return h.includesEmbedding ? 1 : 2;
}

/**
 * ShortGPT Block Influence (Men et al., 2024): BI = 1 - mean_t cos(h_in[t], h_out[t]).
 * 0 = the block leaves every token's direction unchanged (redundant).
 */
export function blockInfluence(h: HiddenStates): Float64Array {
  return consecutiveLayerScores(h, (cos) => 1 - cos);
}

/**
 * Angular distance (Gromov et al., 2024): mean_t arccos(cos(h_in[t], h_out[t])) / pi, in [0, 1].
 * Averaged over all tokens, not only the last one, to fit DONALD-D's per-sentence view.
 */
export function angularDistance(h: HiddenStates): Float64Array {
  return consecutiveLayerScores(h, (cos) => Math.acos(cos) / Math.PI);
}

/** Mean over tokens of score(cos) between index l and l+1, for every l. */
function consecutiveLayerScores(h: HiddenStates, score: (cos: number) => number): Float64Array {
  const { layers, tokens, hidden, data } = h;
  if (data.length !== layers * tokens * hidden) {
    throw new RangeError(`hidden states hold ${data.length} values, expected ${layers}*${tokens}*${hidden}`);
  }
  const out = new Float64Array(Math.max(0, layers - 1));
  if (tokens === 0) return out;
  for (let l = 0; l + 1 < layers; l++) {
    let sum = 0;
    for (let t = 0; t < tokens; t++) {
      sum += score(cosine(data, (l * tokens + t) * hidden, ((l + 1) * tokens + t) * hidden, hidden));
    }
    out[l] = sum / tokens;
  }
  return out;
}

/**
 * Cosine of two vectors inside one flat array, clamped to [-1, 1] so arccos never sees rounding
 * overshoot. A zero vector has no direction; treating it as unchanged (cos 1) keeps scores
 * finite instead of NaN.
 */
function cosine(data: Float32Array | Float64Array, a: number, b: number, n: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < n; k++) {
    const x = data[a + k];
    const y = data[b + k];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 1;
  const cos = dot / Math.sqrt(na * nb);
  return cos > 1 ? 1 : cos < -1 ? -1 : cos;
}
