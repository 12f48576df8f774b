import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchLog } from './benchLog.ts';
import type { BenchModel } from './benchModels.ts';
import { linearFit } from './linearFit.ts';
import { withinRunTrend, type WithinRunTrend } from './memoryTrend.ts';
import { studyChildReportSchema, type StudyChildReport } from './studyChildReport.ts';
import { writeSyntheticCorpus } from './syntheticCorpus.ts';

/** 1k/5k/20k show throughput and peak RSS against size; the 50k run is the soak whose second half decides the verdict. */
export const FULL_STUDY_SIZES: readonly number[] = [1000, 5000, 20000, 50000];
export const QUICK_STUDY_SIZES: readonly number[] = [1000, 5000];

/**
 * Live-heap slope (MB per 1k sentences) under which the JS side counts as flat. The heap is smooth
 * after a forced GC (+-0.5 MB), so over 25k sentences the fit resolves ~0.01 MB per 1k; 0.05 MB
 * per 1k (50 bytes a sentence) would catch a sentence's id or text being kept.
 */
export const FLAT_HEAP_SLOPE_MB_PER_1K = 0.05;

/**
 * How far the settled-RSS high-water of a run's second half may rise above its first half's.
 * Native allocators move RSS in steps of up to ~10 MB both ways (seen on tiny-gpt2), which makes
 * a straight-line fit of RSS unreliable; a bounded process keeps its high-water, a leak of
 * 0.4 MB per 1k sentences or more lifts it by more than this over a 25k-sentence half.
 */
export const RSS_RISE_TOLERANCE_MB = 10;

/** Native allocators settle within about this many sentences; a trend fitted before it is provisional. */
export const SETTLED_AFTER_SENTENCES = 20000;

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
  /** False when the largest run is too short for its fitted half to be past allocator warm-up. */
  readonly decisive: boolean;
  readonly verdict: string;
}

const CHILD_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'studyChild.ts');

function runChild(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // --expose-gc lets the child take settled (post-GC) samples and measure the heap a run leaves behind.
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD_SCRIPT, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`study child exited with ${signal ?? `code ${code}`}`))));
  });
}

/** A study file for the synthetic corpus; every setting not named here is the documented default. */
function writeStudyFile(dir: string, model: BenchModel, corpusFile: string, size: number): string {
  const file = path.join(dir, `bench-${size}.json`);
  // Each record names its own domain; no per-source domain is needed.
  const study = { name: `bench-${size}`, model: model.dir, corpus: [{ path: corpusFile }] };
  writeFileSync(file, `${JSON.stringify(study, null, 2)}\n`);
  return file;
}

const mb = (value: number): string => value.toFixed(3);

interface Verdict {
  /** Null when the runs were too short to decide. */
  readonly flat: boolean | null;
  readonly decisive: boolean;
  readonly text: string;
}

/**
 * Flat when, in the largest run, the live heap does not trend upward over the second half and the
 * settled-RSS high-water of the second half stays within tolerance of the first half's. Peak RSS
 * across sizes is reported beside it, but it rides on the GC sawtooth and on allocator warm-up,
 * which short runs do not finish.
 */
