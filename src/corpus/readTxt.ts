import type { CorpusFile } from './corpusFile.ts';
import { invalidRecord, textRecord } from './corpusRecords.ts';
import type { CorpusRecord } from './corpusTypes.ts';
import { readLines } from './lineStream.ts';

/** One sentence per line; blank lines become empty records, undecodable ones invalid records. */
export async function* readTxtRecords(file: CorpusFile): AsyncGenerator<CorpusRecord> {
  for await (const line of readLines(file.path)) {
    if (line.problem !== null) yield invalidRecord(file, line.number, line.text, line.problem);
    else yield textRecord(file, line.number, line.text);
  }
}
