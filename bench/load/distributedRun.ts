import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadStudy } from '../../src/study/loadStudy.ts';
import { benchLog } from '../benchLog.ts';
import { oneMinuteLoad } from '../machineInfo.ts';
import type { LoadCorpus } from './loadCorpus.ts';
import type { LoadRun, ProcessFigures, RedisFigures, RetentionSettings } from './loadResults.ts';
import { checkOutputs } from './outputCheck.ts';
import { startPrivateRedis } from './privateRedis.ts';
import { readProc } from './procStatus.ts';
import { processTrend, type SettledPoint } from './processTrend.ts';
import { infoNumber, KEY_CATEGORIES, redisCensus, type KeyCategory, type RedisCensus } from './redisCensus.ts';
import { RunSampler, type ProcessSeries, type RunPoint } from './runSampler.ts';
import { logTail, spawnDonald, stopLiveProcesses, type StudyProcess } from './studyProcesses.ts';

export const SAMPLER_TIMING = { everyMs: 250, censusEveryTicks: 8 };
const MB = 2 ** 20;
const WORKERS = 2;

export interface DistributedRunInput {
  readonly corpus: LoadCorpus;
  readonly modelDir: string;
  readonly dir: string;
  /** The run is stopped and reported as failed after this long. */
  readonly timeoutSeconds: number;
  /**
   * Force a full GC in every study process this often, for settled readings that show a leak as
   * a trend; null leaves GC to V8, so peaks are what an operator would see.
   */
  readonly forceGcEveryMs: number | null;
}

/** The study file: the documented defaults except one onnxruntime thread per worker (two workers share two cores). */
function writeStudyFile(input: DistributedRunInput, redisUrl: string, queue: string): string {
  const file = path.join(input.dir, 'study.json');
  const study = {
    name: `load-${input.corpus.lines}`,
    model: input.modelDir,
    corpus: [{ path: input.corpus.path }],
    output: path.join(input.dir, 'out'),
    redis: { url: redisUrl, queue },
    modelOptions: { intraOpThreads: 1 },
  };
  writeFileSync(file, `${JSON.stringify(study, null, 2)}\n`);
  return file;
}

export async function studySettings(studyFile: string): Promise<RetentionSettings> {
  const study = await loadStudy(studyFile);
  return {
    jobBatchSize: study.jobs.batchSize,
    maxQueued: study.jobs.maxQueued,
    keepCompleted: study.jobs.keepCompleted,
    keepFailed: study.jobs.keepFailed,
    lockMs: study.jobs.lockMs,
    aggregateSegment: study.jobs.aggregateSegment,
    maxResultBacklog: study.jobs.maxResultBacklog,
    concurrency: study.concurrency,
    workers: WORKERS,
    modelBatchSize: study.modelOptions.batchSize,
    intraOpThreads: study.modelOptions.intraOpThreads,
  };
}

function thin<T>(items: readonly T[], most: number): T[] {
  if (items.length <= most) return [...items];
  const step = (items.length - 1) / (most - 1);
  return Array.from({ length: most }, (_, i) => items[Math.round(i * step)]);
}

/** Outcomes recorded at `seconds`: the last tick at or before it. */
function recordedAt(points: readonly RunPoint[], seconds: number): number {
  let recorded = 0;
  for (const p of points) {
    if (p.seconds > seconds) break;
    recorded = p.recorded;
  }
  return recorded;
}

function processFigures(series: ProcessSeries, run: StudyProcess | undefined, points: readonly RunPoint[], startedEpochMs: number, total: number, streamingUntil: number): ProcessFigures {
  const report = run?.exitReport() ?? null;
  const rss = series.points.map((p) => p.rssMB);
  const streaming = series.points.filter((p) => p.seconds <= streamingUntil).map((p) => p.rssMB);
  const settled: SettledPoint[] = (report?.settled ?? []).map((r) => {
    const seconds = (r.epochMs - startedEpochMs) / 1000;
    return { seconds, recorded: recordedAt(points, seconds), rssMB: r.rssMB, heapUsedMB: r.heapUsedMB, externalMB: r.externalMB };
  });
  return {
    role: series.role,
    peakRssMB: report?.maxRssMB ?? series.hwmMB,
    sampledPeakRssMB: rss.length > 0 ? Math.max(...rss) : 0,
    streamingPeakRssMB: streaming.length > 0 ? Math.max(...streaming) : 0,
    cpuSeconds: report?.cpuSeconds ?? series.cpuSeconds,
    endedAtSeconds: series.lastSeenSeconds,
    samples: series.points.length,
    settledSamples: settled.length,
    trend: processTrend(settled, total, streamingUntil),
    timeline: thin(series.points, 40).map((p) => ({ seconds: p.seconds, recorded: p.recorded, rssMB: p.rssMB })),
    settledTimeline: thin(settled, 40),
  };
}

