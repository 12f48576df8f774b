import { FLAT_HEAP_SLOPE_MB_PER_1K, RSS_RISE_TOLERANCE_MB } from '../memoryVerdict.ts';
import type { LoadRun, RetentionSettings } from './loadResults.ts';
import { KEY_CATEGORIES, type KeyCategory } from './redisCensus.ts';

/** Peak RSS of the largest run over the smallest's, at or under which a process counts as flat. */
export const FLAT_PEAK_RATIO = 1.25;

/**
 * A category whose bytes per corpus sentence at the largest size are at least this share of its
 * bytes per sentence at the smallest grows in proportion to the corpus; a capped one falls well
 * below (the cap holds it while the corpus grows).
 */
export const PROPORTIONAL_SHARE = 0.8;

/**
 * FLAT: peak and live memory flat. GROWS: live memory grows with the corpus. PEAK ONLY: live memory
 * is flat but the peak (GC left to V8) rose past the ratio: uncollected garbage, whose ceiling V8's
 * heap sizing sets, not the corpus.
 */
export type ProcessStatus = 'FLAT' | 'GROWS' | 'PEAK ONLY';

export interface ProcessVerdict {
  readonly role: string;
  /** Peak RSS with GC left to V8. */
  readonly smallPeakMB: number;
  readonly largePeakMB: number;
  readonly ratio: number;
  /** Peak RSS in the forced-GC runs: memory the process actually holds. */
  readonly smallLivePeakMB: number | null;
  readonly largeLivePeakMB: number | null;
  readonly liveRatio: number | null;
  /** Settled-RSS high-water of the second half minus the first's, in the largest forced-GC run; null when undecidable. */
  readonly riseMB: number | null;
  readonly heapSlopeMBPer1k: number | null;
  readonly rssSlopeMBPer1k: number | null;
  readonly status: ProcessStatus;
  readonly text: string;
}

export interface CategoryVerdict {
  readonly category: KeyCategory;
  readonly smallPeakMB: number;
  readonly largePeakMB: number;
  readonly smallEndMB: number;
  readonly largeEndMB: number;
  /** Grew in proportion to the corpus between the two sizes. */
  readonly proportional: boolean;
  /** What bounds it, from the study's settings and the code. */
  readonly bound: string;
  /** Whether the largest run reached that bound; null for a category with none. */
  readonly capReached: boolean | null;
  /** Grew with the corpus and nothing caps it. */
  readonly unbounded: boolean;
}

export interface RedisVerdict {
  readonly smallPeakMB: number;
  readonly largePeakMB: number;
  readonly ratio: number;
  readonly categories: CategoryVerdict[];
  /** Bytes per corpus sentence of the recorded guard (exact census at the end of the largest run). */
  readonly recordedBytesPerSentence: number;
  /** What the bounded categories could reach at their caps: jobs at keepCompleted + maxQueued, the stream at maxResultBacklog plus the gate's overshoot. */
  readonly boundedCeilingMB: number;
  readonly bounded: boolean;
  readonly text: string;
}

export interface LoadVerdicts {
  readonly smallSize: number;
  readonly largeSize: number;
  readonly processes: ProcessVerdict[];
  readonly processesFlat: boolean;
  readonly redis: RedisVerdict;
  readonly exact: boolean;
  readonly summary: string[];
}

const MB = 2 ** 20;

