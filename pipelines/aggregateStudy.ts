import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelInfo } from '../src/model/modelTypes.ts';
import { ProgressReporter } from '../src/pipeline/progressReporter.ts';
import { StudyAggregator, type AggregatorState } from '../src/pipeline/studyAggregator.ts';
import { writeStudyPictures } from '../src/pipeline/studyPictures.ts';
import { writeStudyReportHtml } from '../src/pipeline/studyReportHtml.ts';
import { buildManifest, closeAccounts, summaryLines } from '../src/pipeline/studyReport.ts';
import { studyHash } from '../src/study/studyManifest.ts';
import type { Study } from '../src/study/studyTypes.ts';
import { redisConnection } from '../src/transport/redisConnection.ts';
import { warnIfRedisForgets } from '../src/transport/redisDurability.ts';
import { redisAddress } from '../src/transport/redisReachability.ts';
import { ResultLedger } from '../src/transport/resultLedger.ts';
import { allRecorded, readDistributedCounts } from '../src/transport/studyCounts.ts';
import { StudyEpochWatch, readStudyEpoch, studyStateLost } from '../src/transport/studyEpoch.ts';
import { studyKeys, type StudyKeys } from '../src/transport/studyKeys.ts';
import type { Redis } from 'ioredis';
import { UserError } from '../src/userError.ts';
import { writeFileAtomic } from '../src/writers/atomicFile.ts';
import { ManifestWriter, type StudyManifest } from '../src/writers/manifestWriter.ts';

/** Checkpoint of a running aggregation, beside the outputs it describes. */
export const AGGREGATE_STATE_FILE = '.aggregate-state.json';

interface AggregateCheckpoint {
  readonly studyHash: string;
  readonly startedAt: string;
  /** The study run (studyEpoch.ts) whose outcomes are folded in; absent in checkpoints of older versions. */
  readonly epoch?: string;
  /** Last ledger stream entry folded into `aggregator`. */
  readonly lastStreamId: string;
  readonly aggregator: AggregatorState;
}

export interface AggregateOptions {
  readonly progress?: boolean;
  /** Outcomes per durable segment (default jobs.aggregateSegment): the most a crash can make the aggregator re-read. */
  readonly segmentSize?: number;
  readonly pollMs?: number;
  /** Model description for the manifest (the aggregator itself never runs the model). */
  readonly modelInfo: () => Promise<ModelInfo>;
}

/**
 * Folds the ledger's outcomes into the study outputs while workers run, until every sentence the
 * producer queued has an outcome. Checkpoints after each segment, then trims the ledger, so Redis
 * holds only unaggregated outcomes and a restarted aggregator resumes where the last one stopped.
 */
