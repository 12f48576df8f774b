/**
 * Faults from outside the program, injected for real: Redis not running at start (a closed port),
 * an output path through a regular file (the OS refuses mkdir with ENOTDIR, even for root), and a
 * full disk (an output's temporary name pre-linked to /dev/full, whose writes fail with ENOSPC).
 * Each must end in one clear line on stderr and exit code 3, never a hang or a stack trace, and
 * leave no output under its final name that is not complete: manifest.json is written last, so
 * its absence says the folder is unfinished, and every other file present is whole.
 *
 * Crashes and Redis outages mid-study are in studyCrash.test.ts.
 */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { runEmbeddedStudy } from '../pipelines/embeddedStudy.ts';
import { EnvironmentError } from '../src/environmentError.ts';
import { loadStudy } from '../src/study/loadStudy.ts';
import { checkRedisReachable } from '../src/transport/redisReachability.ts';
import { temporaryName, writeFileAtomic } from '../src/writers/atomicFile.ts';
import { FailuresWriter } from '../src/writers/failuresWriter.ts';
import { SentencesWriter } from '../src/writers/sentencesWriter.ts';
import { freePort } from './privateRedis.ts';
import {
  MACHINE_REDIS_URL,
  STUDY_OUTPUT_FILES,
  deleteQueueKeys,
  expectSuccess,
  killLiveChildren,
  makeTempDir,
  readFailures,
  readManifest,
  readSentences,
  sentencesById,
  spawnDonald,
  testRedis,
  uniqueQueue,
  writeRecombinedCorpus,
  writeStudyFile,
  type ChildRun,
  type GeneratedCorpus,
} from './studyFixtures.ts';

/** 3 domains x 520 sentences, one over-long per domain (a model failure): a few seconds per run. */
const PER_DOMAIN = 520;
/** Every run uses this study name, so name-bearing outputs (the SVG titles) compare byte for byte. */
const STUDY_NAME = 'faults';
/**
 * Longer than this is a hang, not a clear error. The Redis check itself gives up after about 1 s
 * on a closed port (3 attempts 400 ms apart); the rest is seven CLIs starting at once on a shared
 * 2-core machine. (Without the check a command waits for Redis for ever.)
 */
const PROMPT_EXIT_MS = 30_000;

let tmp: string;
let redis: Redis;
let corpus: GeneratedCorpus;
let baselineOut: string;
const queues: string[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('faults');
  redis = testRedis(MACHINE_REDIS_URL);
  const corpusDir = path.join(tmp, 'corpus');
  await mkdir(corpusDir);
  corpus = await writeRecombinedCorpus(corpusDir, PER_DOMAIN);
  baselineOut = path.join(tmp, 'baseline');
  const file = await writeStudyFile(tmp, { name: STUDY_NAME, corpus: corpus.entries, output: baselineOut });
  await runEmbeddedStudy(await loadStudy(file), { progress: false });
});

afterAll(async () => {
  await killLiveChildren();
  for (const q of queues) await deleteQueueKeys(redis, q);
  redis?.disconnect();
  await rm(tmp, { recursive: true, force: true });
});

/** A folder of its own with a study file (on its own queue when distributed). */
async function studyIn(label: string, distributed = false): Promise<{ dir: string; file: string; out: string; queue: string }> {
  const dir = path.join(tmp, label);
  await mkdir(dir);
  const out = path.join(dir, 'out');
  const queue = uniqueQueue(label);
  if (distributed) queues.push(queue);
  const file = await writeStudyFile(dir, {
    name: STUDY_NAME,
    corpus: corpus.entries,
    output: out,
    ...(distributed ? { queue, jobs: { batchSize: 64 } } : {}),
  });
  return { dir, file, out, queue };
}

interface Finished {
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly ms: number;
}

async function finished(run: ChildRun, startedAt: number): Promise<Finished> {
  const exit = await run.exited;
  return { code: exit.code, stderr: run.stderr(), stdout: run.stdout(), ms: Date.now() - startedAt };
}

