import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { readHiddenStateSidecar, type HiddenStateSidecar } from '../onnx/hiddenStateSidecar.ts';
import { UserError } from '../userError.ts';

/** The files of a model folder in the Hugging Face / optimum layout. */
export interface ModelFiles {
  readonly dir: string;
  /** config.json, or onnxruntime-genai's genai_config.json when there is no config.json. */
  readonly configPath: string;
  readonly tokenizerPath: string;
  readonly tokenizerConfigPath: string | null;
  readonly onnxPath: string;
  /** The expose-layers sidecar naming the per-layer outputs of `onnxPath`, when there is one. */
  readonly sidecar: { readonly path: string; readonly content: HiddenStateSidecar } | null;
}

const EXPOSED_MODEL = '.hidden_states.onnx';
const SIDECAR = /(^|\.)hidden_states\.json$/;

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

function filesIn(dir: string, test: (name: string) => boolean): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((name) => test(name) && isFile(path.join(dir, name)))
    .sort();
}

/** The first of `name` in the model folder or its onnx/ subfolder (optimum puts files in either). */
function findFile(searchDirs: readonly string[], name: string): string | null {
  for (const d of searchDirs) {
    const p = path.join(d, name);
    if (isFile(p)) return p;
  }
  return null;
}

function findSidecar(searchDirs: readonly string[]): ModelFiles['sidecar'] {
  for (const d of searchDirs) {
    const found = filesIn(d, (n) => SIDECAR.test(n));
    if (found.length > 1) {
      throw new UserError(`${d}: holds several hidden-state sidecars (${found.join(', ')}); keep the one for the model to use`);
    }
    if (found.length === 1) {
      const sidecarPath = path.join(d, found[0]);
      return { path: sidecarPath, content: readHiddenStateSidecar(sidecarPath) };
    }
  }
  return null;
}

/**
 * The graph to run, in order of preference: the model the expose-layers sidecar names, a
 * `*.hidden_states.onnx` rewrite, `model.onnx`, then the only .onnx file (folder, then onnx/).
 */
function findOnnx(dir: string, searchDirs: readonly string[], sidecar: ModelFiles['sidecar']): string {
  if (sidecar) {
    const named = path.resolve(path.dirname(sidecar.path), sidecar.content.model);
    if (!isFile(named)) throw new UserError(`${sidecar.path}: names the model ${sidecar.content.model}, which is missing; run donald expose-layers ${dir} again`);
    return named;
  }
  for (const d of searchDirs) {
    const exposed = filesIn(d, (n) => n.endsWith(EXPOSED_MODEL));
    if (exposed.length > 1) throw new UserError(`${d}: holds several rewritten models (${exposed.join(', ')}); keep the one to use`);
    if (exposed.length === 1) return path.join(d, exposed[0]);
  }
  const standard = findFile(searchDirs, 'model.onnx');
  if (standard) return standard;
  for (const d of searchDirs) {
    const found = filesIn(d, (n) => n.endsWith('.onnx'));
    if (found.length === 1) return path.join(d, found[0]);
    if (found.length > 1) {
      throw new UserError(`${d}: holds several ONNX files (${found.join(', ')}) and no model.onnx; rename the one to use to model.onnx`);
    }
  }
  throw new UserError(
    `${dir}: no model.onnx here or in ${path.join(dir, 'onnx')}; export the model to ONNX (e.g. \`optimum-cli export onnx --model <name> ${dir}\`)`,
  );
}

/** Finds the model folder's files; a missing one is a UserError naming it and how to get it. */
export function locateModelFiles(dir: string): ModelFiles {
  if (!existsSync(dir)) throw new UserError(`${dir}: no such folder; give the model folder (config.json, tokenizer.json, model.onnx)`);
  if (!statSync(dir).isDirectory()) throw new UserError(`${dir}: is a file; give the model folder that holds it`);
  const searchDirs = [dir, path.join(dir, 'onnx')];

  const configPath = findFile(searchDirs, 'config.json') ?? findFile(searchDirs, 'genai_config.json');
  if (!configPath) {
    throw new UserError(`${dir}: no config.json; save the model config beside the graph (AutoConfig.from_pretrained(name).save_pretrained(dir))`);
  }
  const tokenizerPath = findFile(searchDirs, 'tokenizer.json');
  if (!tokenizerPath) {
    throw new UserError(
      `${dir}: no tokenizer.json; save the fast tokenizer beside the model (AutoTokenizer.from_pretrained(name).save_pretrained(dir)); vocab.txt or tokenizer.model alone are not read`,
    );
  }
  const sidecar = findSidecar(searchDirs);
  return {
    dir,
    configPath,
    tokenizerPath,
    tokenizerConfigPath: findFile(searchDirs, 'tokenizer_config.json'),
    onnxPath: findOnnx(dir, searchDirs, sidecar),
    sidecar,
  };
}
