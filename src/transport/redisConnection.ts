import { Redis } from 'ioredis';

/** Addresses whose loss this process has reported and whose return it has not yet. */
const unreachable = new Set<string>();

/**
 * One ioredis connection per role. BullMQ workers block on Redis, so their connection must
 * retry forever (`maxRetriesPerRequest: null`, BullMQ's requirement); short-lived clients use
 * the same setting so a Redis restart pauses a study instead of failing it. Startup checks
 * reachability separately (see redisReachability.ts), so only a mid-run outage waits here.
 */
export function redisConnection(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
  const address = clientAddress(redis);
  // One line when Redis goes away and one when it is back, instead of ioredis's stack trace per retry.
  redis.on('error', (err: NodeJS.ErrnoException) => {
    if (unreachable.has(address)) return;
    unreachable.add(address);
    process.stderr.write(`lost Redis at ${address} (${err.code ?? err.message}): waiting for it to come back; the study resumes when it does\n`);
  });
  redis.on('ready', () => {
    if (unreachable.delete(address)) process.stderr.write(`Redis at ${address} is back\n`);
  });
  return redis;
}

/** `host:port` (or the socket path) a client talks to, without the password its URL may carry. */
export function clientAddress(client: Redis): string {
  const { host, port, path } = client.options;
  return path ? path : `${host}:${port}`;
}
