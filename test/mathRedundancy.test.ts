import { describe, expect, it } from 'vitest';
import type { HiddenStates } from '../src/hidden/hiddenStates.ts';
import { angularDistance, blockInfluence, firstScoredBlock } from '../src/math/redundancy.ts';

/** Builds [layers, tokens, hidden] states from per-layer, per-token vectors. */
function statesOf(vectors: number[][][], includesEmbedding: boolean): HiddenStates {
  return {
    layers: vectors.length,
    tokens: vectors[0].length,
    hidden: vectors[0][0].length,
    data: Float32Array.from(vectors.flat(2)),
    includesEmbedding,
  };
}

describe('blockInfluence and angularDistance', () => {
  it('identical consecutive layers score 0', () => {
    const h = statesOf([[[1, 2], [3, -1]], [[1, 2], [3, -1]], [[2, 4], [6, -2]]], true);
    expect(Array.from(blockInfluence(h))).toEqual([0, 0]);
    expect(Array.from(angularDistance(h)).every((d) => Math.abs(d) < 1e-6)).toBe(true);
  });

  it('orthogonal layers score BI 1 and angular distance 0.5; opposite ones 2 and 1', () => {
    const h = statesOf([[[1, 0]], [[0, 3]], [[0, -1]]], true);
    expect(Array.from(blockInfluence(h))).toEqual([1, 2]);
    expect(Array.from(angularDistance(h))).toEqual([0.5, 1]);
  });

  it('averages over tokens', () => {
    // Token 0 unchanged (cos 1), token 1 orthogonal (cos 0).
    const h = statesOf([[[1, 0], [1, 0]], [[2, 0], [0, 1]]], true);
    expect(Array.from(blockInfluence(h))).toEqual([0.5]);
    expect(Array.from(angularDistance(h))).toEqual([0.25]);
  });

  it('treats a zero vector as unchanged instead of NaN', () => {
    const h = statesOf([[[0, 0]], [[1, 1]], [[0, 0]]], true);
    expect(Array.from(blockInfluence(h))).toEqual([0, 0]);
    expect(Array.from(angularDistance(h))).toEqual([0, 0]);
  });

  it('scores L blocks from 1 with the embedding output, L - 1 blocks from 2 without', () => {
    const vectors = [[[1, 0]], [[0, 1]], [[1, 1]], [[1, 1]]];
    const withEmbedding = statesOf(vectors, true);
    expect(blockInfluence(withEmbedding)).toHaveLength(3);
    expect(firstScoredBlock(withEmbedding)).toBe(1);
    const blocksOnly = statesOf(vectors, false);
    expect(angularDistance(blocksOnly)).toHaveLength(3);
    expect(firstScoredBlock(blocksOnly)).toBe(2);
    expect(blockInfluence(statesOf([[[1, 0]]], false))).toHaveLength(0);
  });
});
