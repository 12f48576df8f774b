import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { studyKeys } from '../../src/transport/studyKeys.ts';
import { readProc } from './procStatus.ts';
import { infoNumber, redisCensus, type RedisCensus } from './redisCensus.ts';

const MB = 2 ** 20;

/** A process of the run whose memory is followed. */
export interface WatchedProcess {
  readonly role: string;
  readonly pid: number;
}

export interface ProcessPoint {
  readonly seconds: number;
  /** Outcomes recorded in the ledger at that moment: the study's progress. */
  readonly recorded: number;
  readonly rssMB: number;
}

export interface ProcessSeries {
  readonly role: string;
  readonly pid: number;
  readonly points: ProcessPoint[];
  /** Last VmHWM seen before the process ended: its peak RSS (exact, from the kernel). */
  hwmMB: number;
  cpuSeconds: number;
  lastSeenSeconds: number;
}

/** One tick of the whole run: Redis and the ledger's progress. */
export interface RunPoint {
  readonly seconds: number;
  readonly recorded: number;
  readonly usedMemoryMB: number;
  readonly resultStream: number;
  /** Bytes of the recorded-batches bitmap (one bit per batch). */
  readonly recordedGuardBytes: number;
  readonly completedJobs: number;
  /** Waiting, active, delayed and prioritized jobs: what jobs.maxQueued bounds. */
  readonly unfinishedJobs: number;
}

export interface SamplerTiming {
  readonly everyMs: number;
  /** A key census (MEMORY USAGE of every key) every this many ticks. */
  readonly censusEveryTicks: number;
}

/**
 * Samples every watched process's RSS from /proc and Redis's used_memory, the ledger's progress
 * and the queue's size, every `everyMs`, plus a periodic key census, until stopped. The parent
 * only reads: the children run unmodified (`node bin/donald.js ...`).
 */
export class RunSampler {
  readonly points: RunPoint[] = [];
  readonly censuses: RedisCensus[] = [];
  readonly series: ProcessSeries[] = [];
  /** Seconds at which every queued sentence had an outcome in the ledger; null until then. */
  allRecordedAt: number | null = null;
  firstRecordedAt: number | null = null;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly queue: string,
    private readonly startedAt: number,
    private readonly timing: SamplerTiming,
  ) {}

  watch(process: WatchedProcess): void {
    this.series.push({ role: process.role, pid: process.pid, points: [], hwmMB: 0, cpuSeconds: 0, lastSeenSeconds: 0 });
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private seconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  private async run(): Promise<void> {
    for (let tick = 0; this.running; tick++) {
      const began = performance.now();
      await this.tick();
      if (tick % this.timing.censusEveryTicks === 0) this.censuses.push(await redisCensus(this.redis, this.queue, this.seconds()));
      await sleep(Math.max(0, this.timing.everyMs - (performance.now() - began)));
    }
  }

  private async tick(): Promise<void> {
    const keys = studyKeys(this.queue);
    const bull = (name: string): string => `bull:${this.queue}:${name}`;
    const replies =
      (await this.redis
        .pipeline()
        .info('memory')
        .hgetall(keys.counts)
        .xlen(keys.results)
        .strlen(keys.recordedBatches)
        .zcard(bull('completed'))
        .llen(bull('wait'))
        .llen(bull('active'))
        .zcard(bull('delayed'))
        .zcard(bull('prioritized'))
        .exec()) ?? [];
    const value = (i: number): unknown => replies[i]?.[1];
    const counts = (value(1) ?? {}) as Record<string, string>;
    const n = (k: string): number => Number(counts[k] ?? 0);
    const recorded = n('processed') + n('failed');
    const seconds = this.seconds();
    if (recorded > 0 && this.firstRecordedAt === null) this.firstRecordedAt = seconds;
    if (this.allRecordedAt === null && counts.produced === '1' && recorded === n('queued') + n('invalid')) this.allRecordedAt = seconds;
    this.points.push({
      seconds,
      recorded,
      usedMemoryMB: infoNumber(String(value(0) ?? ''), 'used_memory') / MB,
      resultStream: Number(value(2) ?? 0),
      recordedGuardBytes: Number(value(3) ?? 0),
      completedJobs: Number(value(4) ?? 0),
      unfinishedJobs: [5, 6, 7, 8].reduce((sum, i) => sum + Number(value(i) ?? 0), 0),
    });
    for (const s of this.series) {
      const reading = readProc(s.pid);
      if (reading === null) continue;
      s.points.push({ seconds, recorded, rssMB: reading.rssMB });
      s.hwmMB = reading.hwmMB;
      s.cpuSeconds = reading.cpuSeconds;
      s.lastSeenSeconds = seconds;
    }
  }
}
