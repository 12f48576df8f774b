// Preloaded into each study process by the load bench (`node [--expose-gc] --import <this>
// bin/donald.js ...`). At exit it writes the process's peak RSS and CPU time from getrusage, which
// the bench's 250 ms /proc sampling could miss in a process's last moments (the aggregator's final
// Parquet join), and "settled" memory readings taken right after full GCs: after each of the
// process's own mark-sweep GCs, and, when DONALD_LOAD_FORCE_GC_MS is set (with --expose-gc), after
// a GC forced that often, so a leak shows as a trend instead of hiding in the GC sawtooth.
// Plain JavaScript because it loads before bin/donald.js registers tsx.
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';

const file = process.env.DONALD_LOAD_EXIT_REPORT;
const forceGcMs = Number(process.env.DONALD_LOAD_FORCE_GC_MS ?? 0);
const gc = globalThis.gc;
if (file) {
  /** [epoch ms, rss, heapUsed, external] in bytes. */
  const settled = [];
  const note = () => {
    const m = process.memoryUsage();
    settled.push([Date.now(), m.rss, m.heapUsed, m.external]);
  };
  let forcing = false;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!forcing && entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) note();
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  if (forceGcMs > 0 && typeof gc === 'function') {
    forcing = true; // the forced readings replace the natural ones, which would only add noise
    // unref: the timer must never keep a finished process alive.
    setInterval(() => {
      gc();
      note();
    }, forceGcMs).unref();
  }
  process.on('exit', (code) => {
    observer.disconnect();
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ code, maxRssKB: usage.maxRSS, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, settled }));
  });
}