function boundOf(category: KeyCategory, s: RetentionSettings): string {
  switch (category) {
    case 'recorded guard':
      return `one bit per batch of jobs.batchSize ${s.jobBatchSize} (~${((1e6 / s.jobBatchSize / 8) / 1024).toFixed(1)} KB per million sentences), until \`produce --fresh\``;
    case 'result stream':
      return `jobs.maxResultBacklog (${s.maxResultBacklog} outcomes) + what passes the workers' gate at once (${s.workers} workers x concurrency ${s.concurrency} x ${s.jobBatchSize}); trimmed at each aggregator checkpoint (jobs.aggregateSegment ${s.aggregateSegment})`;
    case 'counts hash':
      return 'fixed fields';
    case 'job hashes':
      return `jobs.keepCompleted (${s.keepCompleted}) + jobs.maxQueued (${s.maxQueued}) jobs of ${s.jobBatchSize} sentences (+ jobs.keepFailed ${s.keepFailed} failed jobs)`;
    case 'job locks and logs':
      return 'active jobs (workers x concurrency)';
    case 'BullMQ events stream':
      return "BullMQ's events stream maxLen (default ~10,000 events)";
    case 'BullMQ queue structures':
      return `ids of kept jobs: completed set <= keepCompleted, wait list <= maxQueued`;
    case 'other':
      return '-';
  }
}

/** Did the largest run fill the category's cap? Proportional growth below a cap is just filling it. */
function capReached(category: KeyCategory, run: LoadRun, s: RetentionSettings): boolean | null {
  switch (category) {
    case 'recorded guard':
    case 'other':
      return null;
    case 'result stream':
      return run.redis.maxResultStream >= s.aggregateSegment;
    case 'job hashes':
    case 'BullMQ queue structures':
      return run.redis.maxCompletedJobs >= s.keepCompleted;
    case 'BullMQ events stream':
      // BullMQ trims with XADD MAXLEN ~, which lets the stream overshoot or undershoot its 10,000 a little.
      return run.redis.finalCensus.eventsStreamLength >= 9000;
    case 'counts hash':
    case 'job locks and logs':
      return true;
  }
}

/**
 * Settled external memory (ArrayBuffers, native) rising at least this fast over the second half
 * is named in the verdict even when the thresholds pass: 30 bytes a sentence is a per-sentence
 * structure (the producer's seen-sentence table, ~50) that only a much larger corpus would make
 * count; the workers' fits scatter within +-0.02.
 */
export const NOTED_EXTERNAL_SLOPE_MB_PER_1K = 0.03;

/** Memory of the study's own processes; redis-server is judged by the Redis verdict (its RSS is its data). */
export const REDIS_ROLE = 'redis-server';

function processVerdicts(small: LoadRun, large: LoadRun, smallForced: LoadRun | undefined, largeForced: LoadRun | undefined): ProcessVerdict[] {
  return large.processes.filter((p) => p.role !== REDIS_ROLE).flatMap((big) => {
    const little = small.processes.find((p) => p.role === big.role);
    if (little === undefined) return [];
    const ratio = big.peakRssMB / little.peakRssMB;
    const liveSmall = smallForced?.processes.find((p) => p.role === big.role)?.peakRssMB ?? null;
    const liveBig = largeForced?.processes.find((p) => p.role === big.role) ?? null;
    const liveRatio = liveSmall !== null && liveBig !== null ? liveBig.peakRssMB / liveSmall : null;
    const trend = liveBig?.trend ?? null;
    const riseMB = trend === null ? null : trend.secondHalfMaxRssMB - trend.firstHalfMaxRssMB;
    const trendFlat = trend === null || (trend.heapSlopeMBPer1k <= FLAT_HEAP_SLOPE_MB_PER_1K && (riseMB ?? 0) <= RSS_RISE_TOLERANCE_MB);
    const liveFlat = trendFlat && (liveRatio === null || liveRatio <= FLAT_PEAK_RATIO);
    const status: ProcessStatus = !liveFlat ? 'GROWS' : ratio <= FLAT_PEAK_RATIO ? 'FLAT' : 'PEAK ONLY';
    const peaks = `peak ${little.peakRssMB.toFixed(0)} MB at ${small.size}, ${big.peakRssMB.toFixed(0)} MB at ${large.size} (x${ratio.toFixed(2)}, limit x${FLAT_PEAK_RATIO})`;
    const live =
      liveRatio === null || liveSmall === null || liveBig === null
        ? 'no forced-GC runs'
        : `with a full GC forced every ${largeForced?.forcedGcEveryMs} ms: peak ${liveSmall.toFixed(0)} -> ${liveBig.peakRssMB.toFixed(0)} MB (x${liveRatio.toFixed(2)})`;
    const within =
      trend === null
        ? `too few settled samples in the second half of the ${large.size} run for a within-run trend`
        : `from sentence ${trend.fromSentences} on, live heap moves ${trend.heapSlopeMBPer1k.toFixed(3)} MB per 1k sentences (threshold ${FLAT_HEAP_SLOPE_MB_PER_1K}) ` +
          `and the settled-RSS high-water is ${trend.secondHalfMaxRssMB.toFixed(0)} MB against ${trend.firstHalfMaxRssMB.toFixed(0)} MB in the first half (rise ${riseMB?.toFixed(1)} MB, tolerance ${RSS_RISE_TOLERANCE_MB}; fitted settled-RSS slope ${trend.rssSlopeMBPer1k.toFixed(3)} MB per 1k)`;
    const external =
      trend !== null && trend.externalSlopeMBPer1k >= NOTED_EXTERNAL_SLOPE_MB_PER_1K
        ? `; note: settled external memory rises ${(trend.externalSlopeMBPer1k * 1000).toFixed(0)} bytes per sentence over the second half (${trend.externalSlopeMBPer1k.toFixed(3)} MB per 1k)`
        : '';
    const text = `${status}: ${peaks}; ${live}; ${within}${external}`;
    return [
      {
        role: big.role,
        smallPeakMB: little.peakRssMB,
        largePeakMB: big.peakRssMB,
        ratio,
        smallLivePeakMB: liveSmall,
        largeLivePeakMB: liveBig?.peakRssMB ?? null,
        liveRatio,
        riseMB,
        heapSlopeMBPer1k: trend?.heapSlopeMBPer1k ?? null,
        rssSlopeMBPer1k: trend?.rssSlopeMBPer1k ?? null,
        status,
        text,
      },
    ];
  });
}

