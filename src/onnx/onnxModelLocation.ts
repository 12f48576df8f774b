import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../userError.ts';

/** Files expose-layers writes; never taken as the model to rewrite. */
const EXPOSED_SUFFIX = '.hidden_states.onnx';

/**
 * The ONNX file to use in a model folder: `modelFile` if given (relative to the folder), else the
 * folder's only .onnx file, else model.onnx among several; the optimum layout (onnx/model.onnx)
 * is searched when the folder itself has none. A path to an .onnx file is taken as is.
 */
export function locateOnnxModel(dirOrFile: string, modelFile?: string): string {
  if (!existsSync(dirOrFile)) throw new UserError(`${dirOrFile}: no such file or folder; give the model folder`);
  if (statSync(dirOrFile).isFile()) {
    if (modelFile) throw new UserError(`${dirOrFile}: is a file, so --model-file is not needed; give the folder or drop --model-file`);
    return dirOrFile;
  }
  if (modelFile) {
    const chosen = path.join(dirOrFile, modelFile);
    if (!existsSync(chosen)) throw new UserError(`${chosen}: no such file; check --model-file (relative to ${dirOrFile})`);
    return chosen;
  }
  for (const dir of [dirOrFile, path.join(dirOrFile, 'onnx')]) {
    const found = onnxFilesIn(dir);
    if (found.length === 1) return path.join(dir, found[0]);
    if (found.includes('model.onnx')) return path.join(dir, 'model.onnx');
    if (found.length > 1) {
      throw new UserError(`${dir}: holds several ONNX files (${found.join(', ')}); choose one with --model-file`);
    }
  }
  throw new UserError(`${dirOrFile}: no .onnx file here or in ${path.join(dirOrFile, 'onnx')}; give the folder of an ONNX export`);
}

function onnxFilesIn(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.onnx') && !f.endsWith(EXPOSED_SUFFIX))
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort();
}

/** Where the rewritten model goes by default: beside the original, `<name>.hidden_states.onnx`. */
export function defaultExposedModelPath(modelPath: string): string {
  return path.join(path.dirname(modelPath), `${path.basename(modelPath, '.onnx')}${EXPOSED_SUFFIX}`);
}

/**
 * `--out` names a file when it ends in .onnx, otherwise a folder that receives
 * `<name>.hidden_states.onnx`. Refuses to overwrite the original model.
 */
export function resolveExposedModelPath(modelPath: string, out?: string): string {
  let target = defaultExposedModelPath(modelPath);
  if (out) {
    target = out.endsWith('.onnx') ? out : path.join(out, path.basename(defaultExposedModelPath(modelPath)));
  }
  if (path.resolve(target) === path.resolve(modelPath)) {
    throw new UserError(`${target}: is the original model, which expose-layers never overwrites; choose another --out`);
  }
  return target;
}
