/**
 * Crash and resume of a distributed study: a worker, the aggregator or the producer SIGKILLed
 * mid-study and started again, and Redis stopped for seconds under running processes. Each must
 * end with exactly the embedded run's counts, per-sentence values (each sentence once) and
 * byte-identical statistics and rankings (the statistics are exact sums, so the order outcomes
 * arrive in does not matter).
 *
 * The scenarios run concurrently (each on its own queue and folder): the worker one spends most of
 * its time waiting for BullMQ's stalled-job check (the killed worker's lock lasts 30 s), and the
 * others use that time. Every kill is triggered by observed progress, never by elapsed time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { runEmbeddedStudy } from '../pipelines/embeddedStudy.ts';
import { loadStudy } from '../src/study/loadStudy.ts';
import { allRecorded, readDistributedCounts } from '../src/transport/studyCounts.ts';
import { studyKeys, type StudyKeys } from '../src/transport/studyKeys.ts';
import type { AnalyseBatchData, AnalyseBatchResult } from '../workers/analyseBatchJob.ts';
import {
  MACHINE_REDIS_URL,
  aggregateChildScript,
  deleteQueueKeys,
  expectSuccess,
  killHard,
  killLiveChildren,
  layerStatsDifferences,
  makeTempDir,
  readFailures,
  readLayerStats,
  readManifest,
  readSentences,
  sentencesById,
  spawnDonald,
  spawnTsx,
  testRedis,
  uniqueQueue,
  waitFor,
  writeRecombinedCorpus,
  writeStudyFile,
  type GeneratedCorpus,
  type ManifestCounts,
} from './studyFixtures.ts';
import { startPrivateRedis, type PrivateRedis } from './privateRedis.ts';

const PER_DOMAIN = 1000; // 3 domains: ~3000 sentences, a few seconds of work per worker
const JOB_SIZE = 32;

let tmp: string;
let redis: Redis;
let corpus: GeneratedCorpus;
/**
 * The embedded run of the same corpus, started in beforeAll but awaited only where a scenario
 * compares against it: it then overlaps the scenarios (the worker one mostly waits on BullMQ).
 */
let embedded: Promise<{ readonly out: string; readonly counts: ManifestCounts }> | undefined;

async function baseline(): Promise<{ readonly out: string; readonly counts: ManifestCounts }> {
  if (embedded === undefined) throw new Error('beforeAll did not start the embedded run');
  return embedded;
}
const queues: string[] = [];
const privateServers: PrivateRedis[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('crash');
  redis = testRedis(MACHINE_REDIS_URL);
  const corpusDir = path.join(tmp, 'corpus');
  await mkdir(corpusDir);
  corpus = await writeRecombinedCorpus(corpusDir, PER_DOMAIN);
  const file = await writeStudyFile(tmp, { name: 'crash-baseline', corpus: corpus.entries, output: path.join(tmp, 'unused') });
  const out = path.join(tmp, 'embedded');
  embedded = loadStudy(file).then(async (study) => ({ out, counts: (await runEmbeddedStudy(study, { outDir: out, progress: false })).counts }));
  embedded.catch(() => undefined); // reported by the tests that await it
});

afterAll(async () => {
  await killLiveChildren();
  await embedded?.catch(() => undefined);
  for (const q of queues) await deleteQueueKeys(redis, q);
  redis?.disconnect();
  for (const s of privateServers) await s.stop();
  await rm(tmp, { recursive: true, force: true });
});

interface Scenario {
  readonly file: string;
  readonly out: string;
  readonly queue: string;
  readonly keys: StudyKeys;
  /** A client on the scenario's Redis. */
  readonly redis: Redis;
}

