import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answersPing, freePort } from '../../test/privateRedis.ts';

/**
 * A redis-server of the bench's own, on a free loopback port with its own data folder, so its
 * memory figures hold this study alone (the machine's 6379 is shared) and each corpus size starts
 * from an empty server. No persistence: the bench measures memory, not durability.
 */
export interface PrivateRedis {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Servers this bench started and has not stopped, so an interrupted bench can stop them. */
const running = new Set<PrivateRedis>();

export async function stopPrivateRedisServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'donald-load-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];
  // redis-server logs to stdout; kept to explain a failed start.
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`redis-server could not start (is it installed?): ${err.message}`))));
  spawnError.catch(() => undefined);
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}: ${log.trim()}`);
      if (await Promise.race([answersPing(port), spawnError])) break;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within 20 s: ${log.trim()}`);
      await sleep(50);
    }
  } catch (err) {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server started without a pid');
  const server: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    pid,
    stop: async () => {
      running.delete(server);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited(child);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}
