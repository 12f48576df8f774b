import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { DomainRanking, RankingRow } from '../stats/duckRanking.ts';
import { writeFileAtomic } from './atomicFile.ts';
import { ensureFolder } from './writeFailure.ts';

/** ranking.csv columns, in order: one row per (domain, layer), domains as given, DUCK order within. */
export const RANKING_CSV_COLUMNS: readonly (keyof RankingRow)[] = [
  'domain',
  'duckRank',
  'layer',
  'n',
  'utilisationMean',
  'utilisationCiLow',
  'utilisationCiHigh',
  'blockInfluenceMean',
  'blockInfluenceRank',
  'angularDistanceMean',
  'angularDistanceRank',
];

export interface RankingFiles {
  readonly csv: string;
  readonly json: string;
}

/**
 * Writes the DUCK pruning ranking as ranking.csv (flat, per layer) and ranking.json (per domain,
 * with the Spearman correlations against Block Influence and angular distance).
 */
export class RankingWriter {
  constructor(readonly outputDir: string) {}

  async write(rankings: readonly DomainRanking[]): Promise<RankingFiles> {
    await ensureFolder(this.outputDir);
    const files: RankingFiles = {
      csv: path.join(this.outputDir, 'ranking.csv'),
      json: path.join(this.outputDir, 'ranking.json'),
    };
    const rows = rankings.flatMap((ranking) => ranking.layers.map((row) => ({ ...row })));
    await writeFileAtomic(files.csv, stringify(rows, { header: true, columns: [...RANKING_CSV_COLUMNS] }));
    const json = rankings.map((ranking) => ({
      domain: ranking.domain,
      spearmanDuckVsBlockInfluence: ranking.spearmanDuckVsBlockInfluence,
      spearmanDuckVsAngular: ranking.spearmanDuckVsAngular,
      layers: ranking.layers,
    }));
    await writeFileAtomic(files.json, `${JSON.stringify(json, null, 2)}\n`);
    return files;
  }
}
