import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchLog } from './benchLog.ts';
import type { BenchModel } from './benchModels.ts';
import { linearFit } from './linearFit.ts';
import { studyChildReportSchema, type StudyChildReport } from './studyChildReport.ts';
import { writeSyntheticCorpus } from './syntheticCorpus.ts';

export const FULL_STUDY_SIZES: readonly number[] = [1000, 5000, 20000];
export const QUICK_STUDY_SIZES: readonly number[] = [1000, 5000];

/**
 * Peak-RSS slope (MB per 1k sentences) under which memory counts as flat. Streaming state grows by
 * design only in the duplicate filter, 8 bytes per key (2 keys per sentence, table at most half
 * full): ~0.03 MB per 1k. Run-to-run RSS noise of a few MB across the size range stays under this.
 */
export const FLAT_SLOPE_MB_PER_1K = 0.25;

export interface StudyRun extends StudyChildReport {
  readonly size: number;
  /** Peak RSS used for the verdict: the kernel's VmHWM where available, else the sampled peak. */
  readonly peakMB: number;
}

export interface StudyScaling {
  readonly model: string;
  readonly runs: StudyRun[];
  /** Least-squares slope of peak RSS against corpus size. */
  readonly peakRssSlopeMBPer1k: number;
  readonly heapEndSlopeMBPer1k: number;
  readonly flatThresholdMBPer1k: number;
  readonly memoryFlat: boolean;
  readonly verdict: string;
}

const CHILD_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'studyChild.ts');

function runChild(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // --expose-gc lets the child measure the heap a run leaves behind without uncollected garbage.
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD_SCRIPT, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`study child exited with ${signal ?? `code ${code}`}`))));
  });
}

/** A study file for the synthetic corpus; every setting not named here is the documented default. */
function writeStudyFile(dir: string, model: BenchModel, files: readonly { domain: string; path: string }[], size: number): string {
  const file = path.join(dir, `bench-${size}.json`);
  const study = { name: `bench-${size}`, model: model.dir, corpus: files.map((f) => ({ path: f.path, domain: f.domain })) };
  writeFileSync(file, `${JSON.stringify(study, null, 2)}\n`);
  return file;
}

function verdictOf(slope: number, runs: readonly StudyRun[]): string {
  const first = runs[0];
  const last = runs[runs.length - 1];
  const span = `peak RSS ${first.peakMB.toFixed(0)} MB at ${first.size} sentences, ${last.peakMB.toFixed(0)} MB at ${last.size}`;
  const projected = `${slope.toFixed(3)} MB per 1k sentences (~${((slope * 1000) / 1024).toFixed(2)} GB extra per 1M sentences)`;
  return slope <= FLAT_SLOPE_MB_PER_1K
    ? `FLAT: memory does not grow with corpus size (${span}; slope ${projected}, threshold ${FLAT_SLOPE_MB_PER_1K})`
    : `GROWS: memory grows with corpus size (${span}; slope ${projected}, threshold ${FLAT_SLOPE_MB_PER_1K})`;
}

/** Embedded study over synthetic corpora of growing size, each in a fresh child process. */
export async function benchStudyScaling(model: BenchModel, domains: ReadonlyMap<string, readonly string[]>, sizes: readonly number[], scratchDir: string): Promise<StudyScaling> {
  const runs: StudyRun[] = [];
  for (const size of sizes) {
    const dir = path.join(scratchDir, `study-${size}`);
    const corpus = writeSyntheticCorpus(path.join(dir, 'corpus'), domains, size);
    const studyFile = writeStudyFile(dir, model, corpus.files, size);
    const reportFile = path.join(dir, 'report.json');
    benchLog(`study ${size} sentences (${model.name}) in a child process ...`);
    await runChild([studyFile, path.join(dir, 'out'), reportFile]);
    const report = studyChildReportSchema.parse(JSON.parse(readFileSync(reportFile, 'utf8')));
    if (report.processed !== size) throw new Error(`study of ${size} sentences processed ${report.processed} (failed ${report.failed}, duplicate ${report.duplicate})`);
    const run: StudyRun = { size, ...report, peakMB: report.vmHwmMB ?? report.peakRssMB };
    runs.push(run);
    benchLog(`study ${size}: ${run.sentencesPerSecond.toFixed(1)} sentences/s, peak RSS ${run.peakMB} MB, heap at end ${run.heapUsedEndMB} MB`);
  }
  const thousands = runs.map((r) => r.size / 1000);
  const peakRssSlopeMBPer1k = linearFit(thousands, runs.map((r) => r.peakMB)).slope;
  const heapEndSlopeMBPer1k = linearFit(thousands, runs.map((r) => r.heapUsedEndMB)).slope;
  return {
    model: model.name,
    runs,
    peakRssSlopeMBPer1k,
    heapEndSlopeMBPer1k,
    flatThresholdMBPer1k: FLAT_SLOPE_MB_PER_1K,
    memoryFlat: peakRssSlopeMBPer1k <= FLAT_SLOPE_MB_PER_1K,
    verdict: verdictOf(peakRssSlopeMBPer1k, runs),
  };
}
