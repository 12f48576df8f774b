import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../../userError.ts';

/**
 * Reads a user-named file, turning "missing", "a directory" and "too large" into a UserError.
 * The size is checked before reading so a huge file fails fast instead of exhausting memory.
 */
export function readBinaryFile(filePath: string, what: string, maxBytes = Number.MAX_SAFE_INTEGER): Uint8Array {
  try {
    const size = statSync(filePath).size;
    if (size > maxBytes) {
      throw new UserError(`${filePath}: the ${what} has ${size} bytes, more than the ${maxBytes} one ONNX file can hold; import a smaller model`);
    }
    return readFileSync(filePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      throw new UserError(`${filePath}: cannot read the ${what} (${code}); check the path`);
    }
    throw err;
  }
}
