import { extname } from 'node:path';
import { fsErrorReason } from '../hidden/fsErrorReason.ts';
import { UserError } from '../userError.ts';
import { writeFileAtomic } from '../writers/atomicFile.ts';
import { svgToPng } from './svgToPng.ts';

export type PictureFormat = 'svg' | 'png';

/**
 * PNGs are written at twice the SVG's pixel size: an 8 px label of a long sentence stays legible
 * on a normal screen or in a slide, and the file stays small enough to attach.
 */
export const DEFAULT_PNG_SCALE = 2;

/** The picture format named by a path's extension; anything else is the user's mistake. */
export function pictureFormatOf(path: string): PictureFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.svg') return 'svg';
  if (extension === '.png') return 'png';
  throw new UserError(`${path}: a picture must end in .svg or .png (got ${extension === '' ? 'no extension' : `"${extension}"`}); rename the output`);
}

/**
 * Writes an SVG picture as .svg text or a rendered .png, chosen by the path's extension, via a
 * temporary file and a rename so a reader never sees half a picture.
 */
export async function writePicture(path: string, svg: string, opts?: { pngScale?: number }): Promise<void> {
  const format = pictureFormatOf(path);
  const data = format === 'svg' ? svg : svgToPng(svg, { scale: opts?.pngScale ?? DEFAULT_PNG_SCALE });
  try {
    await writeFileAtomic(path, data);
  } catch (err) {
    // A folder that is not there is a typo in the path the user gave (exit 2); a full or
    // read-only disk is the machine's problem and keeps its own error.
    const osError = err instanceof Error && err.cause !== undefined ? err.cause : err;
    if (PATH_MISTAKES.has((osError as NodeJS.ErrnoException).code ?? '')) {
      throw new UserError(`${path}: cannot write the picture (${fsErrorReason(osError)}); check the folder exists`);
    }
    throw err;
  }
}

const PATH_MISTAKES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
