/** Names of everything a distributed study keeps in Redis, derived from its queue name. */
export interface StudyKeys {
  /** BullMQ queue of `analyse-batch` jobs. */
  readonly queue: string;
  /** Set of sentence ids whose outcome is recorded: the at-least-once guard. */
  readonly recorded: string;
  /** Stream of recorded outcomes, consumed (and trimmed) by the aggregator. */
  readonly results: string;
  /** Hash of the producer's counts (read, duplicate, empty, invalid, queued, produced) and recorded counts. */
  readonly counts: string;
}

export function studyKeys(queue: string): StudyKeys {
  const base = `donald:${queue}`;
  return { queue, recorded: `${base}:recorded`, results: `${base}:results`, counts: `${base}:counts` };
}

/** Queue of scheduled study runs (BullMQ job schedulers live on it). */
export const SCHEDULE_QUEUE = 'donald-schedules';