function verdictOf(runs: readonly StudyRun[], peakSlope: number): Verdict {
  const first = runs[0];
  const last = runs[runs.length - 1];
  const across = `peak RSS ${first.peakMB.toFixed(0)} MB at ${first.size} sentences, ${last.peakMB.toFixed(0)} MB at ${last.size} (slope over all sizes ${mb(peakSlope)} MB per 1k, warm-up included)`;
  const trend = last.trend;
  if (trend === null) return { flat: null, decisive: false, text: `UNDECIDED: too few settled samples in the ${last.size}-sentence run; ${across}` };
  const decisive = trend.fromSentences >= SETTLED_AFTER_SENTENCES;
  const rssRise = trend.secondHalfMaxRssMB - trend.firstHalfMaxRssMB;
  const flat = trend.heapSlopeMBPer1k <= FLAT_HEAP_SLOPE_MB_PER_1K && rssRise <= RSS_RISE_TOLERANCE_MB;
  const within =
    `in the ${last.size}-sentence run, from sentence ${trend.fromSentences} on, live heap moves ${mb(trend.heapSlopeMBPer1k)} MB per 1k sentences (threshold ${FLAT_HEAP_SLOPE_MB_PER_1K}) ` +
    `and the settled-RSS high-water is ${trend.secondHalfMaxRssMB.toFixed(0)} MB against ${trend.firstHalfMaxRssMB.toFixed(0)} MB in the first half ` +
    `(rise ${rssRise.toFixed(1)} MB, tolerance ${RSS_RISE_TOLERANCE_MB}; fitted RSS slope ${mb(trend.rssSlopeMBPer1k)} MB per 1k)`;
  const outcome = !decisive
    ? `PROVISIONAL (no verdict): the second half starts before ${SETTLED_AFTER_SENTENCES} sentences, while native allocators are still settling; the full bench's ${FULL_STUDY_SIZES[FULL_STUDY_SIZES.length - 1]}-sentence run decides`
    : flat
      ? 'FLAT: memory does not grow with corpus size'
      : 'GROWS: memory grows with corpus size';
  return { flat: decisive ? flat : null, decisive, text: `${outcome}; ${within}; ${across}` };
}

/** Embedded study over synthetic corpora of growing size, each in a fresh child process. */
export async function benchStudyScaling(model: BenchModel, domains: ReadonlyMap<string, readonly string[]>, sizes: readonly number[], scratchDir: string): Promise<StudyScaling> {
  const runs: StudyRun[] = [];
  for (const size of sizes) {
    const dir = path.join(scratchDir, `study-${size}`);
    const corpus = writeSyntheticCorpus(path.join(dir, 'corpus'), domains, size);
    const studyFile = writeStudyFile(dir, model, corpus.path, size);
    const reportFile = path.join(dir, 'report.json');
    benchLog(`study ${size} sentences (${model.name}) in a child process ...`);
    await runChild([studyFile, path.join(dir, 'out'), reportFile]);
    const report = studyChildReportSchema.parse(JSON.parse(readFileSync(reportFile, 'utf8')));
    if (report.processed !== size) throw new Error(`study of ${size} sentences processed ${report.processed} (failed ${report.failed}, duplicate ${report.duplicate})`);
    const run: StudyRun = { size, ...report, peakMB: report.vmHwmMB ?? report.peakRssMB, trend: withinRunTrend(report) };
    runs.push(run);
    benchLog(`study ${size}: ${run.sentencesPerSecond.toFixed(1)} sentences/s (${run.sentencesPerCpuSecond.toFixed(1)} per CPU-s), peak RSS ${run.peakMB} MB, heap at end ${run.heapUsedEndMB} MB`);
  }
  const thousands = runs.map((r) => r.size / 1000);
  const peakRssSlopeMBPer1k = linearFit(thousands, runs.map((r) => r.peakMB)).slope;
  const largest = runs.slice(-2);
  const peakRssLargestSlopeMBPer1k = linearFit(largest.map((r) => r.size / 1000), largest.map((r) => r.peakMB)).slope;
  const heapEndSlopeMBPer1k = linearFit(thousands, runs.map((r) => r.heapUsedEndMB)).slope;
  const verdict = verdictOf(runs, peakRssSlopeMBPer1k);
  return {
    model: model.name,
    runs,
    peakRssSlopeMBPer1k,
    peakRssLargestSlopeMBPer1k,
    heapEndSlopeMBPer1k,
    heapSlopeThresholdMBPer1k: FLAT_HEAP_SLOPE_MB_PER_1K,
    rssRiseToleranceMB: RSS_RISE_TOLERANCE_MB,
    memoryFlat: verdict.flat,
    decisive: verdict.decisive,
    verdict: verdict.text,
  };
}
