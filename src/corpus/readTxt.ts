import type { CorpusFile } from './corpusFile.ts';
import { textRecord } from './corpusRecords.ts';
import type { CorpusRecord } from './corpusTypes.ts';
import { readLines } from './lineStream.ts';

/** One sentence per line; blank lines become empty records. */
export async function* readTxtRecords(file: CorpusFile): AsyncGenerator<CorpusRecord> {
  let line = 0;
  for await (const text of readLines(file.path)) {
    line += 1;
    yield textRecord(file, line, text);
  }
}