function redisFigures(sampler: RunSampler, startMB: number, endInfo: string, serverPeakRssMB: number, finalCensus: RedisCensus): RedisFigures {
  const points = sampler.points;
  const max = (pick: (p: (typeof points)[number]) => number): number => Math.max(0, ...points.map(pick));
  const censuses = sampler.censuses;
  const atPeak = censuses.reduce((best, c) => (c.usedMemoryBytes > best.usedMemoryBytes ? c : best), censuses[0] ?? finalCensus);
  const categoryPeakBytes = Object.fromEntries(KEY_CATEGORIES.map((c) => [c, Math.max(0, ...censuses.map((x) => x.byCategory[c].bytes))])) as Record<KeyCategory, number>;
  return {
    usedMemoryStartMB: startMB,
    usedMemoryPeakMB: infoNumber(endInfo, 'used_memory_peak') / MB,
    sampledPeakUsedMemoryMB: max((p) => p.usedMemoryMB),
    usedMemoryEndMB: infoNumber(endInfo, 'used_memory') / MB,
    serverPeakRssMB,
    maxResultStream: max((p) => p.resultStream),
    maxRecordedGuardBytes: max((p) => p.recordedGuardBytes),
    maxCompletedJobs: max((p) => p.completedJobs),
    maxUnfinishedJobs: max((p) => p.unfinishedJobs),
    censusAtPeak: atPeak,
    categoryPeakBytes,
    finalCensus,
    censuses: censuses.length,
  };
}

/**
 * One corpus through the distributed mode on a fresh private Redis: one producer, two workers and
 * one aggregator, all started at once as `node bin/donald.js` child processes, sampled until the
 * aggregator has written the outputs; then the outputs are checked against the corpus's counts.
 */
