import { copyFile, rename, rm, writeFile } from 'node:fs/promises';
import { writeFailure } from './writeFailure.ts';

/** The name a file is built under before it is renamed into place. */
export function temporaryName(path: string): string {
  return `${path}.${process.pid}.partial`;
}

/**
 * Writes via a temporary sibling and a rename, so a crash or a failed write (disk full) never
 * leaves a half-written output under the final name. Failures of the OS name the final path.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await intoPlace(path, (temporary) => writeFile(temporary, data));
}

/** Copies `source` to `path` the same way: the final name appears only once the copy is whole. */
export async function copyFileAtomic(source: string, path: string): Promise<void> {
  await intoPlace(path, (temporary) => copyFile(source, temporary));
}

async function intoPlace(path: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = temporaryName(path);
  try {
    await write(temporary);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw writeFailure(path, error);
  }
}
