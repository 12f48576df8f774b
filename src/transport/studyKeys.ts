/** Names of everything a distributed study keeps in Redis, derived from its queue name. */
export interface StudyKeys {
  /** BullMQ queue of `analyse-batch` jobs. */
  readonly queue: string;
  /**
   * Bitmap with bit n set once batch n's outcomes are recorded: the at-least-once guard, one bit
   * per batch (a few hundred bytes for a million sentences), not one set member per sentence.
   */
  readonly recordedBatches: string;
  /** Bitmap with bit n set once the corpus's n-th unreadable line is recorded (the producer's failures). */
  readonly recordedUnreadable: string;
  /** Stream of recorded outcomes, consumed (and trimmed) by the aggregator. */
  readonly results: string;
  /** Hash of the producer's counts (read, duplicate, empty, invalid, queued, produced) and recorded counts. */
  readonly counts: string;
  /**
   * Hash marking the run of the study Redis holds (id, studyHash, startedAt), written by the
   * producer when it starts one: gone or replaced means the study's state here was lost (studyEpoch.ts).
   */
  readonly epoch: string;
}

export function studyKeys(queue: string): StudyKeys {
  const base = `donald:${queue}`;
  return {
    queue,
    recordedBatches: `${base}:recordedBatches`,
    recordedUnreadable: `${base}:recordedUnreadable`,
    results: `${base}:results`,
    counts: `${base}:counts`,
    epoch: `${base}:epoch`,
  };
}

/** Queue of scheduled study runs (BullMQ job schedulers live on it). */
export const SCHEDULE_QUEUE = 'donald-schedules';
