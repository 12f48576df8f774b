import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DTI_PARAMS } from '../src/math/dtiTypes.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { redisConnection } from '../src/transport/redisConnection.ts';
import { ResultLedger } from '../src/transport/resultLedger.ts';
import { readDistributedCounts } from '../src/transport/studyCounts.ts';
import { studyKeys } from '../src/transport/studyKeys.ts';
import { analyseBatchProcessor } from '../workers/analyseBatch.ts';
import { ANALYSE_BATCH, type AnalyseBatchData, type AnalyseBatchResult } from '../workers/analyseBatchJob.ts';
import { deleteQueueKeys, MACHINE_REDIS_URL, testRedis, uniqueQueue } from './studyFixtures.ts';
import { repoRoot } from './sharedAssets.ts';

describe('a worker of another study (wrong study file, same queue)', () => {
  const queueName = uniqueQueue('foreign');
  const redis = testRedis(MACHINE_REDIS_URL);
  afterAll(async () => {
    await deleteQueueKeys(redis, queueName);
    redis.disconnect();
  });

  it('hands the job back untouched (no attempt used, nothing recorded) and asks to be stopped', async () => {
    const keys = studyKeys(queueName);
    const queue = new Queue<AnalyseBatchData, AnalyseBatchResult>(queueName, { connection: redisConnection(MACHINE_REDIS_URL) });
    const sentence = { id: 's1', domain: 'news', text: 'The council met on Monday.', source: 'news.txt', line: 1 };
    await queue.add(ANALYSE_BATCH, { studyHash: 'a'.repeat(64), batch: 0, sentences: [sentence] }, { jobId: 'batch-0', attempts: 3 });

    const model = await openModel(path.join(repoRoot, 'test/fixtures/models/tiny-gpt2'));
    const ledger = new ResultLedger(redis, keys);
    const foreign: string[] = [];
    const settings = { dti: DEFAULT_DTI_PARAMS, includeEmbeddings: false, fields: false, modelOptions: {} };
    const connection = redisConnection(MACHINE_REDIS_URL);
    const worker = new Worker<AnalyseBatchData, AnalyseBatchResult>(
      queueName,
      analyseBatchProcessor(model, settings, ledger, { studyHash: 'b'.repeat(64), onForeignJob: (job) => foreign.push(String(job.id)) }),
      { connection },
    );
    for (let i = 0; i < 100 && foreign.length === 0; i++) await sleep(100);
    await worker.close();
    connection.disconnect();
    await model.close();

    expect(foreign).toEqual(['batch-0']);
    const job = await Job.fromId<AnalyseBatchData, AnalyseBatchResult>(queue, 'batch-0');
    expect(job).toBeDefined();
    expect(await job?.getState()).toBe('delayed');
    expect(job?.attemptsMade).toBe(0);
    const counts = await readDistributedCounts(redis, keys);
    expect(counts.recordedProcessed + counts.recordedFailed).toBe(0);
    expect(await redis.exists(keys.results)).toBe(0);
    expect(await redis.exists(keys.recordedBatches)).toBe(0);
    await queue.close();
  });
});
