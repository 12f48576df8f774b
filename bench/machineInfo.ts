import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

export interface MachineInfo {
  readonly date: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryGiB: number;
  readonly platform: string;
  readonly nodeVersion: string;
  readonly onnxruntimeNodeVersion: string;
  /** 1-minute load average when the bench started, before it loaded anything: other work's share of the cores. */
  readonly loadAverageAtStart: number;
  /** Commit the numbers belong to; `dirty` when the tree had uncommitted changes. */
  readonly gitCommit: string;
}

function onnxruntimeVersion(): string {
  const require = createRequire(import.meta.url);
  const manifest = JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().length > 0;
    return dirty ? `${head} (dirty)` : head;
  } catch {
    // A tarball without .git still benches; the commit is then simply unknown.
    return 'unknown';
  }
}

/**
 * True when other work was using a core's worth of CPU as the bench began. Only the start counts:
 * later readings include the bench itself (onnxruntime's threads plus the main thread fill 2 cores).
 */
export function contendedAtStart(machine: MachineInfo): boolean {
  return machine.loadAverageAtStart >= 1;
}

export function oneMinuteLoad(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    nodeVersion: process.version,
    onnxruntimeNodeVersion: onnxruntimeVersion(),
    loadAverageAtStart: oneMinuteLoad(),
    gitCommit: gitCommit(),
  };
}
