import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserError } from '../userError.ts';
import { isGzipped } from './corpusFormat.ts';
import { firstInvalidUtf8Byte } from './utf8Validity.ts';

/** One line of a corpus file. */
export interface SourceLine {
  /** 1-based line number. */
  readonly number: number;
  /**
   * The line without its terminator (and, on line 1, without a UTF-8 byte-order mark). For a line
   * with a problem it is the lossy decoding (invalid bytes as U+FFFD), fit only to derive an id.
   */
  readonly text: string;
  /** Why the line is not usable text (invalid UTF-8, absurd length), naming file and line; null when it is. */
  readonly problem: string | null;
}

/** A sentence line longer than this is a binary file or a missing line break, never a sentence. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function explainReadError(file: string, err: unknown, linesRead: number): UserError | undefined {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === undefined) return undefined;
  if (code === 'Z_BUF_ERROR') {
    return new UserError(
      `corpus file ${file}: the gzip stream ends early (file truncated?) after ${linesRead} line(s); copy or download the file again, or re-compress the original`,
    );
  }
  if (code.startsWith('Z_')) {
    return new UserError(`corpus file ${file}: not readable as gzip (${message}); re-compress it with gzip or drop the .gz extension if it is plain text`);
  }
  if (code === 'EACCES' || code === 'EPERM') return new UserError(`corpus file ${file}: permission denied; make it readable`);
  if (code === 'EISDIR') return new UserError(`corpus file ${file} is a folder where a file was expected`);
  if (code === 'ENOENT') return new UserError(`corpus file ${file} does not exist; check the corpus path`);
  return undefined;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** Accumulates the bytes of one line across chunks and turns them into a SourceLine. */
class LineAssembler {
  private parts: Buffer[] = [];
  private bytes = 0;
  private overlong = false;
  number = 0;

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
  ) {}

  get pending(): boolean {
    return this.bytes > 0;
  }

  add(part: Buffer): void {
    if (part.length === 0) return;
    this.bytes += part.length;
    if (this.overlong) return;
    if (this.bytes > this.maxBytes) {
      // Keep counting to the line's end, but never hold more than the limit in memory.
      this.overlong = true;
      this.parts = [];
      return;
    }
    this.parts.push(part);
  }

  finish(): SourceLine {
    this.number += 1;
    const number = this.number;
    let bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    const overlong = this.overlong;
    const length = this.bytes;
    this.parts = [];
    this.bytes = 0;
    this.overlong = false;
    if (overlong) {
      return { number, text: '', problem: `${this.file} line ${number}: ${length} bytes without a line break; put one sentence per line (is this a text file?)` };
    }
    if (number === 1) {
      if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
        // Every line of a UTF-16 file would fail on its own; one clear error says it better.
        throw new UserError(`corpus file ${this.file} is UTF-16 (it starts with a UTF-16 byte-order mark); re-encode it as UTF-8`);
      }
      if (startsWith(bytes, [0xef, 0xbb, 0xbf])) bytes = bytes.subarray(3);
    }
    if (isUtf8(bytes)) return { number, text: bytes.toString('utf8'), problem: null };
    const bad = firstInvalidUtf8Byte(bytes);
    return {
      number,
      text: bytes.toString('utf8'),
      problem: `invalid UTF-8 at byte ${bad + 1} of line ${number} in ${this.file}; re-encode the file as UTF-8`,
    };
  }
}

/**
 * The file's lines, streamed (gunzipped for .gz). Lines end at LF, CRLF or a lone CR; the
 * terminator is not part of the line. Each line is decoded strictly: a line that is not valid
 * UTF-8 comes with a problem instead of being silently repaired with U+FFFD, so the sentence
 * fails by name rather than entering the statistics altered. Only one chunk of the file (plus the
 * current line, at most `maxLineBytes`) is in memory at a time.
 */
export async function* readLines(file: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<SourceLine> {
  try {
    await stat(file);
  } catch (err) {
    throw explainReadError(file, err, 0) ?? err;
  }
  const raw = createReadStream(file);
  // pipeline forwards an error of either stream to the gunzip end, where the loop below sees it.
  const input: Readable = isGzipped(file) ? pipeline(raw, createGunzip(), () => {}) : raw;
  const line = new LineAssembler(file, maxLineBytes);
  // A CR ended the previous chunk: an LF at the start of this one belongs to it.
  let afterCr = false;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let pos = 0;
      if (afterCr) {
        afterCr = false;
        if (chunk[0] === LF) pos = 1;
      }
      // Next LF and CR at or after pos, searched natively and only again once passed.
      let nextLf = chunk.indexOf(LF, pos);
      let nextCr = chunk.indexOf(CR, pos);
      while (pos < chunk.length) {
        if (nextLf >= 0 && nextLf < pos) nextLf = chunk.indexOf(LF, pos);
        if (nextCr >= 0 && nextCr < pos) nextCr = chunk.indexOf(CR, pos);
        const end = nextLf < 0 ? nextCr : nextCr < 0 ? nextLf : Math.min(nextLf, nextCr);
        if (end < 0) {
          line.add(chunk.subarray(pos));
          break;
        }
        line.add(chunk.subarray(pos, end));
        yield line.finish();
        pos = end + 1;
        if (chunk[end] === CR) {
          if (pos === chunk.length) afterCr = true;
          else if (chunk[pos] === LF) pos += 1;
        }
      }
    }
    if (line.pending) yield line.finish();
  } catch (err) {
    throw explainReadError(file, err, line.number) ?? err;
  } finally {
    // A consumer that stops early must not leave the file descriptor open.
    input.destroy();
    raw.destroy();
  }
}
