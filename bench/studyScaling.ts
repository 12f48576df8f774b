import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchLog } from './benchLog.ts';
import type { BenchModel } from './benchModels.ts';
import { linearFit } from './linearFit.ts';
import { withinRunTrend, type WithinRunTrend } from './memoryTrend.ts';
import { FLAT_HEAP_SLOPE_MB_PER_1K, memoryVerdict, RSS_RISE_TOLERANCE_MB } from './memoryVerdict.ts';
import { runStudyChild } from './studyChildProcess.ts';
import type { StudyChildReport } from './studyChildReport.ts';
import { writeSyntheticCorpus } from './syntheticCorpus.ts';

/** 1k/5k/20k show throughput and peak RSS against size; the 50k run is the soak whose second half decides the verdict. */
export const FULL_STUDY_SIZES: readonly number[] = [1000, 5000, 20000, 50000];
export const QUICK_STUDY_SIZES: readonly number[] = [1000, 5000];

export interface StudyRun extends StudyChildReport {
  readonly size: number;
  /** Peak RSS of the run: the kernel's VmHWM where available, else the sampled peak. */
  readonly peakMB: number;
  readonly trend: WithinRunTrend | null;
}

export interface StudyScaling {
  readonly model: string;
  readonly runs: StudyRun[];
  /** Least-squares slope of peak RSS against corpus size, over every size (includes warm-up growth). */
  readonly peakRssSlopeMBPer1k: number;
  /** Peak RSS slope between the two largest sizes only. */
  readonly peakRssLargestSlopeMBPer1k: number;
  readonly heapEndSlopeMBPer1k: number;
  readonly heapSlopeThresholdMBPer1k: number;
  readonly rssRiseToleranceMB: number;
  /** Null when undecided (quick mode: the runs are too short). */
  readonly memoryFlat: boolean | null;
  readonly decisive: boolean;
  readonly verdict: string;
}

/** A study file for the synthetic corpus; every setting not named here is the documented default. */
function writeStudyFile(dir: string, model: BenchModel, corpusFile: string, size: number): string {
  const file = path.join(dir, `bench-${size}.json`);
  // Each record names its own domain; no per-source domain is needed.
  const study = { name: `bench-${size}`, model: model.dir, corpus: [{ path: corpusFile }] };
  writeFileSync(file, `${JSON.stringify(study, null, 2)}\n`);
  return file;
}

/** Embedded study over synthetic corpora of growing size, each in a fresh child process. */
export async function benchStudyScaling(model: BenchModel, domains: ReadonlyMap<string, readonly string[]>, sizes: readonly number[], scratchDir: string): Promise<StudyScaling> {
  const runs: StudyRun[] = [];
  for (const size of sizes) {
    const dir = path.join(scratchDir, `study-${size}`);
    const corpus = writeSyntheticCorpus(path.join(dir, 'corpus'), domains, size);
    const studyFile = writeStudyFile(dir, model, corpus.path, size);
    benchLog(`study ${size} sentences (${model.name}) in a child process ...`);
    const report = await runStudyChild(studyFile, path.join(dir, 'out'), path.join(dir, 'report.json'));
    if (report.processed !== size) throw new Error(`study of ${size} sentences processed ${report.processed} (failed ${report.failed}, duplicate ${report.duplicate})`);
    const run: StudyRun = { size, ...report, peakMB: report.vmHwmMB ?? report.peakRssMB, trend: withinRunTrend(report) };
    runs.push(run);
    benchLog(`study ${size}: ${run.sentencesPerSecond.toFixed(1)} sentences/s (${run.sentencesPerCpuSecond.toFixed(1)} per CPU-s), peak RSS ${run.peakMB} MB, heap at end ${run.heapUsedEndMB} MB`);
  }
  const thousands = runs.map((r) => r.size / 1000);
  const peakRssSlopeMBPer1k = linearFit(thousands, runs.map((r) => r.peakMB)).slope;
  const largest = runs.slice(-2);
  const peakRssLargestSlopeMBPer1k = linearFit(largest.map((r) => r.size / 1000), largest.map((r) => r.peakMB)).slope;
  const verdict = memoryVerdict(runs, peakRssSlopeMBPer1k);
  return {
    model: model.name,
    runs,
    peakRssSlopeMBPer1k,
    peakRssLargestSlopeMBPer1k,
    heapEndSlopeMBPer1k: linearFit(thousands, runs.map((r) => r.heapUsedEndMB)).slope,
    heapSlopeThresholdMBPer1k: FLAT_HEAP_SLOPE_MB_PER_1K,
    rssRiseToleranceMB: RSS_RISE_TOLERANCE_MB,
    memoryFlat: verdict.flat,
    decisive: verdict.decisive,
    verdict: verdict.text,
  };
}