function redisVerdict(small: LoadRun, large: LoadRun, settings: RetentionSettings): RedisVerdict {
  const categories = KEY_CATEGORIES.map((category): CategoryVerdict => {
    const smallEnd = small.redis.finalCensus.byCategory[category].bytes;
    const largeEnd = large.redis.finalCensus.byCategory[category].bytes;
    const smallPeak = Math.max(small.redis.categoryPeakBytes[category], smallEnd);
    const largePeak = Math.max(large.redis.categoryPeakBytes[category], largeEnd);
    // Proportional when its peak per sentence of corpus holds up as the corpus grows.
    const proportional = largePeak > 64 * 1024 && largePeak / large.size >= (PROPORTIONAL_SHARE * smallPeak) / small.size;
    const reached = capReached(category, large, settings);
    return {
      category,
      smallPeakMB: smallPeak / MB,
      largePeakMB: largePeak / MB,
      smallEndMB: smallEnd / MB,
      largeEndMB: largeEnd / MB,
      proportional,
      bound: boundOf(category, settings),
      capReached: reached,
      unbounded: proportional && reached === null,
    };
  }).filter((c) => c.largePeakMB > 0 || c.smallPeakMB > 0);

  const final = large.redis.finalCensus;
  const recordedBytesPerSentence = final.byCategory['recorded guard'].bytes / large.size;
  // Bytes per item, times what the settings allow: a job as kept after completion (exact, at the
  // end), an outcome as it waits in the stream (the census nearest the peak).
  const peak = large.redis.censusAtPeak;
  const jobs = final.byCategory['job hashes'];
  const bytesPerJob = jobs.keys > 0 ? jobs.bytes / jobs.keys : 0;
  const bytesPerOutcome = peak.resultStreamLength > 0 ? peak.byCategory['result stream'].bytes / peak.resultStreamLength : 0;
  const others = (['counts hash', 'job locks and logs', 'BullMQ events stream', 'BullMQ queue structures', 'other'] as const).reduce(
    (sum, c) => sum + Math.max(large.redis.categoryPeakBytes[c], final.byCategory[c].bytes),
    0,
  );
  const streamCap = settings.maxResultBacklog + settings.workers * settings.concurrency * settings.jobBatchSize;
  const boundedCeilingMB = (bytesPerJob * (settings.keepCompleted + settings.maxQueued) + bytesPerOutcome * streamCap + others) / MB;

  const growing = categories.filter((c) => c.unbounded);
  const filling = categories.filter((c) => c.proportional && c.capReached === false);
  const bounded = growing.length === 0;
  const ratio = large.redis.usedMemoryPeakMB / small.redis.usedMemoryPeakMB;
  const parts = [
    `used_memory peak ${small.redis.usedMemoryPeakMB.toFixed(1)} MB at ${small.size}, ${large.redis.usedMemoryPeakMB.toFixed(1)} MB at ${large.size} (x${ratio.toFixed(2)})`,
    `bounded parts could reach ~${boundedCeilingMB.toFixed(0)} MB at their caps (${bytesPerJob.toFixed(0)} B per kept job x ${settings.keepCompleted + settings.maxQueued} jobs, ${bytesPerOutcome.toFixed(0)} B per unaggregated outcome x ${streamCap})`,
    `recorded guard ${final.recordedGuardBytes} B of bitmap (MEMORY USAGE ${final.byCategory['recorded guard'].bytes} B, mostly key overhead) at ${large.size} sentences: one bit per batch, ~${(1e6 / settings.jobBatchSize / 8 / 1024).toFixed(1)} KB per million sentences`,
  ];
  if (filling.length > 0) parts.push(`still filling towards their caps at ${large.size}: ${filling.map((c) => c.category).join(', ')}`);
  const text = bounded
    ? `BOUNDED by retention settings: ${parts.join('; ')}`
    : `GROWS with the corpus: ${growing.map((c) => `${c.category} (${c.smallEndMB.toFixed(2)} MB left at ${small.size}, ${c.largeEndMB.toFixed(2)} MB at ${large.size}; bound: ${c.bound})`).join(', ')}` +
      `; everything else is held by its setting: ${parts.join('; ')}`;
  return { smallPeakMB: small.redis.usedMemoryPeakMB, largePeakMB: large.redis.usedMemoryPeakMB, ratio, categories, recordedBytesPerSentence, boundedCeilingMB, bounded, text };
}

