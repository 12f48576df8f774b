/**
 * The distributed mode against the machine's Redis (127.0.0.1:6379), every test on its own queue:
 * `produce`, `work` and `aggregate` as real child processes must give the embedded run's numbers;
 * the producer must respect jobs.maxQueued; recording a batch twice must change nothing.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmbeddedStudy } from '../pipelines/embeddedStudy.ts';
import { analysisSettings } from '../src/pipeline/studySettings.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { analyseSentences } from '../src/pipeline/sentenceAnalysis.ts';
import { failedSentence, type FailedSentence, type QueuedSentence } from '../src/pipeline/sentenceOutcome.ts';
import { loadStudy } from '../src/study/loadStudy.ts';
import { ResultLedger } from '../src/transport/resultLedger.ts';
import { allRecorded, readDistributedCounts } from '../src/transport/studyCounts.ts';
import { studyKeys } from '../src/transport/studyKeys.ts';
import { analyseBatchQueue } from '../src/transport/studyQueue.ts';
import { recordExhaustedJob } from '../workers/analyseBatch.ts';
import type { AnalyseBatchData, AnalyseBatchResult } from '../workers/analyseBatchJob.ts';
import {
  MACHINE_REDIS_URL,
  deleteQueueKeys,
  exampleCorpus,
  exampleStudyFile,
  exampleTexts,
  expectSuccess,
  killLiveChildren,
  layerStatsDifferences,
  makeTempDir,
  readLayerStats,
  readManifest,
  readSentences,
  sentencesById,
  runDonald,
  spawnDonald,
  testRedis,
  uniqueQueue,
  waitFor,
  writeStudyFile,
  type ManifestCounts,
} from './studyFixtures.ts';

let tmp: string;
let redis: Redis;
const queues: string[] = [];
/** The embedded run of the example corpus: the numbers every distributed run must reproduce. */
let embeddedOut: string;
let embeddedCounts: ManifestCounts;

function newQueue(label: string): string {
  const q = uniqueQueue(label);
  queues.push(q);
  return q;
}

beforeAll(async () => {
  tmp = await makeTempDir('distributed');
  redis = testRedis(MACHINE_REDIS_URL);
  const file = await writeStudyFile(tmp, { name: 'baseline', corpus: exampleCorpus(), output: path.join(tmp, 'unused') });
  embeddedOut = path.join(tmp, 'embedded');
  const manifest = await runEmbeddedStudy(await loadStudy(file), { outDir: embeddedOut, progress: false });
  embeddedCounts = manifest.counts;
});

afterAll(async () => {
  await killLiveChildren();
  for (const q of queues) await deleteQueueKeys(redis, q);
  redis?.disconnect();
  await rm(tmp, { recursive: true, force: true });
});

/** Outputs agree with the embedded run: counts exactly, layer_stats within 1e-9, per-sentence values exactly. */
async function expectSameAsEmbedded(out: string): Promise<void> {
  const manifest = await readManifest(out);
  expect(manifest.mode).toBe('distributed');
  expect(manifest.counts).toEqual(embeddedCounts);
  expect(layerStatsDifferences(await readLayerStats(out), await readLayerStats(embeddedOut), 1e-9)).toEqual([]);
  const mine = sentencesById(await readSentences(out));
  const theirs = sentencesById(await readSentences(embeddedOut));
  expect(mine.size).toBe(theirs.size);
  for (const [id, s] of theirs) expect(mine.get(id), id).toEqual(s);
}