/**
 * Exit code 3, and stderr is exactly one line (matching `line`) with no stack trace, besides the
 * one-line start-up warning a distributed command prints when its Redis persists nothing (as the
 * machine's does; see reliabilityRedisLoss.test.ts).
 */
function expectOneLineEnvironmentError(expect: ExpectStatic, result: Finished, line: RegExp, label: string): void {
  expect(result.code, `${label}: exit code (stderr: ${result.stderr})`).toBe(3);
  const lines = result.stderr
    .trimEnd()
    .split('\n')
    .filter((l) => !/^Redis at \S+ persists nothing \(appendonly no, save ""\): a Redis restart mid-study loses the study/.test(l));
  expect(lines, label).toHaveLength(1);
  expect(lines[0], label).toMatch(line);
  expect(result.stderr, label).not.toMatch(/^\s+at /m);
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * No temporary left behind, and every study output present under its final name (manifest.json
 * aside) complete: the same sentences and failures as the undisturbed run, the order-free files
 * byte for byte. Returns the outputs present, manifest.json included.
 */
async function expectPresentOutputsComplete(expect: ExpectStatic, out: string): Promise<string[]> {
  const names = await readdir(out);
  expect(names.filter((n) => n.endsWith('.partial'))).toEqual([]);
  const present = STUDY_OUTPUT_FILES.filter((name) => names.includes(name));
  for (const name of present) {
    if (name === 'manifest.json') continue;
    if (name === 'sentences.parquet') {
      const mine = sentencesById(await readSentences(out));
      const theirs = sentencesById(await readSentences(baselineOut));
      expect(mine.size).toBe(theirs.size);
      for (const [id, s] of theirs) expect(mine.get(id), id).toEqual(s);
    } else if (name === 'failures.jsonl') {
      expect((await readFailures(out)).map((f) => f.id).sort()).toEqual((await readFailures(baselineOut)).map((f) => f.id).sort());
    } else if (name === 'report.html') {
      expect(await readFile(path.join(out, name), 'utf8')).toMatch(/<\/html>\s*$/);
    } else {
      expect(readFileSync(path.join(out, name)).equals(readFileSync(path.join(baselineOut, name))), name).toBe(true);
    }
  }
  return present;
}

// First and alone: seven CLIs at once are load enough for a 2-core machine.
describe('Redis unreachable at start', () => {
  it('Redis not running at start: produce, work, aggregate and schedule list/add/remove/serve exit 3 in seconds with one line', async ({ expect }) => {
    const port = await freePort(); // nothing listens there
    const url = `redis://127.0.0.1:${port}`;
    const { file } = await studyIn('no-redis');
    const commands: [string, string[]][] = [
      ['produce', ['produce', file, '--redis', url, '--no-progress']],
      ['work', ['work', file, '--redis', url, '--exit-when-done', '--no-progress']],
      ['aggregate', ['aggregate', file, '--redis', url, '--no-progress']],
      ['schedule list', ['schedule', 'list', '--redis', url]],
      ['schedule add', ['schedule', 'add', 'nightly', file, '--cron', '0 2 * * *', '--redis', url]],
      ['schedule remove', ['schedule', 'remove', 'nightly', '--redis', url]],
      ['schedule serve', ['schedule', 'serve', '--redis', url]],
    ];
    const startedAt = Date.now();
    const runs = commands.map(([label, args]) => ({ label, run: spawnDonald(args, label) }));
    for (const { label, run } of runs) {
      const result = await finished(run, startedAt);
      const hint = label.startsWith('schedule') ? 'pass --redis redis://host:port' : `pass --redis redis://host:port or set redis.url in ${file}`;
      expectOneLineEnvironmentError(
        expect,
        result,
        new RegExp(`^donald: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): is redis-server running\\? start it, or ${escaped(hint)}`),
        label,
      );
      expect(result.stdout, label).toBe('');
      expect(result.ms, label).toBeLessThan(PROMPT_EXIT_MS);
    }
  });


  it('the startup check gives up on a port that accepts but never answers (a hung server), and on a closed one', async ({ expect }) => {
    const silent = createServer(() => undefined); // accepts connections, never replies
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(checkRedisReachable(`redis://127.0.0.1:${port}`, { hint: 'fix it', attempts: 2, timeoutMs: 300, pauseMs: 10 })).rejects.toThrow(
        new EnvironmentError(`cannot reach Redis at 127.0.0.1:${port} (no answer within 600 ms): is redis-server running? start it, or fix it`),
      );
    } finally {
      silent.close();
    }
    const closed = await freePort();
    await expect(checkRedisReachable(`redis://127.0.0.1:${closed}`, { hint: 'fix it' })).rejects.toThrow(
      new EnvironmentError(`cannot reach Redis at 127.0.0.1:${closed} (ECONNREFUSED): is redis-server running? start it, or fix it`),
    );
    // And the shared machine Redis passes.
    await expect(checkRedisReachable(MACHINE_REDIS_URL, { hint: 'fix it' })).resolves.toBeUndefined();
  });
});