/** Verdicts from the smallest and largest runs (each list smallest first). */
export function loadVerdicts(runs: readonly LoadRun[], forcedGcRuns: readonly LoadRun[], settings: RetentionSettings, provisional: boolean): LoadVerdicts {
  const small = runs[0];
  const large = runs[runs.length - 1];
  const processes = processVerdicts(small, large, forcedGcRuns[0], forcedGcRuns[forcedGcRuns.length - 1]);
  const redis = redisVerdict(small, large, settings);
  const all = [...runs, ...forcedGcRuns];
  const exact = all.every((r) => r.exact);
  const processesFlat = processes.every((p) => p.status === 'FLAT');
  const liveFlat = processes.every((p) => p.status !== 'GROWS');
  const caveat = provisional ? ' (quick sizes: provisional, the full run decides)' : '';
  const overall = processesFlat ? 'FLAT' : liveFlat ? 'LIVE MEMORY FLAT, some peaks rise' : 'GROWS';
  const summary = [
    `Counts: ${exact ? `EXACT in every run (${all.length} runs)` : `NOT EXACT: ${all.flatMap((r) => r.output.problems.map((p) => `${r.size}: ${p}`)).join('; ')}`}`,
    `Process memory${caveat}: ${overall} — ${processes.map((p) => `${p.role} ${p.status} (peak x${p.ratio.toFixed(2)}${p.liveRatio === null ? '' : `, live x${p.liveRatio.toFixed(2)}`})`).join(', ')}`,
    `Redis memory${caveat}: ${redis.text}`,
  ];
  return { smallSize: small.size, largeSize: large.size, processes, processesFlat, redis, exact, summary };
}
