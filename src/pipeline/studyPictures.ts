import path from 'node:path';
import { renderRankingChart } from '../picture/rankingChart.ts';
import { renderUtilisationChart } from '../picture/utilisationChart.ts';
import { writeFileAtomic } from '../writers/atomicFile.ts';
import type { AggregatorResult } from './studyAggregator.ts';

/** The study's pictures: utilisation by layer per domain (with 95% CI), and the DUCK ranking. */
export async function writeStudyPictures(outDir: string, studyName: string, result: AggregatorResult, notes: readonly string[]): Promise<string[]> {
  const note = notes.length > 0 ? notes.join('; ') : undefined;
  const utilisation = renderUtilisationChart(
    result.rows.map((r) => ({ domain: r.domain, layer: r.layer, mean: r.utilisationMean, ciLow: r.utilisationCiLow, ciHigh: r.utilisationCiHigh })),
    { title: `${studyName}: mean utilisation by layer (95% CI)`, note },
  );
  const ranking = renderRankingChart(
    result.rankings.map((d) => ({
      domain: d.domain,
      layers: d.layers.map((l) => ({ layer: l.layer, utilisationMean: l.utilisationMean, rank: l.duckRank })),
    })),
    { title: `${studyName}: DUCK ranking (least utilised layers first = pruning candidates)`, note },
  );
  const files = [path.join(outDir, 'utilisation_by_layer.svg'), path.join(outDir, 'ranking.svg')];
  // Atomic like every output: a picture under its final name is a whole picture.
  await writeFileAtomic(files[0], utilisation);
  await writeFileAtomic(files[1], ranking);
  return files;
}
