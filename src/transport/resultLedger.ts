import type { Redis } from 'ioredis';
import type { SentenceOutcome } from '../pipeline/sentenceOutcome.ts';
import type { StudyKeys } from './studyKeys.ts';

/*
 * Delivery through BullMQ is at-least-once: a stalled worker's batch runs again elsewhere. The
 * ledger makes recording idempotent: one Lua script adds the sentence id to a set and appends
 * the outcome to the results stream only if the id was new, atomically, so a sentence is
 * counted once however often its job runs.
 */
const RECORD_SCRIPT = `
local added = 0
for i = 1, #ARGV, 3 do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[2], '*', 'o', ARGV[i + 2])
    redis.call('HINCRBY', KEYS[3], ARGV[i + 1], 1)
    added = added + 1
  end
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

  /** Records outcomes not recorded before; returns how many were new. */
  async record(outcomes: readonly SentenceOutcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const args: string[] = [];
    for (const o of outcomes) args.push(o.id, o.kind, JSON.stringify(o));
    const added = await this.redis.eval(RECORD_SCRIPT, 3, this.keys.recorded, this.keys.results, this.keys.counts, ...args);
    return Number(added);
  }

  /** Up to `count` outcomes after stream id `after` ('0' = from the start), oldest first. */
  async readAfter(after: string, count: number): Promise<LedgerEntry[]> {
    const start = after === '0' ? '-' : `(${after}`;
    const entries = await this.redis.xrange(this.keys.results, start, '+', 'COUNT', count);
    return entries.map(([streamId, fields]) => ({ streamId, outcome: parseOutcome(fields[1]) }));
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
