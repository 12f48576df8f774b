import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { writeFailure } from './writeFailure.ts';

/** Characters of the sentence kept in a failure record: enough to find it, not the whole text. */
export const FAILURE_TEXT_LIMIT = 200;

/** A sentence that could not be processed, as given by the pipeline. */
export interface SentenceFailure {
  readonly id: string;
  readonly domain: string;
  /** Corpus file the sentence came from. */
  readonly source: string;
  /** 1-based line in `source`. */
  readonly line: number;
  readonly text: string;
  readonly reason: string;
  readonly attempts: number;
}

/**
 * Appends failures to failures.jsonl, one JSON object per line. Append-only so a resumed study
 * keeps the failures of earlier runs; each record is one write on an O_APPEND handle, so lines
 * from concurrent writers never interleave.
 */
export class FailuresWriter {
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  // Serialises appends so records land in call order.
  #queue: Promise<void> = Promise.resolve();

  constructor(outputDir: string) {
    this.path = path.join(outputDir, 'failures.jsonl');
  }

  append(failure: SentenceFailure): Promise<void> {
    const record = {
      id: failure.id,
      domain: failure.domain,
      source: failure.source,
      line: failure.line,
      // By code points, so a surrogate pair is never cut in half.
      text: Array.from(failure.text).slice(0, FAILURE_TEXT_LIMIT).join(''),
      reason: failure.reason,
      attempts: failure.attempts,
    };
    const line = `${JSON.stringify(record)}\n`;
    const write = this.#queue.then(async () => {
      try {
        const handle = await this.#open();
        await handle.write(line);
      } catch (error) {
        throw writeFailure(this.path, error);
      }
    });
    this.#queue = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.#queue;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle === undefined) return;
    try {
      await (await handle).close();
    } catch (error) {
      throw writeFailure(this.path, error);
    }
  }

  #open(): Promise<FileHandle> {
    this.#handle ??= mkdir(path.dirname(this.path), { recursive: true }).then(() => open(this.path, 'a'));
    return this.#handle;
  }
}
