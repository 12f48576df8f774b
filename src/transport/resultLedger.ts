import type { Redis } from 'ioredis';
import type { SentenceOutcome } from '../pipeline/sentenceOutcome.ts';
import { LostStudyEpoch } from './studyEpoch.ts';
import type { StudyKeys } from './studyKeys.ts';

/*
 * Delivery through BullMQ is at-least-once: a stalled worker's batch runs again elsewhere. The
 * ledger makes recording idempotent per batch: one Lua script sets the batch's bit in a bitmap
 * and, only if the bit was clear, appends every outcome of the batch to the results stream and
 * counts them, atomically. A batch is recorded whole or not at all (its outcomes travel in one
 * script call), so a re-run, a re-queue under a new job id, or the failure record of a job
 * BullMQ gave up on changes nothing once the batch is in. The guard costs one bit per batch,
 * where a set of sentence ids cost ~56 bytes per sentence.
 *
 * A sentence id belongs to one batch only: the producer drops repeated ids before batching. Two
 * batches sharing ids could only come from a bug; their outcomes would then be counted twice, and
 * the aggregator stops with an error when the ledger holds more outcomes than the producer let
 * through (see aggregateStudy), rather than publish numbers that count a sentence twice.
 *
 * An outcome carries the id of the study run (epoch) it was queued under, and the same script
 * refuses it unless that run is still the one in Redis: after Redis lost the study (a restart
 * without persistence cleared the guard bits too) or a fresh run replaced it, a batch of the old
 * run can never be recorded a second time, nor into the new run.
 */
const RECORD_SCRIPT = `
if ARGV[1] ~= '' and redis.call('HGET', KEYS[4], 'id') ~= ARGV[1] then
  return -1
end
if redis.call('SETBIT', KEYS[1], ARGV[2], 1) == 1 then
  return 0
end
local added = 0
for i = 3, #ARGV, 2 do
  redis.call('XADD', KEYS[2], '*', 'o', ARGV[i + 1])
  redis.call('HINCRBY', KEYS[3], ARGV[i], 1)
  added = added + 1
end
return added
`;

export interface LedgerEntry {
  readonly streamId: string;
  readonly outcome: SentenceOutcome;
}

export class ResultLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StudyKeys,
  ) {}

  /**
   * Records the outcomes of batch `batch` (the producer's batch number, fixed across re-runs and
   * producer restarts) unless that batch was recorded before; returns how many were new: all or none.
   * With `epoch` (the run the batch was queued under), throws LostStudyEpoch unless that run is
   * still the one in Redis.
   */
  async record(batch: number, outcomes: readonly SentenceOutcome[], epoch?: string): Promise<number> {
    return this.recordUnder(this.keys.recordedBatches, batch, outcomes, epoch);
  }

  /**
   * Records the failure of the corpus's `ordinal`-th unreadable line (0-based), once: a restarted
   * producer re-reads the corpus, meets the same unreadable lines in the same order and records
   * nothing again.
   */
  async recordUnreadable(ordinal: number, failure: SentenceOutcome, epoch?: string): Promise<number> {
    return this.recordUnder(this.keys.recordedUnreadable, ordinal, [failure], epoch);
  }

  /** Whether batch `batch` is recorded. */
  async isRecorded(batch: number): Promise<boolean> {
    return (await this.redis.getbit(this.keys.recordedBatches, batch)) === 1;
  }

  private async recordUnder(guard: string, bit: number, outcomes: readonly SentenceOutcome[], epoch: string | undefined): Promise<number> {
    if (!Number.isInteger(bit) || bit < 0) throw new Error(`ledger guard bit must be a non-negative integer, got ${bit}`);
    if (outcomes.length === 0) return 0;
    const args: string[] = [epoch ?? '', String(bit)];
    for (const o of outcomes) args.push(o.kind, JSON.stringify(o));
    const added = Number(await this.redis.eval(RECORD_SCRIPT, 4, guard, this.keys.results, this.keys.counts, this.keys.epoch, ...args));
    if (added < 0 && epoch !== undefined) throw new LostStudyEpoch(epoch);
    return added;
  }

  /** Up to `count` outcomes after stream id `after` ('0' = from the start), oldest first. */
  async readAfter(after: string, count: number): Promise<LedgerEntry[]> {
    const start = after === '0' ? '-' : `(${after}`;
    const entries = await this.redis.xrange(this.keys.results, start, '+', 'COUNT', count);
    return entries.map(([streamId, fields]) => ({ streamId, outcome: parseOutcome(fields[1]) }));
  }

  /** Entries still in the stream: recorded, and not yet trimmed by an aggregator checkpoint. */
  async untrimmed(): Promise<number> {
    return this.redis.xlen(this.keys.results);
  }

  /** Drops consumed entries (up to and including `upTo`) so Redis memory stays bounded. */
  async trimThrough(upTo: string): Promise<void> {
    const [ms, seq] = upTo.split('-').map(Number);
    await this.redis.xtrim(this.keys.results, 'MINID', `${ms}-${seq + 1}`);
  }
}

/** JSON turns NaN (a layer without a predecessor for block influence) into null; restore it. */
export function parseOutcome(json: string): SentenceOutcome {
  return JSON.parse(json, (_key, value: unknown) => (value === null ? Number.NaN : value)) as SentenceOutcome;
}
