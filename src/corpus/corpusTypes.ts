/** The on-disk formats a corpus file may have; `auto` picks one from the file extension. */
export type CorpusFormat = 'txt' | 'jsonl' | 'csv' | 'tsv';

/**
 * One entry of a study's corpus: a file, or a folder whose sub-folders are domains.
 * Column names apply to .csv/.tsv headers and to .jsonl keys alike.
 */
export interface CorpusSource {
  /** A relative path resolves against the working directory (loadStudy makes them absolute). */
  readonly path: string;
  readonly domain?: string;
  readonly format?: CorpusFormat | 'auto';
  /** Defaults to `text`. */
  readonly textColumn?: string;
  /** Defaults to `id`; when the column is absent, ids are derived (see sentenceId.ts). */
  readonly idColumn?: string;
  /** Defaults to `domain`; a record's own domain wins over every other source of a domain. */
  readonly domainColumn?: string;
}

interface RecordOrigin {
  readonly id: string;
  readonly domain: string;
  /** Absolute path of the file the record came from. */
  readonly source: string;
  /** 1-based line where the record starts (a quoted CSV field may span several lines). */
  readonly line: number;
}

export interface SentenceRecord extends RecordOrigin {
  readonly kind: 'sentence';
  /** Trimmed of surrounding whitespace, otherwise as written. */
  readonly text: string;
}

/** A blank line, or a record whose text is blank. */
export interface EmptyRecord extends RecordOrigin {
  readonly kind: 'empty';
}

/** A record that could not be read; `reason` names the file and line. */
export interface InvalidRecord extends RecordOrigin {
  readonly kind: 'invalid';
  readonly reason: string;
}

/** Exactly one per line/record read, so a run can account for every sentence. */
export type CorpusRecord = SentenceRecord | EmptyRecord | InvalidRecord;