async function scenario(label: string, options: { redisUrl?: string; redis?: Redis; jobs?: Record<string, number> } = {}): Promise<Scenario> {
  const queue = uniqueQueue(label);
  if (options.redisUrl === undefined) queues.push(queue);
  const dir = path.join(tmp, label);
  await mkdir(dir);
  const out = path.join(dir, 'out');
  const file = await writeStudyFile(dir, {
    name: `crash-${label}`,
    corpus: corpus.entries,
    output: out,
    queue,
    redisUrl: options.redisUrl,
    // A 3 s lock: a SIGKILLed worker's batch is taken over within seconds, not BullMQ's default 30 s.
    jobs: { batchSize: JOB_SIZE, backoffMs: 100, lockMs: 3000, ...options.jobs },
  });
  return { file, out, queue, keys: studyKeys(queue), redis: options.redis ?? redis };
}

async function recordedProcessed(s: Scenario): Promise<number> {
  return (await readDistributedCounts(s.redis, s.keys)).recordedProcessed;
}

/** Outputs that depend only on the set of outcomes, not their order: byte-identical to the embedded run's. */
const ORDER_FREE_OUTPUTS = ['layer_stats.csv', 'layer_stats.parquet', 'layer_stats.arrow', 'ranking.csv', 'ranking.json'];

/**
 * Counts exact; every sentence once (no id twice) and as many as the corpus has; statistics and
 * rankings byte-identical; sentences and failures the same set with the same values.
 */
async function expectSameAsEmbedded(expect: ExpectStatic, out: string): Promise<void> {
  const { out: embeddedOut, counts: embeddedCounts } = await baseline();
  const { counts } = await readManifest(out);
  expect(counts).toEqual(embeddedCounts);
  expect(counts.processed).toBe(corpus.fitting);
  expect(counts.failed).toBe(corpus.tooLong);
  expect(counts.read).toBe(counts.processed + counts.failed + counts.duplicate + counts.empty);
  const ids = (await readSentences(out)).map((r) => r.id);
  expect(ids.length).toBe(corpus.fitting);
  expect(new Set(ids).size).toBe(ids.length);
  expect(layerStatsDifferences(await readLayerStats(out), await readLayerStats(embeddedOut), 0)).toEqual([]);
  for (const name of ORDER_FREE_OUTPUTS) {
    expect(readFileSync(path.join(out, name)).equals(readFileSync(path.join(embeddedOut, name))), name).toBe(true);
  }
  const mine = sentencesById(await readSentences(out));
  const theirs = sentencesById(await readSentences(embeddedOut));
  expect(mine.size).toBe(theirs.size);
  for (const [id, s] of theirs) expect(mine.get(id), id).toEqual(s);
  const failed = (await readFailures(out)).map((f) => f.id).sort();
  expect(failed).toEqual((await readFailures(embeddedOut)).map((f) => f.id).sort());
  expect(existsSync(path.join(out, '.aggregate-state.json'))).toBe(false);
}

