import { mkdir } from 'node:fs/promises';
import { EnvironmentError } from '../environmentError.ts';

/** The operating system's reason for a failed write, and what the user can do about it. */
const REASONS: Readonly<Record<string, readonly [reason: string, advice: string]>> = {
  ENOSPC: ['no space left on device', 'free space on that disk, or choose an output folder on another one (--out)'],
  EDQUOT: ['disk quota exceeded', 'free space within your quota, or choose an output folder elsewhere (--out)'],
  EFBIG: ['file too large (the file system or the process file size limit, ulimit -f)', 'raise the limit, or choose an output folder on another file system (--out)'],
  EROFS: ['read-only file system', 'choose a writable output folder (--out)'],
  EACCES: ['permission denied', 'make the output folder writable for this user, or choose another (--out)'],
  EPERM: ['operation not permitted', 'make the output folder writable for this user, or choose another (--out)'],
  ENOTDIR: ['a parent is not a directory', 'a file stands where a folder of the output path should be: move it, or choose another output folder (--out)'],
  EISDIR: ['it is a directory', 'remove that directory, or choose another output folder (--out)'],
  EEXIST: ['a file, not a folder, has that name', 'move the file, or choose another output folder (--out)'],
  ENOENT: ['no such file or directory', 'the output folder was removed while writing: run again'],
  EIO: ['input/output error', 'the disk reported a hardware or file system fault: check it (dmesg), or choose another output folder (--out)'],
  EMFILE: ['too many open files', 'raise the open-file limit (ulimit -n)'],
  ENFILE: ['too many open files in the system', 'close other programs or raise the system limit'],
};

/**
 * The error to report when writing `path` failed: a one-line EnvironmentError (exit 3) naming
 * the file, the OS reason and what to do when the operating system refused the write; any other
 * error (a bug) unchanged, with its stack.
 */
export function writeFailure(path: string, error: unknown): Error {
  if (error instanceof EnvironmentError) return error;
  const code = typeof error === 'object' && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
  const known = code === undefined ? undefined : REASONS[code];
  if (known === undefined) return error instanceof Error ? error : new Error(String(error));
  const [reason, advice] = known;
  return new EnvironmentError(`cannot write ${path} (${reason}): ${advice}`, { cause: error });
}

/** Creates an output folder (and its parents), failing with a {@link writeFailure} message. */
export async function ensureFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw writeFailure(dir, error);
  }
}
