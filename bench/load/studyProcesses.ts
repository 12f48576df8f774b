import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../exampleSentences.ts';

const DONALD_BIN = path.join(REPO_ROOT, 'bin', 'donald.js');
const EXIT_REPORT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'exitReport.mjs');

/** Memory right after a full GC in the study process (its own, or forced). */
export interface SettledReading {
  readonly epochMs: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  /** ArrayBuffers and native memory held from JS (parquet-wasm, Arrow, the producer's seen-set). */
  readonly externalMB: number;
}

export interface ExitReport {
  readonly maxRssMB: number;
  readonly cpuSeconds: number;
  readonly settled: SettledReading[];
}

const toMB = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

export interface StudyProcess {
  readonly role: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves when the process ends, whatever the code. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly seconds: number }>;
  readonly running: () => boolean;
  /** Peak RSS and CPU from getrusage at exit (exitReport.mjs); null if it died without running exit handlers. */
  readonly exitReport: () => ExitReport | null;
}

/** Processes this bench started and has not seen end, so an interrupted bench can stop them by pid. */
const live = new Set<StudyProcess>();

/**
 * `node bin/donald.js <args>` as the CLI user runs it, stderr into `logs.log` (read back when a
 * process fails). The only addition is the exitReport.mjs preload, which only observes unless
 * `forceGcEveryMs` asks it to force full GCs (with --expose-gc) for settled readings.
 */
export function spawnDonald(role: string, args: readonly string[], logs: { log: string; report: string }, startedAt: number, forceGcEveryMs: number | null): StudyProcess {
  const log = openSync(logs.log, 'w');
  const forced = forceGcEveryMs === null ? [] : ['--expose-gc'];
  const child = spawn(process.execPath, [...forced, '--import', EXIT_REPORT, DONALD_BIN, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', log, log],
    env: { ...process.env, DONALD_LOAD_EXIT_REPORT: logs.report, DONALD_LOAD_FORCE_GC_MS: forceGcEveryMs === null ? '' : String(forceGcEveryMs) },
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`${role}: could not start node ${DONALD_BIN}`);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }>((resolve) => {
    child.once('error', () => resolve({ code: null, signal: null, seconds: (performance.now() - startedAt) / 1000 }));
    child.once('exit', (code, signal) => resolve({ code, signal, seconds: (performance.now() - startedAt) / 1000 }));
  }).finally(() => {
    done = true;
    live.delete(run);
  });
  const run: StudyProcess = {
    role,
    pid: child.pid,
    logPath: logs.log,
    exited,
    running: () => !done,
    exitReport: () => {
      if (!existsSync(logs.report)) return null;
      const r = JSON.parse(readFileSync(logs.report, 'utf8')) as { maxRssKB: number; cpuSeconds: number; settled: [number, number, number, number][] };
      return {
        maxRssMB: Math.round((r.maxRssKB / 1024) * 10) / 10,
        cpuSeconds: r.cpuSeconds,
        settled: r.settled.map(([epochMs, rss, heap, external]) => ({ epochMs, rssMB: toMB(rss), heapUsedMB: toMB(heap), externalMB: toMB(external) })),
      };
    },
  };
  live.add(run);
  return run;
}

/** Stops every process this bench started that is still running (SIGTERM by pid) and waits for them. */
export async function stopLiveProcesses(): Promise<void> {
  const running = [...live];
  for (const p of running) {
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await Promise.all(running.map((p) => p.exited));
}

/** The last lines of a process's log, for an error message. */
export function logTail(p: StudyProcess, lines = 15): string {
  try {
    return readFileSync(p.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
