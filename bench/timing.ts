/** Items per second over repeated runs; the median resists a stray slow run (GC, a noisy neighbour). */
export interface RateStats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /**
   * Median items per CPU-second of this process (all its threads). Waiting for a busy core does not
   * count here, though sharing one (caches, a VM's stolen time) still slows it.
   */
  readonly medianPerCpuSecond: number;
  readonly repetitions: number;
  /** Items processed in each timed repetition (whole passes of the work). */
  readonly itemsPerRepetition: number;
}

export interface RateOptions {
  /** Untimed passes for at least this long first, so JIT compilation and lazy allocation are not measured. */
  readonly warmupMs: number;
  readonly repetitions: number;
  /** Each timed repetition repeats the pass until about this long, so timer and GC jitter stay small. */
  readonly repetitionMs: number;
}

/** User plus system time of a process.cpuUsage() reading, in seconds. */
export function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Times `pass` (one unit of work that returns how many items it processed) and reports items per second. */
export async function measureRate(pass: () => Promise<number> | number, options: RateOptions): Promise<RateStats> {
  let warmupPasses = 0;
  const warmupStart = performance.now();
  do {
    await pass();
    warmupPasses++;
  } while (performance.now() - warmupStart < options.warmupMs);
  const passMs = (performance.now() - warmupStart) / warmupPasses;
  const passesPerRepetition = Math.max(1, Math.round(options.repetitionMs / passMs));

  const rates: number[] = [];
  const cpuRates: number[] = [];
  let items = 0;
  for (let r = 0; r < options.repetitions; r++) {
    items = 0;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let p = 0; p < passesPerRepetition; p++) items += await pass();
    rates.push(items / ((performance.now() - start) / 1000));
    cpuRates.push(items / cpuSeconds(process.cpuUsage(cpuStart)));
  }
  return {
    median: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    medianPerCpuSecond: median(cpuRates),
    repetitions: options.repetitions,
    itemsPerRepetition: items,
  };
}
