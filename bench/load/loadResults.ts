import type { MachineInfo } from '../machineInfo.ts';
import type { ExpectedCounts, LoadCorpus } from './loadCorpus.ts';
import type { LoadVerdicts } from './loadVerdict.ts';
import type { OutputCheck } from './outputCheck.ts';
import type { ProcessTrend, SettledPoint } from './processTrend.ts';
import type { KeyCategory, RedisCensus } from './redisCensus.ts';
import type { RunPoint } from './runSampler.ts';

/** The study settings that bound what Redis may hold, as the run resolved them. */
export interface RetentionSettings {
  readonly jobBatchSize: number;
  readonly maxQueued: number;
  readonly keepCompleted: number;
  readonly keepFailed: number;
  readonly lockMs: number;
  /** jobs.aggregateSegment: outcomes the aggregator folds between checkpoints; the result stream is trimmed then. */
  readonly aggregateSegment: number;
  /** jobs.maxResultBacklog: workers wait while the result stream holds more than this. */
  readonly maxResultBacklog: number;
  /** Worker processes x concurrency x jobs.batchSize outcomes may pass the workers' gate at once. */
  readonly concurrency: number;
  readonly workers: number;
  readonly modelBatchSize: number;
  readonly intraOpThreads: number | null;
}

export interface ProcessFigures {
  readonly role: string;
  /** getrusage's maxRSS at exit (exact), else the last VmHWM sampled. */
  readonly peakRssMB: number;
  readonly sampledPeakRssMB: number;
  /** Highest sample while outcomes were still arriving; for the aggregator, before its closing join. */
  readonly streamingPeakRssMB: number;
  readonly cpuSeconds: number;
  readonly endedAtSeconds: number;
  /** /proc readings every 250 ms. */
  readonly samples: number;
  /** Readings right after the process's own full GCs (none for redis-server). */
  readonly settledSamples: number;
  readonly trend: ProcessTrend | null;
  /** RSS thinned to at most 40 evenly spaced samples, with the sentences recorded at each. */
  readonly timeline: { seconds: number; recorded: number; rssMB: number }[];
  readonly settledTimeline: SettledPoint[];
}

export interface RedisFigures {
  /** Empty server, before the study. */
  readonly usedMemoryStartMB: number;
  /** INFO used_memory_peak at the end: Redis's own exact peak of allocated memory. */
  readonly usedMemoryPeakMB: number;
  readonly sampledPeakUsedMemoryMB: number;
  readonly usedMemoryEndMB: number;
  /** VmHWM of the redis-server process. */
  readonly serverPeakRssMB: number;
  readonly maxResultStream: number;
  /** Largest recorded-batches bitmap seen, in bytes. */
  readonly maxRecordedGuardBytes: number;
  readonly maxCompletedJobs: number;
  readonly maxUnfinishedJobs: number;
  /** The census (every key's MEMORY USAGE, sampled) taken nearest the used_memory peak. */
  readonly censusAtPeak: RedisCensus;
  /** Largest bytes each category held in any census during the run. */
  readonly categoryPeakBytes: Record<KeyCategory, number>;
  /** After the aggregator finished, with exact MEMORY USAGE (SAMPLES 0). */
  readonly finalCensus: RedisCensus;
  readonly censuses: number;
}

export interface LoadRun {
  readonly size: number;
  /** Null: GC left to V8 (the peak runs); else full GCs forced this often (the trend runs). */
  readonly forcedGcEveryMs: number | null;
  readonly corpusMix: LoadCorpus['mix'];
  readonly expected: ExpectedCounts;
  readonly output: OutputCheck;
  readonly exact: boolean;
  readonly timings: {
    readonly wallSeconds: number;
    readonly firstOutcomeSeconds: number | null;
    readonly producerDoneSeconds: number;
    readonly allRecordedSeconds: number | null;
    readonly aggregatorDoneSeconds: number;
    /** processed / wall time, process start-up included. */
    readonly sentencesPerSecond: number;
    /** processed / (all recorded - first recorded): the pipeline's pace once running. */
    readonly steadySentencesPerSecond: number | null;
    readonly loadAverageAtStart: number;
    readonly loadAverageAtEnd: number;
  };
  readonly processes: ProcessFigures[];
  readonly redis: RedisFigures;
  /** The run's ticks thinned to at most 60 evenly spaced. */
  readonly timeline: RunPoint[];
}

export interface LoadResults {
  readonly mode: 'full' | 'quick';
  readonly command: string;
  readonly machine: MachineInfo;
  readonly model: string;
  readonly settings: RetentionSettings;
  readonly sampleEveryMs: number;
  readonly censusEverySeconds: number;
  readonly totalSeconds: number;
  /** GC left to V8: peaks, timings, Redis, counts. */
  readonly runs: LoadRun[];
  /** The same corpora again with a full GC forced every second in each study process: live memory and its trend. */
  readonly forcedGcRuns: LoadRun[];
  readonly verdicts: LoadVerdicts;
}
