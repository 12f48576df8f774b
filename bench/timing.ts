/** Items per second over repeated runs; the median resists a stray slow run (GC, a noisy neighbour). */
export interface RateStats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly repetitions: number;
  /** Items processed in each timed repetition. */
  readonly itemsPerRepetition: number;
}

export interface RateOptions {
  /** Untimed runs first, so JIT compilation and lazy allocation are not measured. */
  readonly warmup: number;
  readonly repetitions: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Times `work` (which returns how many items it processed) and reports items per second. */
export async function measureRate(work: () => Promise<number> | number, options: RateOptions): Promise<RateStats> {
  for (let i = 0; i < options.warmup; i++) await work();
  const rates: number[] = [];
  let items = 0;
  for (let i = 0; i < options.repetitions; i++) {
    const start = performance.now();
    items = await work();
    const seconds = (performance.now() - start) / 1000;
    rates.push(items / seconds);
  }
  return { median: median(rates), min: Math.min(...rates), max: Math.max(...rates), repetitions: options.repetitions, itemsPerRepetition: items };
}
