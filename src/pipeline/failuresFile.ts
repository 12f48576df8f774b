import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FailuresPreview } from '../report/studyHtmlReport.ts';
import type { SentenceFailure } from '../writers/failuresWriter.ts';

/** The records of a failures.jsonl, streamed in file order; a missing file holds none. */
export async function* readFailuresFile(file: string): AsyncGenerator<SentenceFailure> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = await new Promise<boolean>((resolve, reject) => {
    stream.once('open', () => resolve(true));
    stream.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
  });
  if (!opened) return;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      try {
        yield JSON.parse(line) as SentenceFailure;
      } catch (err) {
        throw new Error(`${file}:${lineNumber}: not a JSON failure record (${err instanceof Error ? err.message : String(err)})`);
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** The first `limit` failures and the count of all of them, in one pass over the file. */
export async function failuresPreview(file: string, limit: number): Promise<FailuresPreview> {
  const shown: SentenceFailure[] = [];
  let total = 0;
  for await (const failure of readFailuresFile(file)) {
    if (shown.length < limit) shown.push(failure);
    total++;
  }
  return { shown, total };
}