export async function runDistributed(input: DistributedRunInput): Promise<{ run: LoadRun; settings: RetentionSettings }> {
  const size = input.corpus.lines;
  mkdirSync(input.dir, { recursive: true });
  const redisServer = await startPrivateRedis();
  const client = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  // A lost connection surfaces as a failed command where it matters; the event alone (e.g. the
  // server stopping under an interrupted bench) needs no report.
  client.on('error', () => undefined);
  const queue = `donald-load-${size}`;
  try {
    const studyFile = writeStudyFile(input, redisServer.url, queue);
    const settings = await studySettings(studyFile);
    const usedMemoryStartMB = infoNumber(await client.info('memory'), 'used_memory') / MB;
    const loadAverageAtStart = oneMinuteLoad();
    const startedAt = performance.now();
    // The study processes stamp their settled readings with the wall clock; this places them on the run's.
    const startedEpochMs = Date.now();
    const sampler = new RunSampler(client, queue, startedAt, SAMPLER_TIMING);
    sampler.watch({ role: 'redis-server', pid: redisServer.pid });

    const logs = path.join(input.dir, 'logs');
    mkdirSync(logs, { recursive: true });
    const start = (role: string, args: string[]): StudyProcess => {
      const slug = role.replace(/\s+/g, '-');
      const p = spawnDonald(role, args, { log: path.join(logs, `${slug}.log`), report: path.join(logs, `${slug}.exit.json`) }, startedAt, input.forceGcEveryMs);
      sampler.watch({ role, pid: p.pid });
      return p;
    };
    const processes = [
      start('producer', ['produce', studyFile, '--no-progress']),
      ...Array.from({ length: WORKERS }, (_, i) => start(`worker ${i + 1}`, ['work', studyFile, '--exit-when-done', '--no-progress'])),
      start('aggregator', ['aggregate', studyFile, '--no-progress']),
    ];
    sampler.start();
    benchLog(`${size}: producer, ${WORKERS} workers and aggregator started on ${redisServer.url}${input.forceGcEveryMs === null ? '' : ` (full GC forced every ${input.forceGcEveryMs} ms)`}`);

    const progress = setInterval(() => {
      const last = sampler.points[sampler.points.length - 1];
      if (last === undefined) return;
      const rss = sampler.series.map((s) => `${s.role} ${s.points[s.points.length - 1]?.rssMB.toFixed(0) ?? '-'}`).join(', ');
      benchLog(`${size}: ${last.recorded} recorded, ${last.unfinishedJobs} jobs unfinished, stream ${last.resultStream}, Redis ${last.usedMemoryMB.toFixed(1)} MB; RSS MB: ${rss}`);
    }, 5000);
    let timedOut = false;
    const timeout = setTimeout(() => {
      timedOut = true;
      void stopLiveProcesses();
    }, input.timeoutSeconds * 1000);
    let exits: Awaited<StudyProcess['exited']>[];
    try {
      exits = await Promise.all(
        processes.map(async (p) => {
          const exit = await p.exited;
          // One process failing would leave the others waiting forever: stop them and say which.
          if (exit.code !== 0 && !timedOut) await stopLiveProcesses();
          return exit;
        }),
      );
    } finally {
      clearInterval(progress);
      clearTimeout(timeout);
      await sampler.stop();
    }
    if (timedOut) throw new Error(`${size}: stopped after ${input.timeoutSeconds} s without finishing; logs in ${logs}`);
    const failed = processes.map((p, i) => ({ p, exit: exits[i] })).filter(({ exit }) => exit.code !== 0);
    if (failed.length > 0) {
      const detail = failed.map(({ p, exit }) => `${p.role} exited with ${exit.signal ?? `code ${exit.code}`}:\n${logTail(p)}`).join('\n');
      throw new Error(`${size}: distributed run failed\n${detail}`);
    }
    const loadAverageAtEnd = oneMinuteLoad();
    const serverPeakRssMB = readProc(redisServer.pid)?.hwmMB ?? 0;
    const finalCensus = await redisCensus(client, queue, (performance.now() - startedAt) / 1000);
    const endInfo = await client.info('memory');

    const output = await checkOutputs(path.join(input.dir, 'out'), input.corpus.expected);
    const byRole = new Map(processes.map((p) => [p.role, p]));
    const aggregatorDone = exits[exits.length - 1].seconds;
    const streamingUntil = sampler.allRecordedAt ?? aggregatorDone;
    const wallSeconds = Math.max(...exits.map((e) => e.seconds));
    const processed = output.manifestCounts.processed;
    // Every queued or unreadable sentence ends as one outcome in the ledger: the x axis of the trends.
    const outcomes = input.corpus.expected.processed + input.corpus.expected.failed;
    const run: LoadRun = {
      size,
      forcedGcEveryMs: input.forceGcEveryMs,
      corpusMix: input.corpus.mix,
      expected: input.corpus.expected,
      output,
      exact: output.problems.length === 0,
      timings: {
        wallSeconds,
        firstOutcomeSeconds: sampler.firstRecordedAt,
        producerDoneSeconds: exits[0].seconds,
        allRecordedSeconds: sampler.allRecordedAt,
        aggregatorDoneSeconds: aggregatorDone,
        sentencesPerSecond: processed / wallSeconds,
        steadySentencesPerSecond:
          sampler.allRecordedAt !== null && sampler.firstRecordedAt !== null && sampler.allRecordedAt > sampler.firstRecordedAt
            ? processed / (sampler.allRecordedAt - sampler.firstRecordedAt)
            : null,
        loadAverageAtStart,
        loadAverageAtEnd,
      },
      processes: sampler.series.map((s) => processFigures(s, byRole.get(s.role), sampler.points, startedEpochMs, outcomes, streamingUntil)),
      redis: redisFigures(sampler, usedMemoryStartMB, endInfo, serverPeakRssMB, finalCensus),
      timeline: thin(sampler.points, 60),
    };
    return { run, settings };
  } finally {
    await stopLiveProcesses();
    client.disconnect();
    await redisServer.stop();
  }
}
