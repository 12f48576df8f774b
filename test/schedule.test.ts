import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { redisConnection } from '../src/transport/redisConnection.ts';
import { repoRoot } from './sharedAssets.ts';

const run = promisify(execFile);
const donald = (args: string[]) => run('node', [path.join(repoRoot, 'bin/donald.js'), ...args], { cwd: repoRoot, timeout: 90_000 });

describe('donald schedule (BullMQ job schedulers on the local Redis)', () => {
  const queueName = `donald-test-schedules-${process.pid}-${Date.now()}`;
  let dir = '';

  afterAll(async () => {
    const connection = redisConnection('redis://127.0.0.1:6379');
    const queue = new Queue(queueName, { connection });
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fires on a short cron interval and produces a complete study in its own timestamped folder', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'donald-schedule-'));
    const corpus = path.join(dir, 'tiny.txt');
    await writeFile(corpus, 'The council approved the budget on Monday.\nA small fox slept under the old bridge.\n\nThe tenant shall pay rent monthly.\n');
    const studyFile = path.join(dir, 'study.yaml');
    await writeFile(
      studyFile,
      [`name: nightly-test`, `model: ${path.join(repoRoot, 'test/fixtures/models/tiny-gpt2')}`, `corpus: [{ path: tiny.txt, domain: mixed }]`, `output: out`].join('\n'),
    );

    const added = await donald(['schedule', 'add', 'nightly', studyFile, '--cron', '*/2 * * * * *', '--queue', queueName]);
    expect(added.stdout).toMatch(/^nightly: \*\/2 \* \* \* \* \* -> .*next run \d{4}-/);
    const listed = await donald(['schedule', 'list', '--queue', queueName]);
    expect(listed.stdout).toContain('nightly\t*/2 * * * * *');
    expect(listed.stdout).toContain(studyFile);

    const served = await donald(['schedule', 'serve', '--queue', queueName, '--max-runs', '1']);
    expect(served.stderr).toMatch(/nightly: run done, 3 processed, 0 failed/);

    // The 2-second schedule may fire again while the first run finishes; every run gets its own folder.
    const runs = (await readdir(path.join(dir, 'out'))).sort();
    expect(runs.length).toBeGreaterThanOrEqual(1);
    for (const name of runs) expect(name).toMatch(/^nightly-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    const runDir = path.join(dir, 'out', runs[0]);
    const files = await readdir(runDir);
    for (const f of ['layer_stats.parquet', 'layer_stats.arrow', 'layer_stats.csv', 'sentences.parquet', 'ranking.csv', 'ranking.json', 'failures.jsonl', 'manifest.json']) {
      expect(files).toContain(f);
    }
    const manifest = JSON.parse(await readFile(path.join(runDir, 'manifest.json'), 'utf8')) as { mode: string; counts: Record<string, number> };
    expect(manifest.mode).toBe('scheduled');
    expect(manifest.counts).toEqual({ read: 4, processed: 3, failed: 0, duplicate: 0, empty: 1 });

    await donald(['schedule', 'remove', 'nightly', '--queue', queueName]);
    expect((await donald(['schedule', 'list', '--queue', queueName])).stdout).toBe('no schedules\n');
  });

  it('refuses a bad cron pattern and an unknown schedule with exit code 2 and one line', async () => {
    const bad = await donald(['schedule', 'add', 'x', 'config/example-study.yaml', '--cron', 'every night', '--queue', queueName]).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
    expect((bad as { stderr: string }).stderr).toContain('not a cron pattern');
    const missing = await donald(['schedule', 'remove', 'nope', '--queue', queueName]).catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({ code: 2 });
    expect((missing as { stderr: string }).stderr).toContain('no schedule named "nope"');
  });
});
