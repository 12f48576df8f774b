/**
 * A Redis that persists nothing (`--save "" --appendonly no`, the machine's own and many default
 * installs) restarted mid-study comes back empty: queue, results, counts, guard bitmaps and
 * BullMQ's keys gone. Every process must notice (the producer's run marker is gone, see
 * src/transport/studyEpoch.ts) and stop within seconds with exit 3 and one line, never wait for
 * ever and never publish a manifest.json. The study then runs again from `produce --fresh` to the
 * exact numbers of an undisturbed run. A process that never saw a marker (started before any
 * producer) keeps waiting, across a restart too.
 *
 * Redis restarts with persistence kept are in studyCrash.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { runEmbeddedStudy } from '../pipelines/embeddedStudy.ts';
import { EnvironmentError } from '../src/environmentError.ts';
import { loadStudy } from '../src/study/loadStudy.ts';
import { redisDurabilityWarning } from '../src/transport/redisDurability.ts';
import { ResultLedger } from '../src/transport/resultLedger.ts';
import { readDistributedCounts } from '../src/transport/studyCounts.ts';
import { LostStudyEpoch, StudyEpochWatch, openStudyEpoch, readStudyEpoch } from '../src/transport/studyEpoch.ts';
import { studyKeys } from '../src/transport/studyKeys.ts';
import { startPrivateRedis, type PrivateRedis } from './privateRedis.ts';
import {
  MACHINE_REDIS_URL,
  deleteQueueKeys,
  expectSuccess,
  killLiveChildren,
  makeTempDir,
  readManifest,
  spawnDonald,
  testRedis,
  uniqueQueue,
  waitFor,
  writeRecombinedCorpus,
  writeStudyFile,
  type ChildRun,
  type GeneratedCorpus,
} from './studyFixtures.ts';

/** 3 domains x 300 sentences: small, so three full distributed runs stay within seconds (model failures are in reliabilityFaults). */
const PER_DOMAIN = 300;
const STUDY_NAME = 'redis-loss';
/** Longer than this after Redis is back is a hang, not a clear stop. */
const PROMPT_EXIT_MS = 30_000;
/** Outputs that depend only on the set of outcomes: byte-identical to the embedded run's. */
const ORDER_FREE_OUTPUTS = ['layer_stats.csv', 'layer_stats.parquet', 'layer_stats.arrow', 'ranking.csv', 'ranking.json'];

let tmp: string;
let corpus: GeneratedCorpus;
let baselineOut: string;
let server: PrivateRedis;
let client: Redis;
let machine: Redis;
const machineQueues: string[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('redis-loss');
  const corpusDir = path.join(tmp, 'corpus');
  await mkdir(corpusDir);
  corpus = await writeRecombinedCorpus(corpusDir, PER_DOMAIN);
  baselineOut = path.join(tmp, 'baseline');
  const file = await writeStudyFile(tmp, { name: STUDY_NAME, corpus: corpus.entries, output: baselineOut });
  const [started] = await Promise.all([startPrivateRedis(false), runEmbeddedStudy(await loadStudy(file), { progress: false })]);
  server = started;
  client = testRedis(server.url);
  machine = testRedis(MACHINE_REDIS_URL);
});

