import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { HiddenStateModel } from '../src/model/modelTypes.ts';
import { analyseSentences, type AnalysisSettings } from '../src/pipeline/sentenceAnalysis.ts';
import { failedSentence } from '../src/pipeline/sentenceOutcome.ts';
import type { ResultBacklog } from '../src/transport/resultBacklog.ts';
import type { ResultLedger } from '../src/transport/resultLedger.ts';
import type { AnalyseBatchData, AnalyseBatchResult } from './analyseBatchJob.ts';

export interface AnalyseBatchOptions {
  /** This worker's study hash: a job of another study is handed back, never analysed. */
  readonly studyHash: string;
  /** Called with a job of another study (the caller stops this worker). */
  readonly onForeignJob?: (job: Job<AnalyseBatchData, AnalyseBatchResult>) => void;
  /** jobs.maxResultBacklog: wait before analysing while the results stream is this full. */
  readonly backlog?: ResultBacklog;
  /** The worker is stopping: a job waiting on the backlog is handed back instead. */
  readonly stopping?: () => boolean;
}

/**
 * Processor of `analyse-batch` jobs: the shared stage (model + DTI) on the batch, outcomes into
 * the idempotent ledger. A throw here (model crash, Redis gone) lets BullMQ retry with backoff.
 */
export function analyseBatchProcessor(
  model: HiddenStateModel,
  settings: AnalysisSettings,
  ledger: ResultLedger,
  options: AnalyseBatchOptions,
): (job: Job<AnalyseBatchData, AnalyseBatchResult>, token?: string) => Promise<AnalyseBatchResult> {
  return async (job, token) => {
    if (job.data.studyHash !== options.studyHash) {
      // Another study's job (a worker started with the wrong study file): hand it back untouched,
      // without using up an attempt, so a correct worker takes it; the caller stops this worker.
      options.onForeignJob?.(job);
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError();
    }
    if (options.backlog !== undefined && !(await options.backlog.waitForRoom(options.stopping))) {
      // Stopping while the aggregator is behind: hand the batch back without using an attempt.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    const outcomes = await analyseSentences(model, job.data.sentences, settings);
    // One call for the whole batch: the ledger records it all or (recorded before) none of it.
    // Refused (LostStudyEpoch, failing the job) if the run it was queued under is gone from Redis.
    const recorded = await ledger.record(job.data.batch, outcomes, job.data.epoch);
    const failed = outcomes.filter((o) => o.kind === 'failed').length;
    return { recorded, processed: outcomes.length - failed, failed };
  };
}

/**
 * After the last attempt, a job's sentences are recorded as failed with the job's error, so the
 * study still closes its accounts. The ledger guards by batch, and an attempt records its batch
 * whole or not at all: if an earlier attempt got as far as recording, this records nothing;
 * otherwise every sentence of the batch is failed here.
 * BullMQ also fails a job for good before its last attempt with an UnrecoverableError, e.g. a job
 * that stalled more than maxStalledCount times (a batch that kills every worker taking it).
 */
export async function recordExhaustedJob(job: Job<AnalyseBatchData, AnalyseBatchResult>, error: Error, ledger: ResultLedger): Promise<void> {
  const attempts = job.opts.attempts ?? 1;
  const final = job.attemptsMade >= attempts || error instanceof UnrecoverableError || error.name === 'UnrecoverableError';
  if (!final) return;
  await ledger.record(
    job.data.batch,
    job.data.sentences.map((s) => failedSentence(s, `job failed after ${job.attemptsMade} attempts: ${error.message}`, job.attemptsMade)),
    job.data.epoch,
  );
}
