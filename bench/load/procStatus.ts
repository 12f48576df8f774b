import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One reading of another process's memory and CPU from /proc (Linux). */
export interface ProcReading {
  readonly rssMB: number;
  /** The kernel's high-water mark of RSS since the process started: its exact peak so far. */
  readonly hwmMB: number;
  /** User plus system CPU time so far, all threads. */
  readonly cpuSeconds: number;
}

const kBtoMB = (kB: number): number => Math.round((kB / 1024) * 10) / 10;

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100; // USER_HZ on every mainstream Linux
  }
}

const TICKS = clockTicksPerSecond();

/** Null once the process has gone (or outside Linux). */
export function readProc(pid: number): ProcReading | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    const hwm = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    // A zombie (exited, not yet reaped) has no memory lines left.
    if (rss === null || hwm === null) return null;
    // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces, so count after its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    return { rssMB: kBtoMB(Number(rss[1])), hwmMB: kBtoMB(Number(hwm[1])), cpuSeconds: cpuTicks / TICKS };
  } catch {
    return null;
  }
}
