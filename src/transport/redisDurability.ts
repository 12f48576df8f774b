import type { Redis } from 'ioredis';

/**
 * The one line a process prints at start when its Redis would lose a study on restart (no
 * append-only file, no snapshots) or may evict keys (any maxmemory-policy but noeviction), or
 * undefined when neither. CONFIG is often disabled on managed Redis: then nothing can be known
 * and nothing is said.
 */
export async function redisDurabilityWarning(redis: Redis, address: string): Promise<string | undefined> {
  let settings: Map<string, string>;
  try {
    settings = new Map<string, string>();
    for (const name of ['appendonly', 'save', 'maxmemory-policy']) {
      const reply = (await redis.config('GET', name)) as string[];
      for (let i = 0; i + 1 < reply.length; i += 2) settings.set(reply[i], reply[i + 1]);
    }
  } catch {
    return undefined;
  }
  const problems: string[] = [];
  if (settings.get('appendonly') === 'no' && settings.get('save') === '') problems.push('persists nothing (appendonly no, save "")');
  const policy = settings.get('maxmemory-policy');
  if (policy !== undefined && policy !== 'noeviction') problems.push(`may evict keys (maxmemory-policy ${policy})`);
  if (problems.length === 0) return undefined;
  return (
    `Redis at ${address} ${problems.join(' and ')}: a Redis restart${policy !== undefined && policy !== 'noeviction' ? ' or eviction' : ''} mid-study loses the study ` +
    '(it will stop, not miscount); appendonly yes and maxmemory-policy noeviction avoid that (docker-compose.yml sets both)'
  );
}

/** Prints redisDurabilityWarning's line, if any, on stderr. */
export async function warnIfRedisForgets(redis: Redis, address: string): Promise<void> {
  const line = await redisDurabilityWarning(redis, address);
  if (line !== undefined) process.stderr.write(`${line}\n`);
}
