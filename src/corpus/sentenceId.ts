import { createHash } from 'node:crypto';

/**
 * Id of a record that carries none: the first 16 hex characters (64 bits) of
 * sha256(`${relativePath}:${line}:${text}`). `relativePath` is the file's path relative to the
 * corpus folder it was found in (posix separators), or the file's basename for a source that is a
 * single file, so ids survive moving the corpus elsewhere but change if a file is renamed or a
 * line moves. `text` is the trimmed sentence ('' for a blank line, the raw line for a bad one).
 */
export function deriveSentenceId(relativePath: string, line: number, text: string): string {
  return createHash('sha256').update(`${relativePath}:${line}:${text}`).digest('hex').slice(0, 16);
}

/** sha256 hex of the NFC-normalised trimmed text: equal for sentences that differ only in encoding form or outer whitespace. */
export function sentenceTextHash(text: string): string {
  return createHash('sha256').update(text.normalize('NFC').trim()).digest('hex');
}
