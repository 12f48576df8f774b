/** Job kind `study-run`: one scheduled run of a whole study (embedded mode). */
export const STUDY_RUN = 'study-run';

export interface StudyRunData {
  /** Absolute path of the study file, read afresh at each run so edits take effect. */
  readonly studyFile: string;
  readonly schedule: string;
}

export interface StudyRunResult {
  readonly outDir: string;
  readonly processed: number;
  readonly failed: number;
}
