import { Redis } from 'ioredis';

/**
 * One ioredis connection per role. BullMQ workers block on Redis, so their connection must
 * retry forever (`maxRetriesPerRequest: null`, BullMQ's requirement); short-lived clients use
 * the same setting so a Redis restart pauses a study instead of failing it.
 */
export function redisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}
