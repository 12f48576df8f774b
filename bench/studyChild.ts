/**
 * One embedded study in its own process, so peak RSS belongs to this run alone.
 * Usage (spawned by studyScaling.ts): node --expose-gc --import tsx bench/studyChild.ts <study.json> <outDir> <report.json>
 */
import { writeFileSync } from 'node:fs';
import { runEmbeddedStudy } from '../pipelines/embeddedStudy.ts';
import { loadStudy } from '../src/study/loadStudy.ts';
import { MemorySampler, toMB, vmHighWaterMarkMB } from './memorySampler.ts';
import type { StudyChildReport } from './studyChildReport.ts';

const SAMPLE_INTERVAL_MS = 100;

async function main(argv: readonly string[]): Promise<void> {
  const [studyFile, outDir, reportFile] = argv;
  if (reportFile === undefined) throw new Error('usage: studyChild.ts <study.json> <outDir> <report.json>');
  const study = await loadStudy(studyFile);
  const baselineRssMB = toMB(process.memoryUsage().rss);
  const sampler = new MemorySampler();
  sampler.start(SAMPLE_INTERVAL_MS);
  const start = performance.now();
  const manifest = await runEmbeddedStudy(study, { outDir, progress: false });
  const studySeconds = (performance.now() - start) / 1000;
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
    baselineRssMB,
    peakRssMB: memory.peakRssMB,
    vmHwmMB,
    peakHeapUsedMB: memory.peakHeapUsedMB,
    heapUsedEndMB: toMB(process.memoryUsage().heapUsed),
    rssSamples: memory.samples,
    rssTimelineMB: memory.rssTimelineMB,
  };
  writeFileSync(reportFile, `${JSON.stringify(report)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`study child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
