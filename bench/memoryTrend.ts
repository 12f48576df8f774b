import { linearFit } from './linearFit.ts';
import type { StudyChildReport } from './studyChildReport.ts';

/** How memory moved while one run streamed its sentences, from the forced-GC ("settled") samples. */
export interface WithinRunTrend {
  /** Sentences processed before the first sample of the second half. */
  readonly fromSentences: number;
  /** Settled samples in the second half, which the slopes fit. */
  readonly samples: number;
  readonly rssSlopeMBPer1k: number;
  readonly heapSlopeMBPer1k: number;
  readonly externalSlopeMBPer1k: number;
  /** Highest settled RSS in each half; a run whose memory is bounded does not raise it later. */
  readonly firstHalfMaxRssMB: number;
  readonly secondHalfMaxRssMB: number;
}

/**
 * The second half of a run is what the slopes fit: the first holds model loading, JIT, and native
 * allocators (onnxruntime's arena, malloc's per-thread arenas, parquet-wasm's memory) growing to
 * their working size. On tiny-gpt2 settled RSS climbs ~25 MB over the first ~20k sentences and
 * then stays level (seen in a 60k-sentence run), so only a run well past 20k sentences shows the
 * steady state.
 */
export const FITTED_FROM_FRACTION = 0.5;

/**
 * Least-squares slopes of settled RSS, heap and external memory against sentences processed, over
 * the second half of the run. Sentences at a sample are estimated from its time (the rate is
 * steady after warm-up; the study reports no progress when run silently). Null when too few
 * samples remain to fit a line.
 */
export function withinRunTrend(run: Pick<StudyChildReport, 'settled' | 'studySeconds' | 'processed'>): WithinRunTrend | null {
  const during = run.settled.filter((s) => s.seconds <= run.studySeconds);
  const half = FITTED_FROM_FRACTION * run.studySeconds;
  const first = during.filter((s) => s.seconds < half);
  const second = during.filter((s) => s.seconds >= half);
  if (first.length === 0 || second.length < 3) return null;
  const thousands = second.map((s) => (run.processed * s.seconds) / run.studySeconds / 1000);
  return {
    fromSentences: Math.round(thousands[0] * 1000),
    samples: second.length,
    rssSlopeMBPer1k: linearFit(thousands, second.map((s) => s.rssMB)).slope,
    heapSlopeMBPer1k: linearFit(thousands, second.map((s) => s.heapUsedMB)).slope,
    externalSlopeMBPer1k: linearFit(thousands, second.map((s) => s.externalMB)).slope,
    firstHalfMaxRssMB: Math.max(...first.map((s) => s.rssMB)),
    secondHalfMaxRssMB: Math.max(...second.map((s) => s.rssMB)),
  };
}
