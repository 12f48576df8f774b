import { closeSync, copyFileSync, constants as fsConstants, existsSync, linkSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { UserError } from '../userError.ts';

const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;

/** Reads and decodes an ONNX file; external data files stay on disk and are not loaded. */
export function loadModelProto(modelPath: string): ModelProto {
  let bytes: Buffer;
  try {
    bytes = readFileSync(modelPath);
  } catch (err) {
    throw new UserError(`${modelPath}: cannot read the ONNX file (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the path`);
  }
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new UserError(`${modelPath}: not a valid ONNX model (${(err as Error).message}); re-export it`);
  }
  if (!model.graph) throw new UserError(`${modelPath}: the ONNX model has no graph; re-export it`);
  return model;
}

/** How one external data file of a saved model was made available beside it. */
export interface ExternalDataPlacement {
  readonly location: string;
  /** 'in-place': the new model sits in the same folder as the original and reads its file. */
  readonly how: 'in-place' | 'hard-linked' | 'copied' | 'already-present';
}

export interface SavedModel {
  readonly path: string;
  readonly externalData: readonly ExternalDataPlacement[];
}

/**
 * Writes `model` to `outPath`. External data locations are relative to the model file, and
 * onnxruntime refuses locations (or symlinks) that leave the model's folder, so when the new
 * file goes to another folder each data file is hard-linked beside it (no extra disk space), or
 * copied where a link is impossible (another device, no permission).
 */
export function saveModelProto(model: ModelProto, outPath: string, sourcePath: string): SavedModel {
  const sourceDir = path.dirname(path.resolve(sourcePath));
  const outDir = path.dirname(path.resolve(outPath));
  const bytes = onnx.ModelProto.encode(model).finish();
  writeOrExplain(outPath, () => mkdirSync(outDir, { recursive: true }));
  const placements = externalDataLocations(model).map((location) => placeExternalData(location, sourceDir, outDir));
  writeOrExplain(outPath, () => writeFileSync(outPath, bytes));
  return { path: outPath, externalData: placements };
}

/** A read-only model folder (the default output sits beside the original) is a user matter. */
export function writeOrExplain(target: string, write: () => void): void {
  try {
    write();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM' || code === 'ENOSPC' || code === 'ENOTDIR') {
      throw new UserError(`${target}: cannot write (${code}); choose a writable place with --out`);
    }
    throw err;
  }
}

/** Every distinct external data file the model's tensors refer to, in first-use order. */
export function externalDataLocations(model: ModelProto): string[] {
  const found = new Set<string>();
  const visitTensor = (t: onnxProto.onnx.ITensorProto): void => {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return;
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    if (location) found.add(location);
  };
  const visitGraph = (g: onnxProto.onnx.IGraphProto): void => {
    for (const t of g.initializer ?? []) visitTensor(t);
    for (const s of g.sparseInitializer ?? []) {
      if (s.values) visitTensor(s.values);
      if (s.indices) visitTensor(s.indices);
    }
    for (const node of g.node ?? []) {
      for (const a of node.attribute ?? []) {
        if (a.t) visitTensor(a.t);
        for (const t of a.tensors ?? []) visitTensor(t);
        if (a.g) visitGraph(a.g);
        for (const sub of a.graphs ?? []) visitGraph(sub);
      }
    }
  };
  if (model.graph) visitGraph(model.graph);
  for (const f of model.functions ?? []) visitGraph({ node: f.node });
  return [...found];
}

function placeExternalData(location: string, sourceDir: string, outDir: string): ExternalDataPlacement {
  const source = path.resolve(sourceDir, location);
  const target = path.resolve(outDir, location);
  if (source === target) return { location, how: 'in-place' };
  if (!existsSync(source)) {
    throw new UserError(`${source}: external data file named by the model is missing; put it beside the model file`);
  }
  if (existsSync(target)) {
    if (sameFile(source, target) || sameContent(source, target)) return { location, how: 'already-present' };
    throw new UserError(`${target}: a different file of this name is already there and the new model needs ${source} under that name; choose another --out folder`);
  }
  writeOrExplain(target, () => mkdirSync(path.dirname(target), { recursive: true }));
  try {
    linkSync(source, target);
    return { location, how: 'hard-linked' };
  } catch {
    writeOrExplain(target, () => copyFileSync(source, target, fsConstants.COPYFILE_FICLONE));
    return { location, how: 'copied' };
  }
}

function sameFile(a: string, b: string): boolean {
  const sa = statSync(a);
  const sb = statSync(b);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Byte comparison, so a re-run over an earlier copy is accepted rather than refused. */
function sameContent(a: string, b: string): boolean {
  if (statSync(a).size !== statSync(b).size) return false;
  const fa = openSync(a, 'r');
  const fb = openSync(b, 'r');
  try {
    const chunk = 1 << 20;
    const ba = Buffer.alloc(chunk);
    const bb = Buffer.alloc(chunk);
    for (let pos = 0; ; pos += chunk) {
      const na = readSync(fa, ba, 0, chunk, pos);
      const nb = readSync(fb, bb, 0, chunk, pos);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      if (na === 0) return true;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}
