import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Study } from '../study/studyTypes.ts';
import type { AnalyseBatchData, AnalyseBatchResult } from '../../workers/analyseBatchJob.ts';
import { ANALYSE_BATCH } from '../../workers/analyseBatchJob.ts';
import { studyKeys } from './studyKeys.ts';

export type AnalyseBatchQueue = Queue<AnalyseBatchData, AnalyseBatchResult, typeof ANALYSE_BATCH>;

/** The study's BullMQ queue with its retry and retention policy from the study file. */
export function analyseBatchQueue(study: Study, connection: Redis): AnalyseBatchQueue {
  const queue = new Queue<AnalyseBatchData, AnalyseBatchResult, typeof ANALYSE_BATCH>(studyKeys(study.redis.queue).queue, {
    connection,
    defaultJobOptions: {
      attempts: study.jobs.attempts,
      backoff: { type: 'exponential', delay: study.jobs.backoffMs },
      removeOnComplete: { count: study.jobs.keepCompleted },
      removeOnFail: { count: study.jobs.keepFailed },
    },
  });
  // BullMQ prints an unheard 'error' with its stack; the connection's own listener (redisConnection)
  // already reports an outage in one line, and the queue's commands wait for Redis to return.
  queue.on('error', () => undefined);
  return queue;
}

/** Jobs not yet finished: what backpressure and "is the study done" look at. */
export async function unfinishedJobs(queue: AnalyseBatchQueue): Promise<number> {
  return queue.getJobCountByTypes('waiting', 'delayed', 'prioritized', 'waiting-children', 'active');
}
