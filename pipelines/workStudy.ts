import { Worker } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { studyHash } from '../src/study/studyManifest.ts';
import type { Study } from '../src/study/studyTypes.ts';
import { redisConnection } from '../src/transport/redisConnection.ts';
import { warnIfRedisForgets } from '../src/transport/redisDurability.ts';
import { redisAddress } from '../src/transport/redisReachability.ts';
import { ResultBacklog } from '../src/transport/resultBacklog.ts';
import { ResultLedger } from '../src/transport/resultLedger.ts';
import { allRecorded, readDistributedCounts } from '../src/transport/studyCounts.ts';
import { StudyEpochWatch } from '../src/transport/studyEpoch.ts';
import { studyKeys } from '../src/transport/studyKeys.ts';
import { UserError } from '../src/userError.ts';
import { analyseBatchProcessor, recordExhaustedJob } from '../workers/analyseBatch.ts';
import type { AnalyseBatchData, AnalyseBatchResult } from '../workers/analyseBatchJob.ts';
import { analysisSettings, studySessionSettings } from '../src/pipeline/studySettings.ts';

export interface WorkOptions {
  /** Stop once every queued sentence of the study has an outcome (else run until SIGINT/SIGTERM). */
  readonly exitWhenDone?: boolean;
  readonly pollMs?: number;
  readonly log?: boolean;
}

/**
 * A worker process: loads the model once, then takes `analyse-batch` jobs. Any number of these
 * may run on any hosts against the same Redis.
 */
export async function workStudy(study: Study, options: WorkOptions = {}): Promise<void> {
  const log = (line: string): void => {
    if (options.log !== false) process.stderr.write(`${line}\n`);
  };
  const keys = studyKeys(study.redis.queue);
  const redis = redisConnection(study.redis.url);
  const ledger = new ResultLedger(redis, keys);
  const hash = studyHash(study);
  const queued = (await readDistributedCounts(redis, keys)).studyHash;
  if (queued !== null && queued !== hash) {
    redis.disconnect();
    throw new UserError(
      `Redis queue "${keys.queue}" holds another study (hash ${queued.slice(0, 12)}, this file ${hash.slice(0, 12)}): start workers with the producer's study file`,
    );
  }
  const address = redisAddress(study.redis.url);
  // Before any producer there is no run yet: the worker waits for one, as it waits for jobs.
  const watch = new StudyEpochWatch(redis, keys, { address, studyFile: study.file });
  await watch.check();
  const model = await openModel(study.model, studySessionSettings(study));
  const workerConnection = redisConnection(study.redis.url);
  let stopping = false;
  const backlog = new ResultBacklog(ledger, { maxBacklog: study.jobs.maxResultBacklog, pollMs: options.pollMs, log });
  const worker = new Worker<AnalyseBatchData, AnalyseBatchResult>(
    keys.queue,
    analyseBatchProcessor(model, analysisSettings(study), ledger, {
      studyHash: hash,
      onForeignJob: (job) => {
        log(`job ${job.id} belongs to another study (hash ${job.data.studyHash.slice(0, 12)}): handing it back and stopping this worker; start it with the producer's study file`);
        stopping = true;
      },
      backlog,
      stopping: () => stopping,
    }),
    // Stalled jobs (a worker died holding them) are looked for every half lock, as BullMQ advises.
    { connection: workerConnection, concurrency: study.concurrency, lockDuration: study.jobs.lockMs, stalledInterval: Math.max(1000, Math.floor(study.jobs.lockMs / 2)) },
  );
  worker.on('completed', (job, result) => log(`job ${job.id}: ${result.processed} processed, ${result.failed} failed`));
  worker.on('failed', (job, err) => {
    if (job === undefined) return;
    log(`job ${job.id} failed (attempt ${job.attemptsMade}): ${err.message}`);
    void recordExhaustedJob(job, err, ledger).catch((e: unknown) => log(`could not record the failure of job ${job.id}: ${String(e)}`));
  });
  worker.on('error', (err: NodeJS.ErrnoException) => {
    // Connection errors (an errno code) are reported once by redisConnection; others are news.
    if (err.code === undefined) log(`worker error: ${err.message}`);
  });

  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await warnIfRedisForgets(redis, address);
  log(`${study.name}: worker ready on queue ${keys.queue} (concurrency ${study.concurrency})`);
  try {
    while (!stopping) {
      await sleep(options.pollMs ?? 500);
      // Throws (exit 3) once Redis lost this study's run: its outcomes are gone, waiting would be for ever.
      await watch.check();
      if (options.exitWhenDone && allRecorded(await readDistributedCounts(redis, keys))) break;
    }
  } finally {
    stopping = true;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await worker.close();
    await model.close();
    // BullMQ leaves connections it was given open; a worker that is done must let the process exit.
    workerConnection.disconnect();
    redis.disconnect();
    log(`${study.name}: worker stopped`);
  }
}
