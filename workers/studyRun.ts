import path from 'node:path';
import type { Job } from 'bullmq';
import { runEmbeddedStudy } from '../pipelines/embeddedStudy.ts';
import { loadStudy } from '../src/study/loadStudy.ts';
import type { StudyRunData, StudyRunResult } from './studyRunJob.ts';

/** `2026-12-04T19-50-02Z`: sortable, and safe in file names on every OS. */
export function runStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

/**
 * Processor of `study-run` jobs: the whole study in this process, into its own timestamped
 * folder under the study's output (`<output>/<schedule>-<stamp>/`), so runs never overwrite each other.
 */
export async function studyRunProcessor(job: Job<StudyRunData, StudyRunResult>): Promise<StudyRunResult> {
  const study = await loadStudy(job.data.studyFile);
  const outDir = path.join(study.output, `${job.data.schedule}-${runStamp(new Date(job.timestamp))}`);
  const manifest = await runEmbeddedStudy(study, { outDir, progress: false, mode: 'scheduled' });
  return { outDir, processed: manifest.counts.processed, failed: manifest.counts.failed };
}
