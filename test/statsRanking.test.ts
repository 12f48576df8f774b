import { describe, expect, it } from 'vitest';
import { duckRanking } from '../src/stats/duckRanking.ts';
import type { LayerStatsRow } from '../src/stats/layerStatsAccumulator.ts';
import { averageRanks, spearman } from '../src/stats/spearman.ts';

describe('averageRanks', () => {
  it('gives tied values the mean of the ranks they span', () => {
    expect(Array.from(averageRanks([3, 1, 3, 2, 3]))).toEqual([4, 1, 4, 2, 4]);
    expect(Array.from(averageRanks([0.2, 0.2, 0.1]))).toEqual([2.5, 2.5, 1]);
    expect(Array.from(averageRanks([]))).toEqual([]);
  });
});

describe('spearman', () => {
  it('is ±1 for monotone relations', () => {
    expect(spearman([1, 2, 3], [10, 20, 30])).toBe(1);
    expect(spearman([1, 2, 3], [30, 20, 10])).toBe(-1);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBe(1);
  });

  it('matches 1 - 6Σd²/(n(n²-1)) without ties', () => {
    // Ranks [1,2,3,4] vs [1,3,2,4]: Σd² = 2, ρ = 1 - 12/60.
    expect(spearman([10, 20, 30, 40], [1, 3, 2, 4])).toBeCloseTo(0.8, 15);
  });

  it('uses average ranks for ties', () => {
    // b ranks [1, 2, 3.5, 5, 3.5]; Σdxdy = 8, Σdx² = 10, Σdy² = 9.5.
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 15);
  });

  it('is null when undefined and rejects mismatched lengths', () => {
    expect(spearman([1], [2])).toBeNull();
    expect(spearman([1, 2, 3], [4, 4, 4])).toBeNull();
    expect(() => spearman([1, 2], [1, 2, 3])).toThrow(RangeError);
  });
});

function row(domain: string, layer: number, utilisation: number, blockInfluence: number, angular: number): LayerStatsRow {
  return {
    domain,
    layer,
    n: 10,
    utilisationMean: utilisation,
    utilisationSd: 0.1,
    utilisationSe: 0.1 / Math.sqrt(10),
    utilisationCiLow: utilisation - 0.05,
    utilisationCiHigh: utilisation + 0.05,
    anisotropyMean: 0.5,
    anisotropySd: 0.1,
    blockInfluenceMean: blockInfluence,
    blockInfluenceSd: 0.01,
    angularDistanceMean: angular,
    angularDistanceSd: 0.01,
  };
}

describe('duckRanking', () => {
  const rows = [
    row('all', 1, 0.5, 0.3, 0.1),
    row('all', 2, 0.2, 0.1, 0.1),
    row('all', 3, 0.8, 0.4, 0.3),
    row('all', 4, 0.2, 0.2, 0.2),
    row('news', 1, 0.9, 0.1, 0.4),
    row('news', 2, 0.1, 0.2, 0.3),
    row('news', 3, 0.5, 0.3, 0.2),
  ];
  const ranking = duckRanking(rows);

  it('keeps the domains in row order', () => {
    expect(ranking.map((d) => d.domain)).toEqual(['all', 'news']);
  });

  it('orders layers from least to most utilised, ties by layer number', () => {
    const all = ranking[0].layers;
    expect(all.map((r) => r.layer)).toEqual([2, 4, 1, 3]);
    expect(all.map((r) => r.duckRank)).toEqual([1, 2, 3, 4]);
    expect(all.map((r) => r.utilisationMean)).toEqual([0.2, 0.2, 0.5, 0.8]);
    expect(all[0].utilisationCiLow).toBeCloseTo(0.15, 15);
    expect(all.every((r) => r.domain === 'all' && r.n === 10)).toBe(true);
    expect(ranking[1].layers.map((r) => r.layer)).toEqual([2, 3, 1]);
  });

  it('attaches the same layer\'s Block Influence and angular-distance ranks (average ranks)', () => {
    const all = ranking[0].layers;
    // BI [0.3, 0.1, 0.4, 0.2] -> ranks [3, 1, 4, 2]; angular [0.1, 0.1, 0.3, 0.2] -> [1.5, 1.5, 4, 3].
    expect(all.map((r) => [r.layer, r.blockInfluenceRank, r.angularDistanceRank])).toEqual([
      [2, 1, 1.5],
      [4, 2, 3],
      [1, 3, 1.5],
      [3, 4, 4],
    ]);
    expect(all.map((r) => r.blockInfluenceMean)).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it('gives per-domain Spearman ρ between the DUCK order and the BI / angular orders', () => {
    // Utilisation ranks [3, 1.5, 4, 1.5] against BI ranks [3, 1, 4, 2]: 4.5 / sqrt(4.5 * 5).
    expect(ranking[0].spearmanDuckVsBlockInfluence).toBeCloseTo(4.5 / Math.sqrt(22.5), 15);
    // Against angular ranks [1.5, 1.5, 4, 3]: 2.25 / sqrt(4.5 * 4.5).
    expect(ranking[0].spearmanDuckVsAngular).toBeCloseTo(0.5, 15);
    // news: utilisation [0.9, 0.1, 0.5] vs BI [0.1, 0.2, 0.3] -> ranks [3,1,2] vs [1,2,3]: ρ = -0.5.
    expect(ranking[1].spearmanDuckVsBlockInfluence).toBeCloseTo(-0.5, 15);
    // vs angular [0.4, 0.3, 0.2] -> [3, 2, 1]: ρ = 0.5.
    expect(ranking[1].spearmanDuckVsAngular).toBeCloseTo(0.5, 15);
  });

  it('rejects a layer listed twice for one domain', () => {
    expect(() => duckRanking([row('x', 1, 0.1, 0.1, 0.1), row('x', 1, 0.2, 0.2, 0.2)])).toThrow(RangeError);
  });
});
