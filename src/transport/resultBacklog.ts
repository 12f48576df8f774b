import { setTimeout as sleep } from 'node:timers/promises';
import type { ResultLedger } from './resultLedger.ts';

export interface ResultBacklogOptions {
  /** jobs.maxResultBacklog: the most un-trimmed outcomes a worker lets pile up before it waits. */
  readonly maxBacklog: number;
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/** Least time between two "waiting" lines of one worker, so a lagging aggregator does not flood stderr. */
const LOG_EVERY_MS = 60_000;

/**
 * Backpressure from the aggregator to the workers: the results stream is trimmed only at an
 * aggregator checkpoint, so without one (no aggregator running, or one far behind) it would grow
 * with the corpus. A worker waits here before analysing a batch while the stream holds more than
 * `maxBacklog` entries, which bounds the stream at maxBacklog plus the batches already past the
 * gate (workers x concurrency x jobs.batchSize).
 */
export class ResultBacklog {
  private lastLogAt = -Infinity;

  constructor(
    private readonly ledger: ResultLedger,
    private readonly options: ResultBacklogOptions,
  ) {}

  /** Resolves true once there is room, or false as soon as `stopping()` says the worker is stopping. */
  async waitForRoom(stopping: () => boolean = () => false): Promise<boolean> {
    for (;;) {
      const held = await this.ledger.untrimmed();
      if (held <= this.options.maxBacklog) return true;
      if (stopping()) return false;
      const now = Date.now();
      if (now - this.lastLogAt >= LOG_EVERY_MS) {
        this.lastLogAt = now;
        this.options.log?.(`waiting: ${held} results not yet aggregated (jobs.maxResultBacklog ${this.options.maxBacklog}); is an aggregator running?`);
      }
      await sleep(this.options.pollMs ?? 200);
    }
  }
}
