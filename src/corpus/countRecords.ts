import type { CorpusSource } from './corpusTypes.ts';
import { readCorpus } from './readCorpus.ts';

/** Records a corpus holds, read once without the model: the denominator of a progress ETA. */
export async function countRecords(sources: readonly CorpusSource[]): Promise<number> {
  let n = 0;
  for await (const _record of readCorpus(sources)) n++;
  return n;
}
