/**
 * A redis-server of a test's own, on a free port with its own data folder, for tests that stop,
 * restart or never start Redis (the machine's 6379 is shared with other test runs). No vitest
 * import here, so the file stays plain library code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { makeTempDir, waitFor } from './studyFixtures.ts';

/** A port nothing listens on right now (the OS's pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One raw PING over TCP (no client library, so nothing retries behind the test's back). */
export async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Graceful shutdown (SIGTERM: with appendonly yes the data is on disk); the port then refuses connections. */
  down(): Promise<void>;
  /** The same server again, on the same port and data folder; resolves once it answers PING. */
  up(): Promise<void>;
  /** down() then up() at once. */
  restart(): Promise<void>;
  /** down() for good, and the data folder removed. */
  stop(): Promise<void>;
}

/** Every server still running, killed by pid if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
});

/** Starts `redis-server` on a free port with its own data folder; `persist` turns the append-only file on. */
export async function startPrivateRedis(persist: boolean): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await makeTempDir('redis');
  let server: { child: ChildProcess; exited: Promise<void> } | undefined;
  const up = async (): Promise<void> => {
    if (server !== undefined) throw new Error(`redis-server on port ${port} is already up`);
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', persist ? 'yes' : 'no'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let alive = true;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        alive = false;
        running.delete(child);
        resolve();
      });
    });
    running.add(child);
    server = { child, exited };
    await waitFor(`redis-server on port ${port}`, async () => {
      if (!alive) throw new Error(`redis-server on port ${port} exited: ${stderr}`);
      return (await answersPing(port)) ? true : undefined;
    }, [], 20_000);
  };
  const down = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (s === undefined || s.child.exitCode !== null || s.child.pid === undefined) return;
    process.kill(s.child.pid, 'SIGTERM');
    await s.exited;
  };
  await up();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    down,
    up,
    restart: async () => {
      await down();
      await up();
    },
    stop: async () => {
      await down();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
