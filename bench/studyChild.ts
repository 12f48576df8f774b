/**
 * One embedded study in its own process, so peak RSS belongs to this run alone.
 * Usage (spawned by studyScaling.ts): node --expose-gc --import tsx bench/studyChild.ts <study.json> <outDir> <report.json>
 */
import { writeFileSync } from 'node:fs';
import { runEmbeddedStudy } from '../pipelines/embeddedStudy.ts';
import { loadStudy } from '../src/study/loadStudy.ts';
import { MemorySampler, toMB, vmHighWaterMarkMB } from './memorySampler.ts';
import type { StudyChildReport } from './studyChildReport.ts';
import { cpuSeconds } from './timing.ts';

/** RSS every 100 ms for the peak; a forced GC and a settled sample every 500 ms for the trend (the heap is ~20 MB, so each GC costs a few ms). */
const SAMPLER_TIMING = { sampleEveryMs: 100, settleEveryMs: 500 };

async function main(argv: readonly string[]): Promise<void> {
  const [studyFile, outDir, reportFile] = argv;
  if (reportFile === undefined) throw new Error('usage: studyChild.ts <study.json> <outDir> <report.json>');
  const study = await loadStudy(studyFile);
  const baselineRssMB = toMB(process.memoryUsage().rss);
  const sampler = new MemorySampler();
  sampler.start(SAMPLER_TIMING);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const manifest = await runEmbeddedStudy(study, { outDir, progress: false });
  const studySeconds = (performance.now() - start) / 1000;
  const studyCpuSeconds = cpuSeconds(process.cpuUsage(cpuStart));
  const memory = sampler.stop();
  const vmHwmMB = vmHighWaterMarkMB();
  // --expose-gc is passed by the parent; without it the end heap would include uncollected garbage.
  if (typeof globalThis.gc === 'function') globalThis.gc();
  const report: StudyChildReport = {
    batchSize: study.modelOptions.batchSize,
    intraOpThreads: study.modelOptions.intraOpThreads,
    read: manifest.counts.read,
    processed: manifest.counts.processed,
    failed: manifest.counts.failed,
    duplicate: manifest.counts.duplicate,
    studySeconds,
    sentencesPerSecond: manifest.counts.processed / studySeconds,
    cpuSeconds: studyCpuSeconds,
    sentencesPerCpuSecond: manifest.counts.processed / studyCpuSeconds,
    baselineRssMB,
    peakRssMB: memory.peakRssMB,
    vmHwmMB,
    peakHeapUsedMB: memory.peakHeapUsedMB,
    heapUsedEndMB: toMB(process.memoryUsage().heapUsed),
    rssSamples: memory.samples,
    rssTimelineMB: memory.rssTimelineMB,
    settled: memory.settled,
  };
  writeFileSync(reportFile, `${JSON.stringify(report)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`study child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