describe.concurrent('faults from outside', () => {
  it('donald run with an output path through a regular file: exit 3, one line naming the folder and "not a directory", nothing written', async ({ expect }) => {
    const { dir, file } = await studyIn('run-enotdir');
    const blocker = path.join(dir, 'blocker');
    await writeFile(blocker, 'a file where a folder should be\n');
    const out = path.join(blocker, 'out');
    const result = await finished(spawnDonald(['run', file, '--out', out, '--no-progress'], 'run'), Date.now());
    expectOneLineEnvironmentError(expect, result, new RegExp(`^donald: cannot write ${escaped(out)} \\(a parent is not a directory\\): a file stands where`), 'run');
    expect(await readFile(blocker, 'utf8')).toBe('a file where a folder should be\n');
  });

  it('donald aggregate with an output path through a regular file: exit 3 before reading any outcome', async ({ expect }) => {
    const { dir, file } = await studyIn('aggregate-enotdir', true);
    const blocker = path.join(dir, 'blocker');
    await writeFile(blocker, 'in the way\n');
    const out = path.join(blocker, 'out');
    const result = await finished(spawnDonald(['aggregate', file, '--out', out, '--no-progress'], 'aggregate'), Date.now());
    expectOneLineEnvironmentError(expect, result, new RegExp(`^donald: cannot write ${escaped(out)} \\(a parent is not a directory\\)`), 'aggregate');
    expect(existsSync(out)).toBe(false);
  });

  it('donald run on a full disk (layer_stats.arrow): exit 3, one line, no manifest.json, every output present complete', async ({ expect }) => {
    const { file, out } = await studyIn('run-enospc');
    await mkdir(out);
    const target = path.join(out, 'layer_stats.arrow');
    const run = spawnDonald(['run', file, '--no-progress'], 'run');
    // Before the child has even loaded its code: its writes to this name go to /dev/full.
    if (run.child.pid === undefined) throw new Error('donald run did not start');
    symlinkSync('/dev/full', `${target}.${run.child.pid}.partial`);
    const result = await finished(run, Date.now());
    expectOneLineEnvironmentError(
      expect,
      result,
      new RegExp(`^donald: cannot write ${escaped(target)} \\(no space left on device\\): free space on that disk, or choose an output folder on another one \\(--out\\)$`),
      'run',
    );
    // Written before the failure, each whole; the failed file and everything after it (manifest.json last) absent.
    expect(await expectPresentOutputsComplete(expect, out)).toEqual(['sentences.parquet', 'layer_stats.parquet', 'failures.jsonl']);
  });

  it('donald aggregate on a full disk (layer_stats.csv): exit 3, then a rerun resumes from the checkpoint to the undisturbed outputs', async ({ expect }) => {
    const { file, out } = await studyIn('aggregate-enospc', true);
    await mkdir(out);
    const target = path.join(out, 'layer_stats.csv');
    const producer = spawnDonald(['produce', file, '--no-progress'], 'producer');
    const worker = spawnDonald(['work', file, '--exit-when-done', '--no-progress'], 'worker');
    const aggregator = spawnDonald(['aggregate', file, '--no-progress'], 'aggregator');
    if (aggregator.child.pid === undefined) throw new Error('donald aggregate did not start');
    symlinkSync('/dev/full', `${target}.${aggregator.child.pid}.partial`);
    const result = await finished(aggregator, Date.now());
    expectOneLineEnvironmentError(expect, result, new RegExp(`^donald: cannot write ${escaped(target)} \\(no space left on device\\)`), 'aggregate');
    for (const r of [producer, worker]) await expectSuccess(r);
    expect(await expectPresentOutputsComplete(expect, out)).toEqual(['sentences.parquet', 'layer_stats.parquet', 'layer_stats.arrow', 'failures.jsonl']);
    // The checkpoint of the complete aggregation is kept, so nothing is redone but the writing.
    expect(existsSync(path.join(out, '.aggregate-state.json'))).toBe(true);

    // Space freed (the writer removed its link to /dev/full): the same command again finishes.
    await expectSuccess(spawnDonald(['aggregate', file, '--no-progress'], 'aggregator again'));
    expect(await expectPresentOutputsComplete(expect, out)).toEqual([...STUDY_OUTPUT_FILES]);
    const { counts } = await readManifest(out);
    expect(counts).toEqual({ read: corpus.lines, processed: corpus.fitting, failed: corpus.tooLong, duplicate: corpus.duplicate, empty: corpus.empty });
    expect(existsSync(path.join(out, '.aggregate-state.json'))).toBe(false);
  });

  it('writers on a full disk: the sentence stream fails while streaming, failures.jsonl and an atomic write fail, each naming its file; no final name appears', async ({ expect }) => {
    const dir = path.join(tmp, 'writers-enospc');
    await mkdir(dir);
    // This process's own temporary names (the pid is ours): writes to them go to /dev/full.
    const sentencesPath = path.join(dir, 'sentences.parquet');
    await symlink('/dev/full', temporaryName(sentencesPath));
    const writer = new SentencesWriter(dir, { rowsPerGroup: 16 });
    const layers = 4;
    // Appending as a study does, with time between row groups (a study computes between them), up
    // to far more rows than it takes the first failed write to come back: an append must throw.
    let appendError: unknown;
    for (let i = 0; i < 5000 && appendError === undefined; i++) {
      try {
        await writer.append({
          id: `s${i}`,
          domain: 'news',
          tokens: ['a', 'b', String(i)],
          utilisation: Float64Array.from({ length: layers }, (_, l) => Math.sin(i + l)),
          meanAnisotropy: Float64Array.from({ length: layers }, (_, l) => Math.cos(i * l)),
        });
      } catch (error) {
        appendError = error;
      }
      if (i % 16 === 15) await sleep(1);
    }
    expect(appendError).toBeInstanceOf(EnvironmentError);
    expect((appendError as Error).message).toBe(
      `cannot write ${sentencesPath} (no space left on device): free space on that disk, or choose an output folder on another one (--out)`,
    );
    // Closing after the failure fails the same way and removes the temporary.
    await expect(writer.close()).rejects.toThrow(EnvironmentError);
    expect(existsSync(temporaryName(sentencesPath))).toBe(false);
    expect(existsSync(sentencesPath)).toBe(false);

    const failuresDir = path.join(dir, 'failures');
    await mkdir(failuresDir);
    await symlink('/dev/full', path.join(failuresDir, 'failures.jsonl'));
    const failures = new FailuresWriter(failuresDir);
    const failure = { id: 'x', domain: 'news', source: 'news.txt', line: 1, text: 'x', reason: 'too long', attempts: 1 };
    await expect(failures.append(failure)).rejects.toThrow(new EnvironmentError(`cannot write ${failures.path} (no space left on device): free space on that disk, or choose an output folder on another one (--out)`));

    const csv = path.join(dir, 'ranking.csv');
    await symlink('/dev/full', temporaryName(csv));
    await expect(writeFileAtomic(csv, 'a,b\n1,2\n')).rejects.toThrow(EnvironmentError);
    expect(existsSync(csv)).toBe(false);
    expect(existsSync(temporaryName(csv))).toBe(false);
  });
});
