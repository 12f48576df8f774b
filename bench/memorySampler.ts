import { readFileSync } from 'node:fs';

const MB = 2 ** 20;

/** Memory right after a forced full GC: what the process really holds at that moment. */
export interface SettledSample {
  /** Seconds since the sampler started. */
  readonly seconds: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  /** Memory of ArrayBuffers and native objects held from JS (parquet-wasm's memory, Arrow buffers). */
  readonly externalMB: number;
}

export interface MemorySummary {
  readonly samples: number;
  readonly peakRssMB: number;
  readonly peakHeapUsedMB: number;
  /** RSS over the run, thinned to at most `timelinePoints` evenly spaced samples. */
  readonly rssTimelineMB: number[];
  /** Empty unless the process runs with --expose-gc. */
  readonly settled: SettledSample[];
}

export interface SamplerTiming {
  readonly sampleEveryMs: number;
  /** A forced GC then a sample, so a leak shows as a trend instead of hiding in the GC sawtooth. */
  readonly settleEveryMs: number;
}

/**
 * Samples process.memoryUsage() on timers. Timers only fire when the event loop is free, so a
 * long synchronous stretch can hide a short spike; vmHighWaterMarkMB() is the kernel's exact peak.
 */
export class MemorySampler {
  private readonly rss: number[] = [];
  private readonly settled: SettledSample[] = [];
  private peakHeapUsed = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private started = 0;

  start(timing: SamplerTiming): void {
    this.started = performance.now();
    this.sample();
    this.timers.push(setInterval(() => this.sample(), timing.sampleEveryMs));
    const gc = globalThis.gc;
    if (gc !== undefined) this.timers.push(setInterval(() => this.settle(gc), timing.settleEveryMs));
    // Sampling must never be the thing keeping the process alive.
    for (const timer of this.timers) timer.unref();
  }

  stop(timelinePoints = 20): MemorySummary {
    for (const timer of this.timers) clearInterval(timer);
    this.sample();
    const step = Math.max(1, this.rss.length / timelinePoints);
    const timeline: number[] = [];
    for (let i = 0; i < this.rss.length; i += step) timeline.push(toMB(this.rss[Math.floor(i)]));
    return {
      samples: this.rss.length,
      peakRssMB: toMB(Math.max(...this.rss)),
      peakHeapUsedMB: toMB(this.peakHeapUsed),
      rssTimelineMB: timeline,
      settled: [...this.settled],
    };
  }

  private sample(): void {
    const usage = process.memoryUsage();
    this.rss.push(usage.rss);
    this.peakHeapUsed = Math.max(this.peakHeapUsed, usage.heapUsed);
  }

  private settle(gc: () => void): void {
    gc();
    const usage = process.memoryUsage();
    this.settled.push({ seconds: (performance.now() - this.started) / 1000, rssMB: toMB(usage.rss), heapUsedMB: toMB(usage.heapUsed), externalMB: toMB(usage.external) });
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
