import type { QueuedSentence } from '../src/pipeline/sentenceOutcome.ts';

/** Job kind `analyse-batch`: a batch of corpus sentences for one worker call. */
export const ANALYSE_BATCH = 'analyse-batch';

export interface AnalyseBatchData {
  /** Study hash, so a worker started on another study's file refuses the job instead of mixing numbers. */
  readonly studyHash: string;
  /** The study run (epoch, see studyEpoch.ts) the producer queued it under: recorded only while that run is in Redis. */
  readonly epoch?: string;
  /** The producer's batch number (0, 1, ...; job id `batch-<n>`): the ledger's idempotency key, kept by a re-queued copy. */
  readonly batch: number;
  readonly sentences: QueuedSentence[];
}

export interface AnalyseBatchResult {
  /** Outcomes new to the ledger: the whole batch, or 0 when an earlier run of this batch recorded it. */
  readonly recorded: number;
  readonly processed: number;
  readonly failed: number;
}