describe.concurrent('crash and resume', () => {
  it('the embedded run of the generated corpus accounts for every line the test wrote', async ({ expect }) => {
    expect((await baseline()).counts).toEqual({
      read: corpus.lines,
      processed: corpus.fitting,
      failed: corpus.tooLong,
      duplicate: corpus.duplicate,
      empty: corpus.empty,
    });
    expect(corpus.fitting).toBeGreaterThan(2900);
    expect(corpus.tooLong).toBeGreaterThan(0);
  });

  it('a SIGKILLed worker\'s batch is re-run by another worker (stalled job) with exact results', async ({ expect }) => {
    const s = await scenario('worker');
    const totalJobs = Math.ceil((corpus.fitting + corpus.tooLong) / JOB_SIZE);
    const queueConnection = testRedis(MACHINE_REDIS_URL);
    const queue = new Queue<AnalyseBatchData, AnalyseBatchResult>(s.queue, { connection: queueConnection });
    try {
      const producer = spawnDonald(['produce', s.file, '--no-progress'], 'producer');
      // Two workers from the start: the survivor's stalled-job checks are then already on their way
      // when A dies (BullMQ needs A's lock, jobs.lockMs = 3 s here, to lapse and two stalled checks).
      const workerA = spawnDonald(['work', s.file, '--exit-when-done', '--no-progress'], 'worker A');
      const workerB = spawnDonald(['work', s.file, '--exit-when-done', '--no-progress'], 'worker B');
      const aggregator = spawnDonald(['aggregate', s.file, '--no-progress'], 'aggregator');
      await expectSuccess(producer); // all jobs fit under the default maxQueued: the queue never runs dry while A works
      // Both workers busy (one active job each: a worker holds a job from its first fetch until the queue drains).
      await waitFor(
        '200 sentences recorded with both workers busy',
        async () => ((await recordedProcessed(s)) >= 200 && (await queue.getActiveCount()) === 2 ? true : undefined),
        [workerA, workerB, aggregator],
      );
      expect((await killHard(workerA)).signal).toBe('SIGKILL');
      expect(allRecorded(await readDistributedCounts(s.redis, s.keys))).toBe(false);
      const workerC = spawnDonald(['work', s.file, '--exit-when-done', '--no-progress'], 'worker C');
      for (const r of [workerB, workerC, aggregator]) await expectSuccess(r);

      const completed = await queue.getCompleted(0, -1);
      const active = await queue.getActive(0, -1);
      expect(completed.length + active.length).toBe(totalJobs);
      expect(await queue.getJobCountByTypes('waiting', 'delayed', 'failed')).toBe(0);
      const rerun = completed.filter((j) => j.stalledCounter > 0);
      if (active.length === 0) {
        // A died mid-batch: BullMQ declared its job stalled and another worker ran it, once.
        expect(rerun.map((j) => j.stalledCounter)).toEqual([1]);
      } else {
        // A died after recording its batch but before BullMQ marked the job completed: the ledger
        // already held every outcome, so the study closed without waiting for the stalled check.
        expect(active.length).toBe(1);
        expect(rerun).toEqual([]);
        expect(await s.redis.getbit(s.keys.recordedBatches, active[0].data.batch)).toBe(1);
      }
    } finally {
      await queue.close();
      queueConnection.disconnect();
    }
    await expectSameAsEmbedded(expect, s.out);
  });

  it('a SIGKILLed aggregator restarted from its checkpoint gives exact results', async ({ expect }) => {
    const s = await scenario('aggregator');
    const producer = spawnDonald(['produce', s.file, '--no-progress'], 'producer');
    const worker = spawnDonald(['work', s.file, '--exit-when-done', '--no-progress'], 'worker');
    const first = spawnTsx(aggregateChildScript, [s.file, '200'], 'aggregator 1');
    const statePath = path.join(s.out, '.aggregate-state.json');
    const checkpointed = await waitFor(
      'a checkpoint of at least 400 sentences',
      async () => {
        if (!existsSync(statePath)) return undefined;
        const state = JSON.parse(await readFile(statePath, 'utf8')) as { aggregator: { processed: number; segments: number } };
        return state.aggregator.processed >= 400 ? state.aggregator : undefined;
      },
      [first, worker],
    );
    expect((await killHard(first)).signal).toBe('SIGKILL');
    expect(checkpointed.segments).toBeGreaterThanOrEqual(1);
    // Killed before it finished: no manifest yet, the checkpoint and its segments on disk.
    expect(existsSync(path.join(s.out, 'manifest.json'))).toBe(false);
    expect(existsSync(statePath)).toBe(true);

    const second = spawnTsx(aggregateChildScript, [s.file, '200'], 'aggregator 2');
    for (const r of [producer, worker, second]) await expectSuccess(r);
    await expectSameAsEmbedded(expect, s.out);
  });

  it('a SIGKILLed producer restarted mid-corpus hands over the rest, with exact results', async ({ expect }) => {
    // A short queue bound keeps the producer mid-corpus, waiting on the worker.
    const s = await scenario('producer', { jobs: { maxQueued: 3 } });
    const first = spawnDonald(['produce', s.file, '--no-progress'], 'producer 1');
    const worker = spawnDonald(['work', s.file, '--exit-when-done', '--no-progress'], 'worker');
    const aggregator = spawnDonald(['aggregate', s.file, '--no-progress'], 'aggregator');
    const totalJobs = Math.ceil((corpus.fitting + corpus.tooLong) / JOB_SIZE);
    const handed = await waitFor(
      'the producer to hand over 20 jobs',
      async () => {
        const b = (await readDistributedCounts(s.redis, s.keys)).batches;
        return b >= 20 ? b : undefined;
      },
      [first, worker, aggregator],
    );
    expect((await killHard(first)).signal).toBe('SIGKILL');
    const atKill = await readDistributedCounts(s.redis, s.keys);
    expect(atKill.produced).toBe(false);
    expect(atKill.batches).toBeGreaterThanOrEqual(handed);
    expect(atKill.batches).toBeLessThan(totalJobs);

    const second = spawnDonald(['produce', s.file, '--no-progress'], 'producer 2');
    for (const r of [second, worker, aggregator]) await expectSuccess(r);
    const end = await readDistributedCounts(s.redis, s.keys);
    expect(end.batches).toBe(totalJobs);
    expect(end.intake).toEqual({
      read: corpus.lines,
      duplicate: corpus.duplicate,
      empty: corpus.empty,
      invalid: 0,
      queued: corpus.fitting + corpus.tooLong,
    });
    await expectSameAsEmbedded(expect, s.out);
  });

  it('producer, workers and aggregator ride through Redis stopped for 3 s mid-study (append-only file kept)', async ({ expect }) => {
    const server = await startPrivateRedis(true);
    privateServers.push(server);
    const client = testRedis(server.url);
    try {
      // A job lock (15 s) longer than the outage: the batches in flight are not even declared stalled.
      const s = await scenario('redis-outage', { redisUrl: server.url, redis: client, jobs: { maxQueued: 20, lockMs: 15_000 } });
      const producer = spawnDonald(['produce', s.file, '--no-progress'], 'producer');
      const workerA = spawnDonald(['work', s.file, '--exit-when-done', '--no-progress'], 'worker A');
      const workerB = spawnDonald(['work', s.file, '--exit-when-done', '--no-progress'], 'worker B');
      const aggregator = spawnDonald(['aggregate', s.file, '--no-progress'], 'aggregator');
      const runs = [producer, workerA, workerB, aggregator];
      const queueConnection = testRedis(server.url);
      const queue = new Queue(s.queue, { connection: queueConnection });
      // Everyone mid-work: the producer still queueing (held back by maxQueued), a batch in a worker's hands.
      const before = await waitFor(
        '600 sentences recorded, the producer not done and a batch active',
        async () => {
          const c = await readDistributedCounts(client, s.keys);
          return c.recordedProcessed >= 600 && !c.produced && (await queue.getActiveCount()) >= 1 ? c : undefined;
        },
        runs,
      );
      await queue.close();
      queueConnection.disconnect();
      await server.down();
      await sleep(3000);
      for (const r of runs) expect(r.running(), `${r.label} still running while Redis is down`).toBe(true);
      await server.up();
      // The data survived (graceful shutdown writes the append-only file) and the study was not done.
      const after = await readDistributedCounts(client, s.keys);
      expect(after.recordedProcessed).toBeGreaterThanOrEqual(before.recordedProcessed);
      expect(allRecorded(after)).toBe(false);
      for (const r of runs) await expectSuccess(r);
      for (const r of runs) {
        // One line when Redis went away and one when it came back, no stack trace.
        expect(r.stderr(), r.label).toContain(`lost Redis at 127.0.0.1:${server.port}`);
        expect(r.stderr(), r.label).toContain(`Redis at 127.0.0.1:${server.port} is back`);
        expect(r.stderr(), r.label).not.toMatch(/^\s+at /m);
      }
      await expectSameAsEmbedded(expect, s.out);
    } finally {
      client.disconnect();
    }
  });
});
