import type { CorpusFile } from './corpusFile.ts';
import { corpusFiles } from './corpusFiles.ts';
import type { CorpusRecord, CorpusSource } from './corpusTypes.ts';
import { readDelimitedRecords } from './readDelimited.ts';
import { readJsonlRecords } from './readJsonl.ts';
import { readTxtRecords } from './readTxt.ts';

function recordsOf(file: CorpusFile): AsyncGenerator<CorpusRecord> {
  switch (file.format) {
    case 'txt':
      return readTxtRecords(file);
    case 'jsonl':
      return readJsonlRecords(file);
    case 'csv':
    case 'tsv':
      return readDelimitedRecords(file);
  }
}

/**
 * Every record of every source, in order, streamed: one record per line (per CSV record), blank
 * and unreadable ones included, so read = processed + failed + duplicate + empty holds downstream.
 * A missing path, an unknown extension or a broken gzip stream throws a UserError.
 */
export async function* readCorpus(sources: readonly CorpusSource[]): AsyncGenerator<CorpusRecord> {
  for (const source of sources) {
    for await (const file of corpusFiles(source)) {
      yield* recordsOf(file);
    }
  }
}
