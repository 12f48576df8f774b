import type { CorpusFormat, CorpusSource } from './corpusTypes.ts';

/** One file to read, with everything a reader needs to label its records. */
export interface CorpusFile {
  /** Absolute path. */
  readonly path: string;
  /** Path that derived ids hash (see sentenceId.ts). */
  readonly idPath: string;
  /** Domain for records that name none: source domain > sub-folder name > file name. */
  readonly domain: string;
  readonly format: CorpusFormat;
  readonly source: CorpusSource;
}