describe('distributed study on the machine Redis', () => {
  it('produce, two workers and aggregate as child processes reproduce the embedded statistics and counts', async () => {
    const queue = newQueue('main');
    const dir = path.join(tmp, 'main');
    await mkdir(dir);
    const out = path.join(dir, 'out');
    const file = await writeStudyFile(dir, { name: 'dist-main', corpus: exampleCorpus(), output: out, queue, jobs: { batchSize: 16, backoffMs: 100 } });

    await expectSuccess(spawnDonald(['produce', file, '--no-progress']));
    const keys = studyKeys(queue);
    const produced = await readDistributedCounts(redis, keys);
    expect(produced.produced).toBe(true);
    expect(produced.intake.read).toBe(embeddedCounts.read);
    expect(produced.intake.queued).toBe(embeddedCounts.processed + embeddedCounts.failed);
    expect(produced.batches).toBe(Math.ceil(produced.intake.queued / 16));

    const runs = [
      spawnDonald(['work', file, '--exit-when-done', '--no-progress'], 'worker 1'),
      spawnDonald(['work', file, '--exit-when-done', '--no-progress'], 'worker 2'),
      spawnDonald(['aggregate', file, '--no-progress'], 'aggregator'),
    ];
    for (const r of runs) await expectSuccess(r);

    await expectSameAsEmbedded(out);
    const after = await readDistributedCounts(redis, keys);
    expect(allRecorded(after)).toBe(true);
    expect(after.recordedProcessed).toBe(embeddedCounts.processed);
    // The recorded guard is one bit per batch, every batch's bit set: bytes, not one member per sentence.
    expect(await redis.bitcount(keys.recordedBatches)).toBe(produced.batches);
    expect(await redis.strlen(keys.recordedBatches)).toBe(Math.ceil(produced.batches / 8));
    expect(await redis.exists(keys.recordedUnreadable)).toBe(0); // no unreadable line in the example corpus
    // The aggregator trims what it has folded: nothing is left in the ledger stream.
    expect(await redis.xlen(keys.results)).toBe(0);

    // Aggregating again cannot redo the study from a trimmed ledger: it says so, and leaves the outputs alone.
    const failuresBefore = await readFile(path.join(out, 'failures.jsonl'), 'utf8');
    const again = await runDonald(['aggregate', file, '--no-progress']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already aggregated');
    expect(again.stderr).toContain('--fresh');
    expect(await readFile(path.join(out, 'failures.jsonl'), 'utf8')).toBe(failuresBefore);
    await expectSameAsEmbedded(out);

    // A worker started with another study's file on this queue refuses to start instead of mixing numbers.
    const other = await writeStudyFile(dir, { name: 'dist-other', corpus: exampleCorpus().slice(0, 1), output: path.join(dir, 'other'), queue });
    const foreign = await runDonald(['work', other, '--exit-when-done', '--no-progress']);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('holds another study');
  });

  it('the producer stalls at jobs.maxQueued unfinished jobs until a worker drains them, never exceeding it', async () => {
    const queue = newQueue('backpressure');
    const dir = path.join(tmp, 'backpressure');
    await mkdir(dir);
    const out = path.join(dir, 'out');
    const maxQueued = 2;
    const batchSize = 8;
    const corpus = exampleCorpus().slice(0, 2); // news.txt + fiction.jsonl: a few hundred lines
    const file = await writeStudyFile(dir, { name: 'dist-bp', corpus, output: out, queue, jobs: { batchSize, maxQueued, backoffMs: 100 } });
    const texts = await exampleTexts();
    const lines = texts.news.length + texts.fiction.length;

    const queueConnection = testRedis(MACHINE_REDIS_URL);
    const bullQueue = new Queue<AnalyseBatchData, AnalyseBatchResult>(queue, { connection: queueConnection });
    const unfinished = async (): Promise<number> => {
      const c = await bullQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(c).reduce((a, b) => a + b, 0);
    };
    const keys = studyKeys(queue);
    // Sample the queue for the whole run; every sample must respect the bound.
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await unfinished());
        await sleep(5);
      }
    })();

    try {
      const producer = spawnDonald(['produce', file, '--no-progress'], 'producer');
      await waitFor('the producer to fill the queue', async () => ((await unfinished()) >= maxQueued ? true : undefined), [producer]);
      // No worker yet: the producer must sit at the bound, still running, handing over nothing more.
      for (let i = 0; i < 25; i++) {
        await sleep(40);
        expect(await unfinished()).toBe(maxQueued);
        expect((await readDistributedCounts(redis, keys)).batches).toBe(maxQueued);
        expect(producer.running()).toBe(true);
      }
      const worker = spawnDonald(['work', file, '--exit-when-done', '--no-progress'], 'worker');
      const aggregator = spawnDonald(['aggregate', file, '--no-progress'], 'aggregator');
      for (const r of [producer, worker, aggregator]) await expectSuccess(r);
      expect(await unfinished()).toBe(0);
    } finally {
      sampling = false;
      await sampler;
      await bullQueue.close();
      queueConnection.disconnect();
    }

    expect(samples.length).toBeGreaterThan(25);
    expect(Math.max(...samples)).toBe(maxQueued);
    const { counts } = await readManifest(out);
    expect(counts).toEqual({ read: lines, processed: lines, failed: 0, duplicate: 0, empty: 0 });
    expect((await readDistributedCounts(redis, keys)).batches).toBe(Math.ceil(lines / batchSize));
  });

  it('workers stop at jobs.maxResultBacklog un-aggregated outcomes until a late aggregator trims them, with exact results', async () => {
    const queue = newQueue('backlog');
    const dir = path.join(tmp, 'backlog');
    await mkdir(dir);
    const out = path.join(dir, 'out');
    const batchSize = 8;
    const maxResultBacklog = 40;
    const jobs = { batchSize, backoffMs: 100, maxResultBacklog, aggregateSegment: 20 };
    // A segment longer than the backlog could leave workers waiting on a checkpoint: refused up front.
    const bad = await writeStudyFile(dir, { name: 'dist-backlog-bad', corpus: exampleCorpus(), output: out, queue, jobs: { ...jobs, aggregateSegment: 41 } });
    const refused = await runDonald(['produce', bad, '--no-progress']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('jobs.aggregateSegment: expected at most jobs.maxResultBacklog (40), got 41');

    const file = await writeStudyFile(dir, { name: 'dist-backlog', corpus: exampleCorpus(), output: out, queue, jobs });
    const keys = studyKeys(queue);
    await expectSuccess(spawnDonald(['produce', file, '--no-progress']));
    const produced = await readDistributedCounts(redis, keys);
    expect(produced.intake.queued).toBeGreaterThan(3 * maxResultBacklog); // enough to hit the bound more than once

    // Sample the stream for the whole run: one worker (concurrency 1) passes the gate one batch at
    // a time, so the stream may pass the bound by at most one batch.
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await redis.xlen(keys.results));
        await sleep(5);
      }
    })();
    try {
      const worker = spawnDonald(['work', file, '--exit-when-done'], 'worker'); // with its log: the "waiting" line
      await waitFor('the worker to stop at the backlog bound', async () => (worker.stderr().includes('waiting:') ? true : undefined), [worker]);
      expect(worker.stderr()).toMatch(/waiting: \d+ results not yet aggregated \(jobs\.maxResultBacklog 40\)/);
      // No aggregator: the worker stays put, nothing more is recorded.
      const held = await redis.xlen(keys.results);
      expect(held).toBeGreaterThan(maxResultBacklog);
      expect(held).toBeLessThanOrEqual(maxResultBacklog + batchSize);
      for (let i = 0; i < 10; i++) {
        await sleep(50);
        expect(await redis.xlen(keys.results)).toBe(held);
      }
      expect(allRecorded(await readDistributedCounts(redis, keys))).toBe(false);
      expect(worker.running()).toBe(true);

      const aggregator = spawnDonald(['aggregate', file, '--no-progress'], 'aggregator');
      for (const r of [worker, aggregator]) await expectSuccess(r);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(samples.length).toBeGreaterThan(20);
    expect(Math.max(...samples)).toBeLessThanOrEqual(maxResultBacklog + batchSize);
    await expectSameAsEmbedded(out);
    expect(await redis.xlen(keys.results)).toBe(0);
    // The recorded guard is a bitmap of one bit per batch, not a set of sentence ids.
    const batches = Math.ceil(produced.intake.queued / batchSize);
    expect(produced.batches).toBe(batches);
    expect(await redis.type(keys.recordedBatches)).toBe('string');
    expect(await redis.strlen(keys.recordedBatches)).toBe(Math.ceil(batches / 8));
    expect(await redis.bitcount(keys.recordedBatches)).toBe(batches);
  });

  it('ResultLedger.record counts each batch once, whole, however often and however concurrently it is recorded', async () => {
    const queue = newQueue('ledger');
    const keys = studyKeys(queue);
    const study = await loadStudy(exampleStudyFile);
    const texts = await exampleTexts();
    const sentences: QueuedSentence[] = texts.news.slice(0, 6).map((text, i) => ({ id: `n${i}`, domain: 'news', text, source: 'news.txt', line: i + 1 }));
    sentences.push({ id: 'long', domain: 'news', text: 'word '.repeat(400), source: 'news.txt', line: 99 });
    const model = await openModel(study.model);
    let outcomes: Awaited<ReturnType<typeof analyseSentences>>;
    try {
      outcomes = await analyseSentences(model, sentences, analysisSettings(study));
    } finally {
      await model.close();
    }
    expect(outcomes.filter((o) => o.kind === 'failed').map((o) => o.id)).toEqual(['long']);

    const ledger = new ResultLedger(redis, keys);
    const snapshot = async (): Promise<[Record<string, string>, number, number]> => [
      await redis.hgetall(keys.counts),
      await redis.xlen(keys.results),
      await redis.bitcount(keys.recordedBatches),
    ];
    expect(await ledger.isRecorded(0)).toBe(false);
    expect(await ledger.record(0, outcomes)).toBe(outcomes.length);
    expect(await ledger.isRecorded(0)).toBe(true);
    const once = await snapshot();
    expect(once).toEqual([{ processed: String(outcomes.length - 1), failed: '1' }, outcomes.length, 1]);
    // The batch again (a stalled job re-run, a re-queued copy: same batch number), in any order or
    // in part: nothing, since a batch is recorded whole in one script call or not at all.
    expect(await ledger.record(0, outcomes)).toBe(0);
    expect(await ledger.record(0, [...outcomes].reverse())).toBe(0);
    expect(await ledger.record(0, outcomes.slice(0, 4))).toBe(0);
    expect(await snapshot()).toEqual(once);

    // Two workers recording the same batch at once: one records it whole, the other nothing.
    const other = testRedis(MACHINE_REDIS_URL);
    const fresh = outcomes.map((o) => ({ ...o, id: `${o.id}-again` }));
    try {
      const added = await Promise.all([ledger.record(9, fresh), new ResultLedger(other, keys).record(9, fresh)]);
      expect([...added].sort((a, b) => a - b)).toEqual([0, fresh.length]);
    } finally {
      other.disconnect();
    }
    const entries = await ledger.readAfter('0', 1000);
    expect(entries.length).toBe(2 * outcomes.length);
    expect(new Set(entries.map((e) => e.outcome.id)).size).toBe(entries.length);
    // The stream holds the outcomes as recorded (NaN block influence of layer 1 included).
    expect(entries.slice(0, outcomes.length).map((e) => e.outcome)).toEqual(outcomes);
    expect(entries.slice(outcomes.length).map((e) => e.outcome)).toEqual(fresh);
    // The guard: bits 0 and 9, two bytes of bitmap.
    expect(await redis.strlen(keys.recordedBatches)).toBe(2);
    expect(await redis.bitcount(keys.recordedBatches)).toBe(2);
    expect(await ledger.isRecorded(9)).toBe(true);
    expect(await ledger.isRecorded(1)).toBe(false);

    // The producer's unreadable lines, guarded by their place among the corpus's unreadable lines:
    // a restarted producer meeting them again records nothing, and the batch guard is untouched.
    const unreadable = [0, 1].map((i) => failedSentence({ id: `bad${i}`, domain: 'news', text: '', source: 'news.txt', line: 200 + i }, 'invalid UTF-8', 0));
    expect(await ledger.recordUnreadable(0, unreadable[0])).toBe(1);
    expect(await ledger.recordUnreadable(1, unreadable[1])).toBe(1);
    expect(await ledger.recordUnreadable(0, unreadable[0])).toBe(0);
    expect(await ledger.recordUnreadable(1, unreadable[1])).toBe(0);
    expect(await redis.hget(keys.counts, 'failed')).toBe('4');
    expect(await redis.xlen(keys.results)).toBe(2 * outcomes.length + 2);
    expect(await redis.bitcount(keys.recordedBatches)).toBe(2);
    expect(await redis.bitcount(keys.recordedUnreadable)).toBe(2);
  });

  it('records the sentences of a job BullMQ fails for good: after its last attempt, or at once when unrecoverable', async () => {
    const queue = newQueue('exhausted');
    const dir = path.join(tmp, 'exhausted');
    await mkdir(dir);
    const file = await writeStudyFile(dir, { name: 'dist-exhausted', corpus: exampleCorpus(), output: path.join(dir, 'out'), queue, jobs: { attempts: 3, backoffMs: 20 } });
    const study = await loadStudy(file);
    const keys = studyKeys(queue);
    const ledger = new ResultLedger(redis, keys);
    const batch = (prefix: string, n: number): QueuedSentence[] =>
      Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, domain: 'news', text: `Sentence ${prefix} ${i}.`, source: 'news.txt', line: i + 1 }));

    const queueConnection = testRedis(MACHINE_REDIS_URL);
    const workerConnection = testRedis(MACHINE_REDIS_URL);
    const bullQueue = analyseBatchQueue(study, queueConnection);
    // The processor stands in for the model: "flaky" fails every attempt with an ordinary error;
    // "poison" fails the way BullMQ fails a job that stalled more than maxStalledCount times
    // (a batch that crashes every worker taking it): an UnrecoverableError, no further attempts.
    const worker = new Worker<AnalyseBatchData, AnalyseBatchResult>(
      queue,
      async (job) => {
        if (job.id === 'poison') throw new UnrecoverableError('job stalled more than allowable limit');
        throw new Error('model crashed');
      },
      { connection: workerConnection },
    );
    const attemptsSeen = new Map<string, number[]>();
    // Wired as workStudy wires it.
    worker.on('failed', (job, err) => {
      if (job?.id === undefined) return;
      attemptsSeen.set(job.id, [...(attemptsSeen.get(job.id) ?? []), job.attemptsMade]);
      void recordExhaustedJob(job, err, ledger);
    });
    try {
      await bullQueue.add('analyse-batch', { studyHash: 'test', batch: 0, sentences: batch('flaky', 3) }, { jobId: 'flaky' });
      await bullQueue.add('analyse-batch', { studyHash: 'test', batch: 1, sentences: batch('poison', 2) }, { jobId: 'poison' });
      await waitFor('5 failed sentences in the ledger', async () => ((await redis.hget(keys.counts, 'failed')) === '5' ? true : undefined), [], 15_000);
    } finally {
      await worker.close();
      await bullQueue.close();
      workerConnection.disconnect();
      queueConnection.disconnect();
    }
    expect(attemptsSeen.get('flaky')).toEqual([1, 2, 3]);
    expect(attemptsSeen.get('poison')).toEqual([1]);
    const recorded = (await ledger.readAfter('0', 100)).map((e) => e.outcome);
    expect(recorded.every((o): o is FailedSentence => o.kind === 'failed')).toBe(true);
    const byId = new Map(recorded.map((o) => [o.id, o]));
    expect([...byId.keys()].sort()).toEqual(['flaky-0', 'flaky-1', 'flaky-2', 'poison-0', 'poison-1']);
    for (const id of ['flaky-0', 'flaky-1', 'flaky-2']) {
      // First write wins in the ledger: attempts 3 shows nothing was recorded after attempts 1 or 2.
      expect(byId.get(id)).toMatchObject({ kind: 'failed', attempts: 3, reason: 'job failed after 3 attempts: model crashed' });
    }
    for (const id of ['poison-0', 'poison-1']) {
      expect(byId.get(id)).toMatchObject({ kind: 'failed', attempts: 1, reason: expect.stringContaining('stalled more than allowable limit') });
    }
    // Both batches are recorded (bits 0 and 1): a late re-run of either would change nothing.
    expect(await redis.bitcount(keys.recordedBatches)).toBe(2);
    expect(await ledger.record(0, batch('flaky', 3).map((s) => failedSentence(s, 'late', 4)))).toBe(0);
    expect(await redis.hget(keys.counts, 'failed')).toBe('5');
  });

  it('a completed batch queued again under a new job id changes no count and no statistic', async () => {
    const queue = newQueue('again');
    const dir = path.join(tmp, 'again');
    await mkdir(dir);
    const out = path.join(dir, 'out');
    const file = await writeStudyFile(dir, { name: 'dist-again', corpus: exampleCorpus(), output: out, queue, jobs: { batchSize: 16, backoffMs: 100 } });
    const keys = studyKeys(queue);

    await expectSuccess(spawnDonald(['produce', file, '--no-progress']));
    const worker = spawnDonald(['work', file, '--no-progress'], 'worker'); // runs until SIGTERM
    await waitFor('every sentence recorded', async () => (allRecorded(await readDistributedCounts(redis, keys)) ? true : undefined), [worker]);
    const before = await redis.hgetall(keys.counts);
    const streamBefore = await redis.xlen(keys.results);

    const queueConnection = testRedis(MACHINE_REDIS_URL);
    const bullQueue = new Queue<AnalyseBatchData, AnalyseBatchResult>(queue, { connection: queueConnection });
    try {
      const original = await bullQueue.getJob('batch-0');
      expect(original).toBeDefined();
      if (original === undefined) return;
      expect(await original.getState()).toBe('completed');
      expect(original.returnvalue.recorded).toBe(16);
      await bullQueue.add('analyse-batch', original.data, { jobId: 'batch-0-again' });
      const again = await waitFor(
        'the re-queued batch to complete',
        async () => {
          const job = await bullQueue.getJob('batch-0-again');
          return job !== undefined && (await job.getState()) === 'completed' ? job : undefined;
        },
        [worker],
      );
      // The worker analysed the batch again, and the ledger recorded none of it.
      expect(again.returnvalue).toEqual({ recorded: 0, processed: original.data.sentences.length, failed: 0 });
    } finally {
      await bullQueue.close();
      queueConnection.disconnect();
    }
    expect(await redis.hgetall(keys.counts)).toEqual(before);
    expect(await redis.xlen(keys.results)).toBe(streamBefore);

    if (worker.child.pid !== undefined) process.kill(worker.child.pid, 'SIGTERM');
    await expectSuccess(worker);
    await expectSuccess(spawnDonald(['aggregate', file, '--no-progress'], 'aggregator'));
    await expectSameAsEmbedded(out);
  });
  it('a sentence recorded under two batch numbers (only a bug could do it) makes aggregate refuse to publish, naming the cause', async () => {
    const queue = newQueue('twice');
    const dir = path.join(tmp, 'twice');
    await mkdir(dir);
    const out = path.join(dir, 'out');
    const file = await writeStudyFile(dir, { name: 'dist-twice', corpus: exampleCorpus(), output: out, queue, jobs: { batchSize: 16, backoffMs: 100 } });
    const keys = studyKeys(queue);

    await expectSuccess(spawnDonald(['produce', file, '--no-progress']));
    const worker = spawnDonald(['work', file, '--no-progress'], 'worker'); // runs until SIGTERM
    await waitFor('every sentence recorded', async () => (allRecorded(await readDistributedCounts(redis, keys)) ? true : undefined), [worker]);
    const queueConnection = testRedis(MACHINE_REDIS_URL);
    const bullQueue = new Queue<AnalyseBatchData, AnalyseBatchResult>(queue, { connection: queueConnection });
    try {
      const original = await bullQueue.getJob('batch-0');
      expect(original).toBeDefined();
      if (original === undefined) return;
      // The same sentences under a batch number the producer never gave: the batch guard cannot see it.
      await bullQueue.add('analyse-batch', { ...original.data, batch: 1_000_000 }, { jobId: 'batch-0-renumbered' });
      const copy = await waitFor(
        'the renumbered batch to complete',
        async () => {
          const job = await bullQueue.getJob('batch-0-renumbered');
          return job !== undefined && (await job.getState()) === 'completed' ? job : undefined;
        },
        [worker],
      );
      expect(copy.returnvalue.recorded).toBe(original.data.sentences.length);
    } finally {
      await bullQueue.close();
      queueConnection.disconnect();
    }
    if (worker.child.pid !== undefined) process.kill(worker.child.pid, 'SIGTERM');
    await expectSuccess(worker);

    const aggregator = spawnDonald(['aggregate', file, '--no-progress'], 'aggregator');
    const exit = await aggregator.exited;
    expect(exit.code).not.toBe(0);
    expect(aggregator.stderr()).toMatch(/recorded outcomes for \d+ sentences: some sentence was recorded twice/);
    expect(aggregator.stderr()).toContain('--fresh');
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(false);
  });
});
