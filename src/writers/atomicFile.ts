import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes via a temporary sibling and a rename, so a crash never leaves a half-written output
 * that looks complete to the next reader.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.partial`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
