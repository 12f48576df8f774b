import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { EnvironmentError } from '../environmentError.ts';
import type { StudyKeys } from './studyKeys.ts';

/*
 * A Redis that restarts without persistence (or is flushed) comes back empty: queue, results
 * stream, counts and guard bitmaps gone. Nothing in an empty Redis says a study was there, so the
 * producer marks each run of a study with a random id (the `epoch` hash) when it starts one; every
 * process remembers the id it saw and stops when the marker is gone or replaced, instead of
 * waiting for outcomes that no longer exist or folding a second copy of them. Each job carries
 * the id too, and the ledger records only under the id it was queued under (resultLedger.ts).
 */

/** The marker of one run (epoch) of a distributed study, as the producer wrote it. */
export interface StudyEpoch {
  readonly id: string;
  readonly studyHash: string;
  /** ISO time the producer started the run. */
  readonly startedAt: string;
}

/** An outcome of one run reached Redis after that run's marker was gone or replaced: nothing was recorded. */
export class LostStudyEpoch extends Error {
  override readonly name = 'LostStudyEpoch';
  constructor(readonly runId: string) {
    super(`run ${runId} of this study is no longer in Redis: nothing recorded`);
  }
}

/** The marker as stored (a hash), or null when there is none. */
function epochFrom(h: Record<string, string>): StudyEpoch | null {
  if (h.id === undefined) return null;
  return { id: h.id, studyHash: h.studyHash ?? '', startedAt: h.startedAt ?? '' };
}

export async function readStudyEpoch(redis: Redis, keys: StudyKeys): Promise<StudyEpoch | null> {
  return epochFrom(await redis.hgetall(keys.epoch));
}

// Atomic, so two producers starting at once agree on one run.
const OPEN_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'studyHash', ARGV[2], 'startedAt', ARGV[3])
end
return redis.call('HGETALL', KEYS[1])
`;

/** The run in Redis, or a new one if there is none; `created` says which. */
export async function openStudyEpoch(redis: Redis, keys: StudyKeys, studyHash: string): Promise<{ run: StudyEpoch; created: boolean }> {
  const id = randomBytes(8).toString('hex');
  const reply = (await redis.eval(OPEN_SCRIPT, 1, keys.epoch, id, studyHash, new Date().toISOString())) as string[];
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) h[reply[i]] = reply[i + 1];
  const run = epochFrom(h);
  // The script leaves a marker in place; none means Redis answered something else.
  if (run === null) throw new Error(`${keys.epoch}: no run marker right after opening one`);
  return { run, created: run.id === id };
}

/** What a process of a lost run says before it stops (exit 3). */
export function studyStateLost(address: string, studyFile: string): EnvironmentError {
  return new EnvironmentError(
    `Redis at ${address} lost this study's state (it restarted without persistence, or was flushed): the outcomes not yet aggregated are gone. ` +
      `Run Redis with appendonly yes (docker-compose.yml does) and start again: donald produce ${studyFile} --fresh`,
  );
}

function studyEpochReplaced(address: string, studyFile: string, mine: StudyEpoch, now: StudyEpoch): EnvironmentError {
  return new EnvironmentError(
    `Redis at ${address} holds a new run of this study (started ${now.startedAt}), not the one this process was part of (started ${mine.startedAt}): ` +
      `\`donald produce ${studyFile} --fresh\` replaced it, or Redis lost its state; start this process again to join the new run`,
  );
}

/**
 * One process's view of the study run: adopts the first marker it sees (a worker or aggregator
 * started before any producer waits as before), and from then on fails when the marker is gone
 * or replaced. Checked with every poll of its owner and as soon as a lost connection is back.
 */
export class StudyEpochWatch {
  private seen: StudyEpoch | null;
  private failure: EnvironmentError | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StudyKeys,
    private readonly where: { readonly address: string; readonly studyFile: string },
    seen: StudyEpoch | null = null,
  ) {
    this.seen = seen;
    // After an outage, look before the next poll does; a failure is kept for check() to throw.
    redis.on('ready', () => {
      this.check().catch(() => undefined);
    });
  }

  /** The run this process belongs to; null until a producer has started one. */
  get run(): StudyEpoch | null {
    return this.seen;
  }

  /** Throws (EnvironmentError, exit 3) once the run this process saw is gone or replaced. */
  async check(): Promise<StudyEpoch | null> {
    if (this.failure !== undefined) throw this.failure;
    const now = await readStudyEpoch(this.redis, this.keys);
    if (this.failure !== undefined) throw this.failure;
    if (this.seen === null) {
      this.seen = now;
      return now;
    }
    if (now === null) this.failure = studyStateLost(this.where.address, this.where.studyFile);
    else if (now.id !== this.seen.id) this.failure = studyEpochReplaced(this.where.address, this.where.studyFile, this.seen, now);
    if (this.failure !== undefined) throw this.failure;
    return now;
  }
}
