import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import readline from 'node:readline';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserError } from '../userError.ts';
import { isGzipped } from './corpusFormat.ts';

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function explainReadError(file: string, err: unknown): UserError | undefined {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === undefined) return undefined;
  if (code.startsWith('Z_')) {
    return new UserError(`corpus file ${file}: not readable as gzip (${message}); re-compress it with gzip or drop the .gz extension if it is plain text`);
  }
  if (code === 'EACCES' || code === 'EPERM') return new UserError(`corpus file ${file}: permission denied; make it readable`);
  if (code === 'EISDIR') return new UserError(`corpus file ${file} is a folder where a file was expected`);
  if (code === 'ENOENT') return new UserError(`corpus file ${file} does not exist; check the corpus path`);
  return undefined;
}

/**
 * The file's lines, streamed (gunzipped for .gz), without line terminators and without a leading
 * UTF-8 byte-order mark. Only one chunk of the file is in memory at a time.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  try {
    await stat(file);
  } catch (err) {
    throw explainReadError(file, err) ?? err;
  }
  const raw = createReadStream(file);
  // pipeline forwards an error of either stream to the gunzip end, which readline then rethrows.
  const input: Readable = isGzipped(file) ? pipeline(raw, createGunzip(), () => {}) : raw;
  input.setEncoding('utf8');
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let first = true;
  try {
    for await (const line of lines) {
      if (first) {
        first = false;
        yield line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
      } else {
        yield line;
      }
    }
  } catch (err) {
    throw explainReadError(file, err) ?? err;
  } finally {
    // A consumer that stops early must not leave the file descriptor open.
    lines.close();
    input.destroy();
    raw.destroy();
  }
}
