import { statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../userError.ts';

const MODEL_FOLDER = 'a model folder (config.json, tokenizer.json, model.onnx)';

/**
 * The folders of `--models a,b,c`, checked before any model loads so a typo in the third name
 * does not cost loading the first two. At least two: one model is `analyze-text`.
 */
export function parseModelList(value: string): string[] {
  const dirs = value.split(',').map((d) => d.trim());
  if (dirs.some((d) => d === '')) throw new UserError(`--models ${JSON.stringify(value)}: an empty name between commas; give model folders separated by commas, e.g. --models a,b`);
  if (dirs.length < 2) {
    throw new UserError(`--models ${JSON.stringify(value)}: compare needs at least 2 model folders separated by commas (for one model use analyze-text)`);
  }
  dirs.forEach((dir, i) => {
    let isFolder = false;
    try {
      isFolder = statSync(dir).isDirectory();
    } catch {
      isFolder = false;
    }
    if (!isFolder) throw new UserError(`--models: ${dir} (model ${i + 1} of ${dirs.length}) is not a folder; give ${MODEL_FOLDER} for each name`);
  });
  return dirs;
}

/**
 * A short name per model for panel titles and table columns: the folder's own name, or the path
 * as given when two folders share a name (run-1/model vs run-2/model).
 */
export function modelNames(dirs: readonly string[]): string[] {
  const base = dirs.map((d) => path.basename(path.resolve(d)));
  return base.map((name, i) => (base.filter((b) => b === name).length > 1 ? dirs[i] : name));
}
