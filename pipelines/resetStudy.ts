import { rm } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Study } from '../src/study/studyTypes.ts';
import { studyKeys } from '../src/transport/studyKeys.ts';
import { analyseBatchQueue } from '../src/transport/studyQueue.ts';
import { AGGREGATE_STATE_FILE } from './aggregateStudy.ts';
import path from 'node:path';

/** Forgets a distributed study: its run marker, jobs, ledger, counts and the aggregator's checkpoint. */
export async function resetStudy(study: Study, redis: Redis): Promise<void> {
  const keys = studyKeys(study.redis.queue);
  // The marker first: processes of the old run stop (see studyEpoch.ts) instead of recording into the new one.
  await redis.del(keys.epoch);
  const queue = analyseBatchQueue(study, redis);
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
  // Every other key of the study (ledger, guards, counts), taken from StudyKeys so none is forgotten.
  const { queue: _queue, epoch: _epoch, ...stored } = keys;
  await redis.del(...Object.values(stored));
  await rm(path.join(study.output, AGGREGATE_STATE_FILE), { force: true });
}
