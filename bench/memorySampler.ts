import { readFileSync } from 'node:fs';

const MB = 2 ** 20;

export interface MemorySummary {
  readonly samples: number;
  readonly peakRssMB: number;
  readonly peakHeapUsedMB: number;
  /** RSS over the run, thinned to at most `timelinePoints` evenly spaced samples. */
  readonly rssTimelineMB: number[];
}

/**
 * Samples process.memoryUsage() on a timer. The timer only fires when the event loop is free, so
 * a long synchronous stretch can hide a short spike; vmHighWaterMarkMB() is the kernel's exact peak.
 */
export class MemorySampler {
  private readonly rss: number[] = [];
  private peakHeapUsed = 0;
  private timer: NodeJS.Timeout | undefined;

  start(intervalMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    // Sampling must never be the thing keeping the process alive.
    this.timer.unref();
  }

  stop(timelinePoints = 20): MemorySummary {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.sample();
    const step = Math.max(1, this.rss.length / timelinePoints);
    const timeline: number[] = [];
    for (let i = 0; i < this.rss.length; i += step) timeline.push(toMB(this.rss[Math.floor(i)]));
    return {
      samples: this.rss.length,
      peakRssMB: toMB(Math.max(...this.rss)),
      peakHeapUsedMB: toMB(this.peakHeapUsed),
      rssTimelineMB: timeline,
    };
  }

  private sample(): void {
    const usage = process.memoryUsage();
    this.rss.push(usage.rss);
    this.peakHeapUsed = Math.max(this.peakHeapUsed, usage.heapUsed);
  }
}

export function toMB(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10;
}

/** Peak resident set size of this process (VmHWM, Linux only); null where /proc is absent. */
export function vmHighWaterMarkMB(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}
