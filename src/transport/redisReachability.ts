import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { EnvironmentError } from '../environmentError.ts';
import { clientAddress } from './redisConnection.ts';

export interface ReachabilityOptions {
  /** What to do if it is not reachable, after "is redis-server running? start it, or ...". */
  readonly hint: string;
  readonly attempts?: number;
  /** Per attempt, for connecting and for the PING answer each. */
  readonly timeoutMs?: number;
  readonly pauseMs?: number;
}

/** `host:port` (or the socket path) of a Redis URL, without the password a URL may carry. */
export function redisAddress(url: string): string {
  // ioredis parses the URL; a lazy client never connects.
  const client = new Redis(url, { lazyConnect: true });
  client.disconnect();
  return clientAddress(client);
}

/**
 * Fails fast when Redis is not there at start. The long-lived connections retry forever (so a
 * Redis restart mid-study only pauses it), which at start would look like a hang; this probe is a
 * separate short-lived client with a few bounded attempts (about 1 s when the port is closed, at
 * most ~`attempts` x 2 x `timeoutMs` when packets are dropped).
 */
export async function checkRedisReachable(url: string, options: ReachabilityOptions): Promise<void> {
  const attempts = options.attempts ?? 3;
  const timeoutMs = options.timeoutMs ?? 1500;
  let failure: ProbeFailure = { reason: 'no answer', refused: false };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const result = await probe(url, timeoutMs);
    if (result === undefined) return;
    failure = result;
    // A server that answers but refuses (wrong password) will not change its mind.
    if (failure.refused) break;
    if (attempt < attempts) await sleep(options.pauseMs ?? 400);
  }
  const address = redisAddress(url);
  throw new EnvironmentError(
    failure.refused
      ? `Redis at ${address} refused the connection (${failure.reason}): check the user and password in the Redis URL`
      : `cannot reach Redis at ${address} (${failure.reason}): is redis-server running? start it, or ${options.hint}`,
  );
}

interface ProbeFailure {
  readonly reason: string;
  /** Redis answered with an error (NOAUTH, WRONGPASS) rather than not answering. */
  readonly refused: boolean;
}

/** One connection and PING; undefined when Redis answered. */
async function probe(url: string, timeoutMs: number): Promise<ProbeFailure | undefined> {
  let lastError: Error | undefined;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', (err: Error) => {
    lastError ??= err;
  });
  try {
    await withDeadline(client.connect(), timeoutMs * 2);
    await withDeadline(client.ping(), timeoutMs);
    return undefined;
  } catch (err) {
    const error = (err as Error).name === 'ReplyError' ? (err as Error) : (lastError ?? (err as Error));
    return { reason: errorReason(error), refused: error.name === 'ReplyError' };
  } finally {
    client.disconnect();
  }
}

function errorReason(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && /^E[A-Z]+$/.test(code)) return code;
  if (err.message.startsWith('Protocol error')) return 'something answers there, but not Redis';
  // Redis answered but refused (NOAUTH, WRONGPASS), or something else answered: say what it said.
  return err.message.split('\n')[0];
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
