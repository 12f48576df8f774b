import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import type { Command } from 'commander';
import { CronExpressionParser } from 'cron-parser';
import { loadStudy } from '../../study/loadStudy.ts';
import { redisConnection } from '../../transport/redisConnection.ts';
import { checkRedisReachable } from '../../transport/redisReachability.ts';
import { SCHEDULE_QUEUE } from '../../transport/studyKeys.ts';
import { UserError } from '../../userError.ts';
import { studyRunProcessor } from '../../../workers/studyRun.ts';
import { STUDY_RUN, type StudyRunData, type StudyRunResult } from '../../../workers/studyRunJob.ts';

interface ScheduleFlags {
  readonly redis: string;
  readonly queue: string;
}

const DEFAULT_REDIS = process.env.DONALD_REDIS_URL ?? 'redis://127.0.0.1:6379';

function withRedisFlags(cmd: Command): Command {
  return cmd
    .option('--redis <url>', 'Redis URL holding the schedules (env DONALD_REDIS_URL)', DEFAULT_REDIS)
    .option('--queue <name>', 'queue the schedules live on', SCHEDULE_QUEUE);
}

/** Fails in seconds with a one-line error (exit 3) when the schedules' Redis does not answer. */
async function checkScheduleRedis(flags: ScheduleFlags): Promise<void> {
  await checkRedisReachable(flags.redis, { hint: 'pass --redis redis://host:port (or set DONALD_REDIS_URL)' });
}

async function withQueue<T>(flags: ScheduleFlags, use: (queue: Queue<StudyRunData, StudyRunResult>) => Promise<T>): Promise<T> {
  await checkScheduleRedis(flags);
  const connection = redisConnection(flags.redis);
  const queue = new Queue<StudyRunData, StudyRunResult>(flags.queue, { connection });
  // An outage is reported once by the connection (redisConnection); BullMQ would print each retry's stack.
  queue.on('error', () => undefined);
  try {
    return await use(queue);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

function checkCron(pattern: string, tz: string | undefined): void {
  try {
    CronExpressionParser.parse(pattern, tz ? { tz } : {});
  } catch (err) {
    throw new UserError(`--cron "${pattern}": not a cron pattern (${err instanceof Error ? err.message : String(err)}); e.g. "0 2 * * *" for 02:00 every night`);
  }
}

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('add, list, remove or serve scheduled studies (cron, on BullMQ job schedulers)');

  withRedisFlags(
    schedule
      .command('add <name> <study>')
      .description('run <study> on a cron schedule; each run writes to <output>/<name>-<timestamp>/')
      .requiredOption('--cron <pattern>', 'cron pattern, 5 fields or 6 with seconds (e.g. "0 2 * * *")')
      .option('--tz <zone>', 'time zone of the pattern (e.g. Europe/Berlin); default the server\'s'),
  ).action(async (name: string, studyFile: string, flags: ScheduleFlags & { cron: string; tz?: string }) => {
    checkCron(flags.cron, flags.tz);
    const study = await loadStudy(studyFile); // fail now, not at 2 a.m.
    await withQueue(flags, async (queue) => {
      await queue.upsertJobScheduler(
        name,
        { pattern: flags.cron, ...(flags.tz ? { tz: flags.tz } : {}) },
        { name: STUDY_RUN, data: { studyFile: study.file, schedule: name }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
      const next = (await queue.getJobScheduler(name))?.next;
      process.stdout.write(`${name}: ${flags.cron} -> ${path.relative(process.cwd(), study.file) || study.file}${next ? `, next run ${new Date(next).toISOString()}` : ''}\n`);
    });
    process.stderr.write('runs happen where `donald schedule serve` is running\n');
  });

  withRedisFlags(schedule.command('list').description('list schedules with their next run')).action(async (flags: ScheduleFlags) => {
    await withQueue(flags, async (queue) => {
      const schedulers = await queue.getJobSchedulers(0, -1, true);
      if (schedulers.length === 0) process.stdout.write('no schedules\n');
      for (const s of schedulers) {
        const data = s.template?.data;
        process.stdout.write(`${s.key}\t${s.pattern ?? `every ${s.every} ms`}${s.tz ? ` (${s.tz})` : ''}\tnext ${s.next ? new Date(s.next).toISOString() : '-'}\t${data?.studyFile ?? '?'}\n`);
      }
    });
  });

  withRedisFlags(schedule.command('remove <name>').description('remove a schedule (runs already started finish)')).action(async (name: string, flags: ScheduleFlags) => {
    await withQueue(flags, async (queue) => {
      if (!(await queue.removeJobScheduler(name))) throw new UserError(`no schedule named "${name}" on queue ${flags.queue}: see \`donald schedule list\``);
      process.stdout.write(`${name}: removed\n`);
    });
  });

  withRedisFlags(
    schedule
      .command('serve')
      .description('run scheduled studies as they fall due (keep one running, e.g. under systemd)')
      .option('--max-runs <n>', 'exit after this many runs (for tests and one-off catch-up)'),
  ).action(async (flags: ScheduleFlags & { maxRuns?: string }) => {
    const maxRuns = flags.maxRuns === undefined ? Infinity : Number(flags.maxRuns);
    if (!(maxRuns >= 1)) throw new UserError(`--max-runs ${flags.maxRuns}: expected a positive whole number`);
    await checkScheduleRedis(flags);
    const connection = redisConnection(flags.redis);
    // One run at a time: a study already uses every core through onnxruntime.
    const worker = new Worker<StudyRunData, StudyRunResult>(flags.queue, studyRunProcessor, { connection, concurrency: 1, lockDuration: 120_000 });
    let runs = 0;
    worker.on('completed', (job, result) => {
      runs++;
      process.stderr.write(`${job.data.schedule}: run done, ${result.processed} processed, ${result.failed} failed -> ${result.outDir}\n`);
    });
    worker.on('error', (err: NodeJS.ErrnoException) => {
      // Connection errors (an errno code) are reported once by redisConnection; others are news.
      if (err.code === undefined) process.stderr.write(`schedule worker: ${err.message}\n`);
    });
    worker.on('failed', (job, err) => {
      runs++;
      process.stderr.write(`${job?.data.schedule ?? '?'}: run failed: ${err.message}\n`);
    });
    let stopping = false;
    const stop = (): void => {
      stopping = true;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stderr.write(`serving schedules on ${flags.queue} (${flags.redis})\n`);
    while (!stopping && runs < maxRuns) await sleep(200);
    await worker.close();
    connection.disconnect();
  });
}
