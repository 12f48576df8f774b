import type { QueuedSentence } from '../src/pipeline/sentenceOutcome.ts';

/** Job kind `analyse-batch`: a batch of corpus sentences for one worker call. */
export const ANALYSE_BATCH = 'analyse-batch';

export interface AnalyseBatchData {
  /** Study hash, so a worker started on another study's file refuses the job instead of mixing numbers. */
  readonly studyHash: string;
  readonly batch: number;
  readonly sentences: QueuedSentence[];
}

export interface AnalyseBatchResult {
  /** Outcomes new to the ledger (fewer than the batch when an earlier run of this job recorded some). */
  readonly recorded: number;
  readonly processed: number;
  readonly failed: number;
}
