import type { Redis } from 'ioredis';
import type { IntakeCounts } from '../pipeline/corpusIntake.ts';
import type { StudyKeys } from './studyKeys.ts';

/** The producer's and the ledger's counts of a distributed study, as kept in one Redis hash. */
export interface DistributedCounts {
  readonly studyHash: string | null;
  readonly intake: IntakeCounts;
  /** The producer read the whole corpus. */
  readonly produced: boolean;
  /** Batches the producer has handed to the queue (its restart point). */
  readonly batches: number;
  /** Outcomes recorded in the ledger. */
  readonly recordedProcessed: number;
  readonly recordedFailed: number;
}

export async function readDistributedCounts(redis: Redis, keys: StudyKeys): Promise<DistributedCounts> {
  const h = await redis.hgetall(keys.counts);
  const n = (k: string): number => Number(h[k] ?? 0);
  return {
    studyHash: h.studyHash ?? null,
    intake: { read: n('read'), duplicate: n('duplicate'), empty: n('empty'), invalid: n('invalid'), queued: n('queued') },
    produced: h.produced === '1',
    batches: n('batches'),
    recordedProcessed: n('processed'),
    recordedFailed: n('failed'),
  };
}

/**
 * Every sentence the producer let through has an outcome in the ledger. More than that can only
 * come from a bug (a sentence in two batches); it counts as done here so workers stop, and the
 * aggregator refuses to publish it.
 */
export function allRecorded(c: DistributedCounts): boolean {
  return c.produced && c.recordedProcessed + c.recordedFailed >= c.intake.queued + c.intake.invalid;
}
