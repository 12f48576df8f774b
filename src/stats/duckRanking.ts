import type { LayerStatsRow } from './layerStatsAccumulator.ts';
import { averageRanks, spearman } from './spearman.ts';

/**
 * One layer of one domain's DUCK ranking. Every rank is ascending in its metric, so rank 1 is
 * always that metric's best pruning candidate: least utilised (DUCK), lowest Block Influence
 * (ShortGPT), smallest angular distance (Gromov et al.).
 */
export interface RankingRow {
  readonly domain: string;
  /** Position in the DUCK order, 1..L; equal utilisation means are ordered by layer number. */
  readonly duckRank: number;
  readonly layer: number;
  readonly n: number;
  readonly utilisationMean: number;
  readonly utilisationCiLow: number | null;
  readonly utilisationCiHigh: number | null;
  readonly blockInfluenceMean: number;
  /** Average rank (ties share, e.g. 2.5). */
  readonly blockInfluenceRank: number;
  readonly angularDistanceMean: number;
  /** Average rank (ties share, e.g. 2.5). */
  readonly angularDistanceRank: number;
}

export interface DomainRanking {
  readonly domain: string;
  /** Spearman ρ between layer utilisation and Block Influence (positive = the orders agree); null if undefined. */
  readonly spearmanDuckVsBlockInfluence: number | null;
  readonly spearmanDuckVsAngular: number | null;
  /** DUCK order: least utilised layer first. */
  readonly layers: readonly RankingRow[];
}

/** Per domain (in the order the domains first appear in `rows`), layers from least to most utilised. */
export function duckRanking(rows: readonly LayerStatsRow[]): DomainRanking[] {
  const byDomain = new Map<string, LayerStatsRow[]>();
  for (const row of rows) {
    const list = byDomain.get(row.domain);
    if (list === undefined) byDomain.set(row.domain, [row]);
    else list.push(row);
  }
  return [...byDomain].map(([domain, layerRows]) => rankDomain(domain, layerRows));
}

function rankDomain(domain: string, layerRows: readonly LayerStatsRow[]): DomainRanking {
  const layers = new Set<number>();
  for (const row of layerRows) {
    if (layers.has(row.layer)) throw new RangeError(`duck ranking: layer ${row.layer} appears twice in domain "${domain}"`);
    layers.add(row.layer);
  }
  const utilisation = layerRows.map((r) => r.utilisationMean);
  const blockInfluence = layerRows.map((r) => r.blockInfluenceMean);
  const angular = layerRows.map((r) => r.angularDistanceMean);
  const blockInfluenceRanks = averageRanks(blockInfluence);
  const angularRanks = averageRanks(angular);
  const order = layerRows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => a.row.utilisationMean - b.row.utilisationMean || a.row.layer - b.row.layer);
  return {
    domain,
    spearmanDuckVsBlockInfluence: spearman(utilisation, blockInfluence),
    spearmanDuckVsAngular: spearman(utilisation, angular),
    layers: order.map(({ row, index }, position) => ({
      domain,
      duckRank: position + 1,
      layer: row.layer,
      n: row.n,
      utilisationMean: row.utilisationMean,
      utilisationCiLow: row.utilisationCiLow,
      utilisationCiHigh: row.utilisationCiHigh,
      blockInfluenceMean: row.blockInfluenceMean,
      blockInfluenceRank: blockInfluenceRanks[index],
      angularDistanceMean: row.angularDistanceMean,
      angularDistanceRank: angularRanks[index],
    })),
  };
}
