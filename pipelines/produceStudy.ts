import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { countRecords } from '../src/corpus/countRecords.ts';
import { readCorpus } from '../src/corpus/readCorpus.ts';
import { CorpusIntake, type IntakeCounts } from '../src/pipeline/corpusIntake.ts';
import { ProgressReporter } from '../src/pipeline/progressReporter.ts';
import type { QueuedSentence } from '../src/pipeline/sentenceOutcome.ts';
import { studyHash } from '../src/study/studyManifest.ts';
import type { Study } from '../src/study/studyTypes.ts';
import { redisConnection } from '../src/transport/redisConnection.ts';
import { warnIfRedisForgets } from '../src/transport/redisDurability.ts';
import { redisAddress } from '../src/transport/redisReachability.ts';
import { ResultLedger } from '../src/transport/resultLedger.ts';
import { readDistributedCounts } from '../src/transport/studyCounts.ts';
import { LostStudyEpoch, StudyEpochWatch, openStudyEpoch, studyStateLost } from '../src/transport/studyEpoch.ts';
import { studyKeys, type StudyKeys } from '../src/transport/studyKeys.ts';
import { analyseBatchQueue, unfinishedJobs } from '../src/transport/studyQueue.ts';
import { UserError } from '../src/userError.ts';
import type { Redis } from 'ioredis';
import { ANALYSE_BATCH } from '../workers/analyseBatchJob.ts';
import { AGGREGATE_STATE_FILE } from './aggregateStudy.ts';
import { resetStudy } from './resetStudy.ts';

export interface ProduceOptions {
  readonly progress?: boolean;
  /** Clear the study's queue, ledger and counts first (a new run of the same study). */
  readonly fresh?: boolean;
  readonly pollMs?: number;
}

/**
 * Streams the corpus into the queue in batches, never more than `jobs.maxQueued` unfinished jobs
 * at a time (backpressure), so a corpus of millions of lines never floods Redis. Restartable: the
 * corpus is re-read to rebuild the intake decisions, and batches already handed over are skipped.
 */
export async function produceStudy(study: Study, options: ProduceOptions = {}): Promise<IntakeCounts> {
  const redis = redisConnection(study.redis.url);
  const keys = studyKeys(study.redis.queue);
  const queue = analyseBatchQueue(study, redis);
  const ledger = new ResultLedger(redis, keys);
  const hash = studyHash(study);
  const address = redisAddress(study.redis.url);
  try {
    if (options.fresh) await resetStudy(study, redis);
    const before = await readDistributedCounts(redis, keys);
    if (before.studyHash !== null && before.studyHash !== hash) {
      throw new UserError(
        `Redis queue "${keys.queue}" holds another study (hash ${before.studyHash.slice(0, 12)}, this one ${hash.slice(0, 12)}): ` +
          `run \`donald produce ${study.file} --fresh\` to start over, or set redis.queue in the study file`,
      );
    }
    await refuseLostRun(study, redis, keys, address);
    const { run: epoch } = await openStudyEpoch(redis, keys, hash);
    const watch = new StudyEpochWatch(redis, keys, { address, studyFile: study.file }, epoch);
    await warnIfRedisForgets(redis, address);
    await redis.hset(keys.counts, 'studyHash', hash);
    const resumeFrom = before.batches;
    const progress = options.progress === false ? undefined : new ProgressReporter(`${study.name} (queueing)`, await countRecords(study.corpus));

    const intake = new CorpusIntake();
    let batch: QueuedSentence[] = [];
    let batchIndex = 0;
    const handOver = async (): Promise<void> => {
      if (batch.length === 0) return;
      const sentences = batch;
      batch = [];
      const index = batchIndex++;
      if (index < resumeFrom) return; // handed over before a restart
      while ((await unfinishedJobs(queue)) >= study.jobs.maxQueued) {
        await watch.check();
        await sleep(options.pollMs ?? 200);
      }
      await watch.check();
      // A fixed job id makes re-adding after a crash a no-op while the job is still known to BullMQ.
      await queue.add(ANALYSE_BATCH, { studyHash: hash, epoch: epoch.id, batch: index, sentences }, { jobId: `batch-${index}` });
      await redis.hset(keys.counts, 'batches', index + 1);
      progress?.update(intake.counts.read, intake.counts.invalid);
    };
    for await (const record of readCorpus(study.corpus)) {
      const decision = intake.take(record);
      if (decision.kind === 'queue') {
        batch.push(decision.sentence);
        if (batch.length >= study.jobs.batchSize) await handOver();
      } else if (decision.kind === 'failed') {
        // Guarded by its place among the corpus's unreadable lines, the same after a restart.
        await ledger.recordUnreadable(intake.counts.invalid - 1, decision.failure, epoch.id);
      }
    }
    await handOver();
    const c = intake.counts;
    await redis.hset(keys.counts, { read: c.read, duplicate: c.duplicate, empty: c.empty, invalid: c.invalid, queued: c.queued, produced: 1 });
    // The counts just written went to the run this producer started, not to a Redis that lost it.
    await watch.check();
    progress?.update(c.read, c.invalid, true);
    if (options.progress !== false) {
      process.stderr.write(`${study.name}: queued ${c.queued} sentences in ${batchIndex} jobs (read ${c.read}, duplicate ${c.duplicate}, empty ${c.empty}, unreadable ${c.invalid})\n`);
    }
    return c;
  } catch (error) {
    if (error instanceof LostStudyEpoch) throw studyStateLost(address, study.file);
    throw error;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/**
 * A Redis without this study's run marker starts a new run, unless traces of an earlier run are
 * left: counts in Redis (written after the marker, so a marker gone means Redis lost it) or the
 * aggregator's checkpoint of a run on disk. Resuming either would miss or double outcomes.
 */
async function refuseLostRun(study: Study, redis: Redis, keys: StudyKeys, address: string): Promise<void> {
  if ((await redis.exists(keys.epoch)) === 1) return;
  if ((await redis.exists(keys.counts)) === 1 || (await checkpointEpoch(study)) !== undefined) throw studyStateLost(address, study.file);
}

/** The run named by the aggregator's checkpoint in the study's output folder, if there is one. */
async function checkpointEpoch(study: Study): Promise<string | undefined> {
  try {
    const checkpoint = JSON.parse(await readFile(path.join(study.output, AGGREGATE_STATE_FILE), 'utf8')) as { epoch?: string };
    return checkpoint.epoch;
  } catch {
    return undefined;
  }
}
