import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const LAYER_KEYS = ['num_hidden_layers', 'n_layer', 'n_layers', 'num_layers'] as const;

/**
 * The block count the export's config declares, or null. Looks beside the ONNX file, and one
 * folder up for the optimum layout (onnx/model.onnx under the folder with config.json);
 * onnxruntime-genai folders carry it in genai_config.json instead.
 */
export function declaredLayerCount(modelPath: string): number | null {
  const here = path.dirname(path.resolve(modelPath));
  const dirs = path.basename(here) === 'onnx' ? [here, path.dirname(here)] : [here];
  for (const dir of dirs) {
    const config = readJson(path.join(dir, 'config.json'));
    for (const key of LAYER_KEYS) {
      const v = config?.[key];
      if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    }
    const genai = readJson(path.join(dir, 'genai_config.json'));
    const model = asRecord(genai?.model);
    const decoder = asRecord(model?.decoder);
    const n = decoder?.num_hidden_layers;
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) return n;
  }
  return null;
}

function readJson(file: string): Record<string, unknown> | null {
  if (!existsSync(file)) return null;
  try {
    return asRecord(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    // A broken config is not this command's business; the names in the graph may suffice.
    return null;
  }
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
