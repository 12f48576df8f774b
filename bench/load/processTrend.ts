import { linearFit } from '../linearFit.ts';

/** A settled (post-GC) reading of a study process, placed on the run's clock and progress. */
export interface SettledPoint {
  readonly seconds: number;
  /** Outcomes in the ledger at that moment. */
  readonly recorded: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  readonly externalMB: number;
}

/**
 * How one process's memory moved while the study streamed, from its settled samples, as
 * bench/memoryTrend.ts does for the embedded study: slopes against sentences over the second half
 * of the corpus (the first holds model loading and allocator warm-up), and the settled-RSS
 * high-water of each half. The x axis is the ledger's real progress, not an estimate from time.
 */
export interface ProcessTrend {
  /** Sentences recorded at the first sample of the second half. */
  readonly fromSentences: number;
  readonly samples: number;
  readonly rssSlopeMBPer1k: number;
  readonly heapSlopeMBPer1k: number;
  readonly externalSlopeMBPer1k: number;
  readonly firstHalfMaxRssMB: number;
  readonly secondHalfMaxRssMB: number;
}

/**
 * Only samples taken while outcomes were still arriving count (the aggregator's closing join of
 * its segments is a one-off, reported apart). Null when the process lived through too little of
 * the second half to fit a line, or the second half's samples all sit at one progress value.
 */
export function processTrend(settled: readonly SettledPoint[], total: number, streamingUntilSeconds: number): ProcessTrend | null {
  const streaming = settled.filter((p) => p.seconds <= streamingUntilSeconds && p.recorded < total);
  const first = streaming.filter((p) => p.recorded < total / 2);
  const second = streaming.filter((p) => p.recorded >= total / 2);
  if (first.length === 0 || second.length < 3) return null;
  const thousands = second.map((p) => p.recorded / 1000);
  if (new Set(thousands).size < 2) return null;
  return {
    fromSentences: second[0].recorded,
    samples: second.length,
    rssSlopeMBPer1k: linearFit(thousands, second.map((p) => p.rssMB)).slope,
    heapSlopeMBPer1k: linearFit(thousands, second.map((p) => p.heapUsedMB)).slope,
    externalSlopeMBPer1k: linearFit(thousands, second.map((p) => p.externalMB)).slope,
    firstHalfMaxRssMB: Math.max(...first.map((p) => p.rssMB)),
    secondHalfMaxRssMB: Math.max(...second.map((p) => p.rssMB)),
  };
}
