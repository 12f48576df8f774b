import { describe, expect, it } from 'vitest';
import { ALL_DOMAIN, LayerStatsAccumulator, type LayerStatsJson, type SentenceLayerSample } from '../src/stats/layerStatsAccumulator.ts';
import { studentTQuantile } from '../src/stats/studentT.ts';
import { UserError } from '../src/userError.ts';

function sample(utilisation: number[], firstLayer = 1): SentenceLayerSample {
  return {
    utilisation: Float64Array.from(utilisation),
    meanAnisotropy: Float64Array.from(utilisation, (u) => u / 2),
    blockInfluence: Float64Array.from(utilisation, (u) => 1 - u),
    angularDistance: Float64Array.from(utilisation, (u) => u * u),
    firstLayer,
  };
}

const corpus: [domain: string, utilisation: number[]][] = [
  ['news', [0.1, 0.5, 0.9]],
  ['news', [0.3, 0.4, 0.8]],
  ['fiction', [0.2, 0.6, 0.7]],
  ['news', [0.5, 0.6, 1.0]],
  ['fiction', [0.4, 0.2, 0.3]],
];

function accumulate(entries: typeof corpus): LayerStatsAccumulator {
  const accumulator = new LayerStatsAccumulator();
  for (const [domain, u] of entries) accumulator.add(domain, sample(u));
  return accumulator;
}

function sd(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

describe('LayerStatsAccumulator', () => {
  const rows = accumulate(corpus).rows();

  it('emits one row per (domain, layer), "all" first, then domains in code-unit order, layers ascending', () => {
    expect(rows.map((r) => `${r.domain}:${r.layer}`)).toEqual([
      'all:1', 'all:2', 'all:3', 'fiction:1', 'fiction:2', 'fiction:3', 'news:1', 'news:2', 'news:3',
    ]);
  });

  it('computes per-domain and pooled statistics of every metric', () => {
    const news2 = rows.find((r) => r.domain === 'news' && r.layer === 2);
    const values = [0.5, 0.4, 0.6];
    expect(news2?.n).toBe(3);
    expect(news2?.utilisationMean).toBeCloseTo(0.5, 14);
    expect(news2?.utilisationSd).toBeCloseTo(sd(values), 14);
    expect(news2?.utilisationSe).toBeCloseTo(sd(values) / Math.sqrt(3), 14);
    const half = studentTQuantile(0.975, 2) * (sd(values) / Math.sqrt(3));
    expect(news2?.utilisationCiLow).toBeCloseTo(0.5 - half, 12);
    expect(news2?.utilisationCiHigh).toBeCloseTo(0.5 + half, 12);
    expect(news2?.anisotropyMean).toBeCloseTo(0.25, 14);
    expect(news2?.anisotropySd).toBeCloseTo(sd(values) / 2, 14);
    expect(news2?.blockInfluenceMean).toBeCloseTo(0.5, 14);
    expect(news2?.angularDistanceMean).toBeCloseTo((0.25 + 0.16 + 0.36) / 3, 14);
    expect(news2?.angularDistanceSd).toBeCloseTo(sd([0.25, 0.16, 0.36]), 14);

    const all1 = rows.find((r) => r.domain === ALL_DOMAIN && r.layer === 1);
    expect(all1?.n).toBe(5);
    expect(all1?.utilisationMean).toBeCloseTo(0.3, 14);
    expect(all1?.utilisationSd).toBeCloseTo(sd([0.1, 0.3, 0.2, 0.5, 0.4]), 14);
  });

  it('numbers layers from firstLayer and leaves sd/CI null for a single sentence', () => {
    const accumulator = new LayerStatsAccumulator();
    accumulator.add('solo', sample([0.25, 0.75], 0));
    const solo = accumulator.rows().filter((r) => r.domain === 'solo');
    expect(solo.map((r) => r.layer)).toEqual([0, 1]);
    expect(solo[1].utilisationMean).toBe(0.75);
    expect(solo[1].utilisationSd).toBeNull();
    expect(solo[1].utilisationCiLow).toBeNull();
    expect(solo[1].utilisationCiHigh).toBeNull();
  });

  it('merging partial accumulators equals accumulating everything in one', () => {
    const merged = accumulate(corpus.slice(0, 2)).merge(accumulate(corpus.slice(2, 3))).merge(accumulate(corpus.slice(3)));
    const mergedRows = merged.rows();
    expect(mergedRows.length).toBe(rows.length);
    mergedRows.forEach((r, i) => {
      expect(r.domain).toBe(rows[i].domain);
      expect(r.layer).toBe(rows[i].layer);
      expect(r.n).toBe(rows[i].n);
      expect(Math.abs(r.utilisationMean - rows[i].utilisationMean)).toBeLessThan(1e-12);
      expect(Math.abs((r.utilisationSd ?? NaN) - (rows[i].utilisationSd ?? NaN))).toBeLessThan(1e-12);
      expect(Math.abs((r.angularDistanceSd ?? NaN) - (rows[i].angularDistanceSd ?? NaN))).toBeLessThan(1e-12);
    });
  });

  it('round-trips through a JSON checkpoint exactly', () => {
    const original = accumulate(corpus);
    const restored = LayerStatsAccumulator.fromJSON(JSON.parse(JSON.stringify(original)));
    expect(restored.rows()).toEqual(original.rows());
    expect(restored.toJSON()).toEqual(original.toJSON());
    // Continuing after a restore matches never having stopped.
    restored.add('news', sample([0.2, 0.2, 0.2]));
    original.add('news', sample([0.2, 0.2, 0.2]));
    expect(restored.rows()).toEqual(original.rows());
  });

  it('keeps memory per (domain, layer), not per sentence', () => {
    const accumulator = new LayerStatsAccumulator();
    for (let i = 0; i < 2000; i++) accumulator.add(i % 2 ? 'a' : 'b', sample([i / 2000, 0.5]));
    expect(accumulator.toJSON().cells.length).toBe(6);
    expect(accumulator.rows().find((r) => r.domain === 'all' && r.layer === 1)?.n).toBe(2000);
  });

  it('rejects the reserved domain name and ragged samples', () => {
    expect(() => new LayerStatsAccumulator().add(ALL_DOMAIN, sample([0.1]))).toThrow(UserError);
    const ragged = { ...sample([0.1, 0.2]), blockInfluence: Float64Array.of(0.5) };
    expect(() => new LayerStatsAccumulator().add('x', ragged)).toThrow(/blockInfluence has 1 layers/);
    // Version 1 held order-dependent Welford moments; version 2 exact sums.
    expect(() => LayerStatsAccumulator.fromJSON({ version: 1, cells: [] } as unknown as LayerStatsJson)).toThrow(RangeError);
  });
});
