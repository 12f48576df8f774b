import type { SessionSettings } from '../model/modelTypes.ts';
import type { CorpusSource } from '../corpus/corpusTypes.ts';
import type { DtiParams } from '../math/dtiTypes.ts';

export interface StudyModelOptions {
  readonly dropSpecialTokens: boolean;
  readonly truncate: boolean;
  /** Sentences per model call. */
  readonly batchSize: number;
  /** Longest sentence in tokens; null = the model's own limit. */
  readonly maxTokens: number | null;
  /** onnxruntime intra-op threads; null = its default. */
  readonly intraOpThreads: number | null;
  readonly graphOptimization: NonNullable<SessionSettings['graphOptimizationLevel']>;
  /** cuda needs onnxruntime-node with CUDA on the machine. */
  readonly executionProvider: NonNullable<SessionSettings['executionProvider']>;
}

export interface StudyRedis {
  readonly url: string;
  readonly queue: string;
}

/** How sentences travel through the Redis queue (BullMQ job settings). */
export interface StudyJobs {
  /** Sentences per queued job. */
  readonly batchSize: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly keepCompleted: number;
  readonly keepFailed: number;
  /** The producer waits while this many jobs are waiting, so the queue stays bounded. */
  readonly maxQueued: number;
  /** BullMQ lock duration of a job, in ms; stalled jobs are looked for every half of it. */
  readonly lockMs: number;
  /** Workers wait while the results stream holds more outcomes than this, so Redis stays bounded without an aggregator. */
  readonly maxResultBacklog: number;
  /** Outcomes per aggregator checkpoint (and results-stream trim); at most maxResultBacklog. */
  readonly aggregateSegment: number;
}

/** A study with every default filled and every path absolute. */
export interface Study {
  /** Absolute path of the study file. */
  readonly file: string;
  readonly name: string;
  /** Model directory. */
  readonly model: string;
  /** Sources with absolute paths, in reading order. */
  readonly corpus: readonly CorpusSource[];
  readonly dti: DtiParams;
  readonly modelOptions: StudyModelOptions;
  /** Output directory. */
  readonly output: string;
  /** Write full per-sentence anisotropy/angle fields. */
  readonly fields: boolean;
  readonly redis: StudyRedis;
  /** Worker concurrency per process. */
  readonly concurrency: number;
  readonly jobs: StudyJobs;
}

/** Command-line values that win over the study file; paths resolve against the working directory. */
export interface StudyOverrides {
  /** Replaces the file's corpus entirely (repeatable flag). */
  readonly corpus?: readonly string[];
  /** Domain of the --corpus sources; only valid with corpus. */
  readonly domain?: string;
  readonly model?: string;
  readonly out?: string;
}