afterAll(async () => {
  await killLiveChildren();
  client?.disconnect();
  for (const q of machineQueues) await deleteQueueKeys(machine, q);
  machine?.disconnect();
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** A study of its own on the private Redis: small batches and a short queue keep the producer mid-corpus. */
async function studyIn(label: string): Promise<{ file: string; out: string; queue: string }> {
  const dir = path.join(tmp, label);
  await mkdir(dir);
  const out = path.join(dir, 'out');
  const queue = uniqueQueue(label);
  const file = await writeStudyFile(dir, {
    name: STUDY_NAME,
    corpus: corpus.entries,
    output: out,
    queue,
    redisUrl: server.url,
    jobs: { batchSize: 16, maxQueued: 2, aggregateSegment: 64, backoffMs: 100 },
  });
  return { file, out, queue };
}

async function expectSameAsEmbedded(expect: ExpectStatic, out: string): Promise<void> {
  const { counts } = await readManifest(out);
  expect(counts).toEqual((await readManifest(baselineOut)).counts);
  expect(counts).toEqual({ read: corpus.lines, processed: corpus.fitting, failed: corpus.tooLong, duplicate: corpus.duplicate, empty: corpus.empty });
  for (const name of ORDER_FREE_OUTPUTS) {
    expect(readFileSync(path.join(out, name)).equals(readFileSync(path.join(baselineOut, name))), name).toBe(true);
  }
  expect(existsSync(path.join(out, '.aggregate-state.json'))).toBe(false);
}

function lostLine(file: string): string {
  return (
    `donald: Redis at 127.0.0.1:${server.port} lost this study's state (it restarted without persistence, or was flushed): ` +
    `the outcomes not yet aggregated are gone. Run Redis with appendonly yes (docker-compose.yml does) and start again: donald produce ${file} --fresh`
  );
}

/** Exit 3 within `limitMs`; the last stderr line is `line`, the only `donald:` line, and no stack trace. */
async function expectLostStop(expect: ExpectStatic, run: ChildRun, line: string, limitMs: number): Promise<void> {
  const exit = await Promise.race([run.exited, sleep(limitMs).then(() => 'timeout' as const)]);
  expect(exit, `${run.label} still running ${limitMs} ms after Redis came back\n${run.stderr()}`).not.toBe('timeout');
  expect(exit === 'timeout' ? null : exit.code, `${run.label}: ${run.stderr()}`).toBe(3);
  const lines = run.stderr().trimEnd().split('\n');
  expect(lines[lines.length - 1], run.label).toBe(line);
  expect(lines.filter((l) => l.startsWith('donald:')), run.label).toHaveLength(1);
  expect(run.stderr(), run.label).not.toMatch(/^\s+at /m);
}

// One after the other: both restart the one private server.
describe('Redis without persistence restarted mid-study', () => {
  it('producer, worker and aggregator stop with exit 3 and one line, no manifest.json; produce --fresh then gives exact results', async ({ expect }) => {
    const { file, out, queue } = await studyIn('restart');
    const keys = studyKeys(queue);
    const producer = spawnDonald(['produce', file, '--no-progress'], 'producer');
    const worker = spawnDonald(['work', file, '--exit-when-done', '--no-progress'], 'worker');
    const aggregator = spawnDonald(['aggregate', file, '--no-progress'], 'aggregator');
    const runs = [producer, worker, aggregator];
    const statePath = path.join(out, '.aggregate-state.json');
    // Everyone mid-work: the producer held back by maxQueued, a checkpoint on disk, outcomes recorded.
    await waitFor(
      'a checkpoint on disk with the producer still queueing',
      async () => {
        const c = await readDistributedCounts(client, keys);
        return existsSync(statePath) && c.recordedProcessed >= 200 && !c.produced ? true : undefined;
      },
      runs,
    );
    await server.down();
    await sleep(1000);
    await server.up();
    for (const r of runs) await expectLostStop(expect, r, lostLine(file), PROMPT_EXIT_MS);
    for (const r of runs) {
      // Each also warned at start that this Redis persists nothing, in one line.
      expect(r.stderr(), r.label).toContain(`Redis at 127.0.0.1:${server.port} persists nothing (appendonly no, save ""): a Redis restart mid-study loses the study (it will stop, not miscount)`);
    }
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(false);

    // Resuming is refused: the checkpoint's run is gone (the aggregator), and so is the marker (the producer).
    for (const args of [['aggregate', file, '--no-progress'], ['produce', file, '--no-progress']]) {
      const again = spawnDonald(args, `${args[0]} again`);
      await expectLostStop(expect, again, lostLine(file), PROMPT_EXIT_MS);
    }
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(false);

    // As the message says: a fresh run (the producer clears the checkpoint) ends exact.
    const fresh = spawnDonald(['produce', file, '--fresh', '--no-progress'], 'producer --fresh');
    await waitFor('the fresh run to start', async () => ((await readStudyEpoch(client, keys)) !== null ? true : undefined), [fresh]);
    const freshWorker = spawnDonald(['work', file, '--exit-when-done', '--no-progress'], 'worker (fresh)');
    const freshAggregator = spawnDonald(['aggregate', file, '--no-progress'], 'aggregator (fresh)');
    for (const r of [fresh, freshWorker, freshAggregator]) await expectSuccess(r);
    await expectSameAsEmbedded(expect, out);
  });

  it('a worker and an aggregator started before any producer keep waiting, across a restart too, then finish exact', async ({ expect }) => {
    const { file, out } = await studyIn('early');
    const worker = spawnDonald(['work', file, '--exit-when-done', '--no-progress'], 'worker');
    const aggregator = spawnDonald(['aggregate', file, '--no-progress'], 'aggregator');
    // Both started (the warning comes after their start-up checks).
    await waitFor('both to be up', async () => ([worker, aggregator].every((r) => r.stderr().includes('persists nothing')) ? true : undefined), [worker, aggregator]);
    await server.restart();
    await sleep(1500); // several of their polls (500 ms and 250 ms) against the empty Redis
    for (const r of [worker, aggregator]) expect(r.running(), `${r.label} stopped: ${r.stderr()}`).toBe(true);
    const producer = spawnDonald(['produce', file, '--no-progress'], 'producer');
    for (const r of [producer, worker, aggregator]) await expectSuccess(r);
    await expectSameAsEmbedded(expect, out);
  });
});

describe('the study run marker', () => {
  it('a watch that never saw a marker keeps waiting; once seen, a marker gone or replaced stops it', async ({ expect }) => {
    const queue = uniqueQueue('epoch-watch');
    machineQueues.push(queue);
    const keys = studyKeys(queue);
    const watch = new StudyEpochWatch(machine, keys, { address: '127.0.0.1:6379', studyFile: 'study.yaml' });
    for (let i = 0; i < 5; i++) expect(await watch.check()).toBeNull();

    const { run, created } = await openStudyEpoch(machine, keys, 'h'.repeat(64));
    expect(created).toBe(true);
    expect(await watch.check()).toEqual(run);
    // A second producer of the same run joins it rather than starting another.
    expect(await openStudyEpoch(machine, keys, 'h'.repeat(64))).toEqual({ run, created: false });

    // Outcomes are recorded only under the run in Redis.
    const ledger = new ResultLedger(machine, keys);
    const failure = { kind: 'failed', id: 'x', domain: 'news', source: 'news.txt', line: 1, text: 'x', reason: 'too long', attempts: 1 } as const;
    expect(await ledger.recordUnreadable(0, failure, run.id)).toBe(1);
    await expect(ledger.recordUnreadable(1, failure, 'another-run')).rejects.toThrow(LostStudyEpoch);

    await machine.del(keys.epoch);
    await expect(ledger.recordUnreadable(2, failure, run.id)).rejects.toThrow(LostStudyEpoch);
    await expect(watch.check()).rejects.toThrow(
      new EnvironmentError(
        "Redis at 127.0.0.1:6379 lost this study's state (it restarted without persistence, or was flushed): the outcomes not yet aggregated are gone. " +
          'Run Redis with appendonly yes (docker-compose.yml does) and start again: donald produce study.yaml --fresh',
      ),
    );
    // Stays stopped even when a new run appears.
    const { run: next } = await openStudyEpoch(machine, keys, 'h'.repeat(64));
    expect(next.id).not.toBe(run.id);
    await expect(watch.check()).rejects.toThrow(/lost this study's state/);

    // A watch that saw `next` stops when a fresh run replaces it.
    const other = new StudyEpochWatch(machine, keys, { address: '127.0.0.1:6379', studyFile: 'study.yaml' });
    expect(await other.check()).toEqual(next);
    await machine.del(keys.epoch);
    const { run: third } = await openStudyEpoch(machine, keys, 'h'.repeat(64));
    await expect(other.check()).rejects.toThrow(`holds a new run of this study (started ${third.startedAt}), not the one this process was part of (started ${next.startedAt})`);
  });

  it('the durability warning names what this Redis does not keep, and nothing for a Redis that persists', async ({ expect }) => {
    const persisting = await startPrivateRedis(true);
    const persistingClient = testRedis(persisting.url);
    try {
      expect(await redisDurabilityWarning(persistingClient, `127.0.0.1:${persisting.port}`)).toBeUndefined();
      await persistingClient.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await redisDurabilityWarning(persistingClient, 'h:1')).toBe(
        'Redis at h:1 may evict keys (maxmemory-policy allkeys-lru): a Redis restart or eviction mid-study loses the study (it will stop, not miscount); ' +
          'appendonly yes and maxmemory-policy noeviction avoid that (docker-compose.yml sets both)',
      );
    } finally {
      persistingClient.disconnect();
      await persisting.stop();
    }
    expect(await redisDurabilityWarning(client, 'h:2')).toBe(
      'Redis at h:2 persists nothing (appendonly no, save ""): a Redis restart mid-study loses the study (it will stop, not miscount); ' +
        'appendonly yes and maxmemory-policy noeviction avoid that (docker-compose.yml sets both)',
    );
  });
});
