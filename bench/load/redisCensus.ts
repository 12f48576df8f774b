import type { Redis } from 'ioredis';
import { studyKeys } from '../../src/transport/studyKeys.ts';

/** What a Redis key of a distributed study is for; the census sums memory by these. */
export const KEY_CATEGORIES = [
  'recorded guard',
  'result stream',
  'counts hash',
  'job hashes',
  'job locks and logs',
  'BullMQ events stream',
  'BullMQ queue structures',
  'other',
] as const;

export type KeyCategory = (typeof KEY_CATEGORIES)[number];

export function keyCategory(key: string, queue: string): KeyCategory {
  const keys = studyKeys(queue);
  if (key === keys.recordedBatches || key === keys.recordedUnreadable) return 'recorded guard';
  if (key === keys.results) return 'result stream';
  if (key === keys.counts) return 'counts hash';
  const prefix = `bull:${queue}:`;
  if (!key.startsWith(prefix)) return 'other';
  const rest = key.slice(prefix.length);
  if (rest === 'events') return 'BullMQ events stream';
  // The producer names its jobs batch-<n>; BullMQ keeps a job's data in bull:<queue>:<jobId>.
  if (/^batch-\d+$/.test(rest)) return 'job hashes';
  if (/^batch-\d+:/.test(rest)) return 'job locks and logs';
  return 'BullMQ queue structures';
}

export interface CategoryUsage {
  readonly keys: number;
  readonly bytes: number;
}

export interface KeyUsage {
  readonly key: string;
  readonly bytes: number;
  readonly type: string;
  /** Members/entries/fields of the key (SCARD, XLEN, HLEN, ZCARD, LLEN), or bytes of a string (STRLEN). */
  readonly length: number;
}

export interface RedisCensus {
  readonly seconds: number;
  readonly usedMemoryBytes: number;
  readonly keys: number;
  /** Sum of MEMORY USAGE over every key. */
  readonly keyBytes: number;
  readonly byCategory: Record<KeyCategory, CategoryUsage>;
  /** Entries in the result stream, for bytes per item. */
  readonly resultStreamLength: number;
  /** Bytes of the recorded guard's bitmaps (STRLEN: one bit per batch, one per unreadable line). */
  readonly recordedGuardBytes: number;
  /** Entries in BullMQ's events stream (capped by BullMQ at ~10,000). */
  readonly eventsStreamLength: number;
  readonly largest: KeyUsage[];
}

const LENGTH_COMMAND: Record<string, string | undefined> = { set: 'scard', stream: 'xlen', hash: 'hlen', zset: 'zcard', list: 'llen', string: 'strlen' };

async function allKeys(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/**
 * MEMORY USAGE of every key, summed by category, counting every element (SAMPLES 0): Redis's
 * default (5 sampled elements) overstates a job hash about twofold (one large `data` field among
 * ten small ones). No key is large enough for a full count to stall Redis: the recorded guard is
 * a bitmap, the result stream is capped by jobs.maxResultBacklog.
 */
export async function redisCensus(redis: Redis, queue: string, seconds: number, largestCount = 10): Promise<RedisCensus> {
  const keys = await allKeys(redis);
  const usage = redis.pipeline();
  for (const key of keys) {
    usage.memory('USAGE', key, 'SAMPLES', 0);
    usage.type(key);
  }
  usage.info('memory');
  const replies = (await usage.exec()) ?? [];
  const byCategory = Object.fromEntries(KEY_CATEGORIES.map((c) => [c, { keys: 0, bytes: 0 }])) as Record<KeyCategory, { keys: number; bytes: number }>;
  const sized: { key: string; bytes: number; type: string }[] = [];
  let keyBytes = 0;
  keys.forEach((key, i) => {
    // A key may vanish between SCAN and MEMORY USAGE (a job removed meanwhile): null, counted as 0.
    const bytes = Number(replies[2 * i]?.[1] ?? 0);
    const type = String(replies[2 * i + 1]?.[1] ?? 'none');
    const c = byCategory[keyCategory(key, queue)];
    c.keys++;
    c.bytes += bytes;
    keyBytes += bytes;
    sized.push({ key, bytes, type });
  });
  const info = String(replies[replies.length - 1]?.[1] ?? '');
  sized.sort((a, b) => b.bytes - a.bytes);
  const top = sized.slice(0, largestCount);
  const lengths = redis.pipeline();
  for (const k of top) {
    const command = LENGTH_COMMAND[k.type];
    if (command === undefined) lengths.exists(k.key);
    else lengths.call(command, k.key);
  }
  const study = studyKeys(queue);
  lengths.xlen(study.results);
  lengths.strlen(study.recordedBatches);
  lengths.strlen(study.recordedUnreadable);
  lengths.xlen(`bull:${queue}:events`);
  const lengthReplies = (await lengths.exec()) ?? [];
  return {
    seconds,
    usedMemoryBytes: infoNumber(info, 'used_memory'),
    keys: keys.length,
    keyBytes,
    byCategory,
    resultStreamLength: Number(lengthReplies[top.length]?.[1] ?? 0),
    recordedGuardBytes: Number(lengthReplies[top.length + 1]?.[1] ?? 0) + Number(lengthReplies[top.length + 2]?.[1] ?? 0),
    eventsStreamLength: Number(lengthReplies[top.length + 3]?.[1] ?? 0),
    largest: top.map((k, i) => ({ ...k, length: Number(lengthReplies[i]?.[1] ?? 0) })),
  };
}

/** A numeric field of an INFO reply; 0 when absent. */
export function infoNumber(info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\d+(?:\\.\\d+)?)\\r?$`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}
