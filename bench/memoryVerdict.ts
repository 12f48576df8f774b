import type { WithinRunTrend } from './memoryTrend.ts';

/**
 * Live-heap slope (MB per 1k sentences) under which the JS side counts as flat. The heap is smooth
 * after a forced GC (+-0.5 MB), so over 25k sentences the fit resolves ~0.01 MB per 1k; 0.05 MB
 * per 1k (50 bytes a sentence) would catch a sentence's id or text being kept.
 */
export const FLAT_HEAP_SLOPE_MB_PER_1K = 0.05;

/**
 * How far the settled-RSS high-water of a run's second half may rise above its first half's.
 * Native allocators move RSS in steps of up to ~13 MB both ways (seen on tiny-gpt2), which makes
 * a straight-line fit of RSS unreliable; a bounded process keeps its high-water within such a
 * step, while a native leak of 0.65 MB per 1k sentences or more lifts it by more than this over a
 * 25k-sentence half. (Leaking one sentence's hidden states would be ~20 MB per 1k; JS-side leaks
 * are caught far finer by the heap slope.)
 */
export const RSS_RISE_TOLERANCE_MB = 16;

/** Native allocators settle within about this many sentences; a trend fitted before it is provisional. */
export const SETTLED_AFTER_SENTENCES = 20000;

/** What the verdict needs from each run, smallest corpus first. */
export interface VerdictRun {
  readonly size: number;
  readonly peakMB: number;
  readonly trend: WithinRunTrend | null;
}

export interface MemoryVerdict {
  /** Null when the runs were too short to decide. */
  readonly flat: boolean | null;
  /** False when the largest run's second half starts before allocators have settled. */
  readonly decisive: boolean;
  readonly text: string;
}

const mb = (value: number): string => value.toFixed(3);

/**
 * Flat when, in the largest run, the live heap does not trend upward over the second half and the
 * settled-RSS high-water of the second half stays within tolerance of the first half's. Peak RSS
 * across sizes is quoted beside it, but it rides on the GC sawtooth and on allocator warm-up,
 * which short runs do not finish.
 */
export function memoryVerdict(runs: readonly VerdictRun[], peakSlopeMBPer1k: number): MemoryVerdict {
  const first = runs[0];
  const last = runs[runs.length - 1];
  const across = `peak RSS ${first.peakMB.toFixed(0)} MB at ${first.size} sentences, ${last.peakMB.toFixed(0)} MB at ${last.size} (slope over all sizes ${mb(peakSlopeMBPer1k)} MB per 1k, warm-up included)`;
  const trend = last.trend;
  if (trend === null) return { flat: null, decisive: false, text: `UNDECIDED: too few settled samples in the ${last.size}-sentence run; ${across}` };
  const decisive = trend.fromSentences >= SETTLED_AFTER_SENTENCES;
  const rssRise = trend.secondHalfMaxRssMB - trend.firstHalfMaxRssMB;
  const flat = trend.heapSlopeMBPer1k <= FLAT_HEAP_SLOPE_MB_PER_1K && rssRise <= RSS_RISE_TOLERANCE_MB;
  const within =
    `in the ${last.size}-sentence run, from sentence ${trend.fromSentences} on, live heap moves ${mb(trend.heapSlopeMBPer1k)} MB per 1k sentences (threshold ${FLAT_HEAP_SLOPE_MB_PER_1K}) ` +
    `and the settled-RSS high-water is ${trend.secondHalfMaxRssMB.toFixed(0)} MB against ${trend.firstHalfMaxRssMB.toFixed(0)} MB in the first half ` +
    `(rise ${rssRise.toFixed(1)} MB, tolerance ${RSS_RISE_TOLERANCE_MB}; fitted RSS slope ${mb(trend.rssSlopeMBPer1k)} MB per 1k)`;
  const outcome = !decisive
    ? `PROVISIONAL (no verdict): the second half starts before ${SETTLED_AFTER_SENTENCES} sentences, while native allocators are still settling; a run of ${2 * SETTLED_AFTER_SENTENCES} or more sentences (the full bench) decides`
    : flat
      ? 'FLAT: memory does not grow with corpus size'
      : 'GROWS: memory grows with corpus size';
  return { flat: decisive ? flat : null, decisive, text: `${outcome}; ${within}; ${across}` };
}