export async function aggregateStudy(study: Study, options: AggregateOptions): Promise<StudyManifest> {
  const redis = redisConnection(study.redis.url);
  const keys = studyKeys(study.redis.queue);
  const ledger = new ResultLedger(redis, keys);
  const hash = studyHash(study);
  const statePath = path.join(study.output, AGGREGATE_STATE_FILE);
  const segmentSize = options.segmentSize ?? study.jobs.aggregateSegment;
  const address = redisAddress(study.redis.url);
  try {
    const checkpoint = await readCheckpoint(statePath, hash);
    // The run the checkpoint folded must still be in Redis: else the outcomes recorded since it
    // (and the guard bits) are gone, and resuming would miss them or fold a second copy.
    const current = await readStudyEpoch(redis, keys);
    if (checkpoint?.epoch !== undefined && current?.id !== checkpoint.epoch) throw studyStateLost(address, study.file);
    // Before any producer there is no run yet: the aggregator waits for one, as it waits for outcomes.
    const watch = new StudyEpochWatch(redis, keys, { address, studyFile: study.file }, current);
    if (checkpoint === undefined) await refuseIfAlreadyAggregated(study, redis, keys, ledger);
    const startedAt = checkpoint ? new Date(checkpoint.startedAt) : new Date();
    let lastStreamId = checkpoint?.lastStreamId ?? '0';
    // A crash between writing the checkpoint and trimming leaves folded entries in the stream,
    // where they would count against jobs.maxResultBacklog for a whole segment: trim them now.
    if (lastStreamId !== '0') await ledger.trimThrough(lastStreamId);
    const aggregator = await StudyAggregator.open(study.output, { fields: study.fields }, checkpoint?.aggregator);
    await warnIfRedisForgets(redis, address);
    const progress = options.progress === false ? undefined : new ProgressReporter(`${study.name} (aggregating)`, null);
    let inSegment = 0;

    const saveCheckpoint = async (): Promise<void> => {
      const state = await aggregator.endSegment();
      const next: AggregateCheckpoint = { studyHash: hash, startedAt: startedAt.toISOString(), epoch: watch.run?.id, lastStreamId, aggregator: state };
      await writeFileAtomic(statePath, JSON.stringify(next));
      // Trim only after the checkpoint is on disk: a crash in between re-reads nothing twice (lastStreamId).
      if (lastStreamId !== '0') await ledger.trimThrough(lastStreamId);
      inSegment = 0;
    };

    for (;;) {
      // Throws (exit 3) once Redis lost this study's run; checked before each read, so every
      // outcome folded was read while the run was there.
      await watch.check();
      const entries = await ledger.readAfter(lastStreamId, 500);
      if (entries.length > 0) {
        await aggregator.fold(entries.map((e) => e.outcome));
        lastStreamId = entries[entries.length - 1].streamId;
        inSegment += entries.length;
        if (inSegment >= segmentSize) await saveCheckpoint();
        if (progress) {
          const c = await readDistributedCounts(redis, keys);
          progress.setTotal(c.produced ? c.intake.queued + c.intake.invalid : Math.max(c.intake.queued, 1));
          progress.update(aggregator.counts.processed + aggregator.counts.failed, aggregator.counts.failed);
        }
        continue;
      }
      const counts = await readDistributedCounts(redis, keys);
      if (counts.studyHash !== null && counts.studyHash !== hash) {
        throw new UserError(`Redis queue "${keys.queue}" holds another study (hash ${counts.studyHash.slice(0, 12)}): aggregate with the producer's study file`);
      }
      if (inSegment > 0 && (await ledger.untrimmed()) > study.jobs.maxResultBacklog) {
        // Caught up, yet the stream is over the bound workers wait at (possible only with a
        // segmentSize above jobs.maxResultBacklog): trim now, or workers would wait forever.
        await saveCheckpoint();
      }
      const folded = aggregator.counts.processed + aggregator.counts.failed;
      const expected = counts.intake.queued + counts.intake.invalid;
      if (counts.produced && counts.recordedProcessed + counts.recordedFailed > expected) {
        // The ledger guards batches, and the producer puts each sentence id in one batch only:
        // more outcomes than sentences means a sentence was recorded in two batches (a bug).
        throw new Error(
          `Redis queue "${keys.queue}" holds ${counts.recordedProcessed + counts.recordedFailed} recorded outcomes for ${expected} sentences: ` +
            `some sentence was recorded twice; the numbers cannot be trusted, run \`donald produce ${study.file} --fresh\` and the study again`,
        );
      }
      // The counts just read are this run's, not those of a Redis that lost it meanwhile.
      await watch.check();
      if (allRecorded(counts) && folded === counts.recordedProcessed + counts.recordedFailed) {
        // Checkpoint the complete state first: a crash while writing the outputs then redoes only that.
        await saveCheckpoint();
        const result = await aggregator.finish();
        const accounts = closeAccounts(counts.intake, result);
        const manifest = await buildManifest(study, await options.modelInfo(), accounts, startedAt, 'distributed');
        await writeStudyPictures(study.output, study.name, result, manifest.notes);
        await writeStudyReportHtml({ study, outDir: study.output, manifest, result });
        // Last: a manifest.json means every other output is complete (a failed write leaves none).
        await new ManifestWriter(study.output).write(manifest);
        await rm(statePath, { force: true });
        if (options.progress !== false) process.stderr.write(`${summaryLines(study, study.output, manifest, result).join('\n')}\n`);
        return manifest;
      }
      await sleep(options.pollMs ?? 250);
    }
  } finally {
    redis.disconnect();
  }
}

async function readCheckpoint(file: string, hash: string): Promise<AggregateCheckpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const checkpoint = JSON.parse(text) as AggregateCheckpoint;
  if (checkpoint.studyHash !== hash) {
    throw new UserError(`${file} is the checkpoint of another study (hash ${checkpoint.studyHash.slice(0, 12)}): delete it or use another output folder`);
  }
  return checkpoint;
}

/**
 * Without a checkpoint, a study whose every outcome is recorded but gone from the ledger was
 * aggregated before (the ledger is trimmed as it is folded): starting afresh would find nothing
 * to fold and wait forever, so say so instead.
 */
async function refuseIfAlreadyAggregated(study: Study, redis: Redis, keys: StudyKeys, ledger: ResultLedger): Promise<void> {
  const counts = await readDistributedCounts(redis, keys);
  const recorded = counts.recordedProcessed + counts.recordedFailed;
  if (allRecorded(counts) && recorded > 0 && (await ledger.untrimmed()) === 0) {
    throw new UserError(
      `study ${study.name} on queue "${keys.queue}" is already aggregated (${recorded} sentences; see ${path.join(study.output, 'manifest.json')}): ` +
        `to run it again, \`donald produce ${study.file} --fresh\` first`,
    );
  }
}
