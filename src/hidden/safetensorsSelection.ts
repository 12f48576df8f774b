import { UserError } from '../userError.ts';
import { isLayout } from './layout.ts';
import { elementCount, formatShape, type LoadedTensor, type NumericTensor } from './numericTensor.ts';
import type { SafetensorsFile } from './safetensors.ts';

const STACKED_NAMES = ['hidden_states', 'hidden'];
const PER_LAYER_NAME = /^(hidden_states?|hidden|layers?)[._](\d+)$/;

/**
 * Finds the hidden states in a .safetensors file: a tensor named `hidden_states`/`hidden`, else
 * the only tensor, else per-layer tensors `hidden_states.N`, `hidden_states_N`,
 * `layer.N` (other tensors such as input_ids are ignored), stacked in order of N.
 */
export function selectHiddenTensor(file: SafetensorsFile, source: string): LoadedTensor {
  const names = file.entries.map((e) => e.name);
  const declared = file.metadata.layout;
  const declaredLayout = isLayout(declared) ? declared : undefined;
  if (names.length === 0) throw new UserError(`${source}: holds no tensors`);
  // A lone `layer.0` is a one-layer per-layer file, not a stacked tensor.
  const stacked = STACKED_NAMES.find((n) => names.includes(n)) ?? (names.length === 1 && !PER_LAYER_NAME.test(names[0]) ? names[0] : undefined);
  if (stacked !== undefined) return { tensor: file.decode(stacked), declaredLayout };

  const groups = new Map<string, { name: string; index: number }[]>();
  for (const name of names) {
    const m = PER_LAYER_NAME.exec(name);
    if (!m) continue;
    const group = groups.get(m[1]) ?? [];
    group.push({ name, index: Number(m[2]) });
    groups.set(m[1], group);
  }
  const listed = names.slice(0, 12).map((n) => `"${n}"`).join(', ') + (names.length > 12 ? `, ... (${names.length} in all)` : '');
  if (groups.size === 0) {
    throw new UserError(`${source}: holds ${listed}; name the stacked tensor "hidden_states" or the per-layer ones "hidden_states.N"`);
  }
  if (groups.size > 1) {
    throw new UserError(`${source}: per-layer tensors under several prefixes (${[...groups.keys()].join(', ')}); keep one set`);
  }
  const [prefix, layers] = [...groups.entries()][0];
  layers.sort((a, b) => a.index - b.index);
  layers.forEach((layer, i) => {
    const expected = layers[0].index + i;
    if (layer.index !== expected) throw new UserError(`${source}: per-layer tensors ${prefix}.N skip N=${expected} (found "${layer.name}" next); every layer must be present`);
  });
  const tensor = stack(layers.map((l) => ({ name: l.name, tensor: file.decode(l.name) })), source);
  // [B, T, H] per layer stacks to [L, B, T, H]; [1, T, H] is the common batch-of-one export.
  return { tensor, fixedLayout: { layout: tensor.shape.length === 4 ? 'LBTD' : 'LTD', origin: 'per-layer tensors stacked as' } };
}

/** Stacks equal-shaped per-layer tensors ([T, H] or [B, T, H]) along a new leading layer axis. */
function stack(layers: readonly { name: string; tensor: NumericTensor }[], source: string): NumericTensor {
  const first = layers[0];
  const shape = first.tensor.shape;
  if (shape.length !== 2 && shape.length !== 3) {
    throw new UserError(`${source}: per-layer tensor "${first.name}" has shape ${formatShape(shape)}; each layer must be [tokens, hidden] or [batch, tokens, hidden]`);
  }
  const size = elementCount(shape);
  const wide = layers.some((l) => l.tensor.data instanceof Float64Array);
  const data = wide ? new Float64Array(size * layers.length) : new Float32Array(size * layers.length);
  layers.forEach((layer, i) => {
    if (formatShape(layer.tensor.shape) !== formatShape(shape)) {
      throw new UserError(`${source}: per-layer tensor "${layer.name}" has shape ${formatShape(layer.tensor.shape)} but "${first.name}" has ${formatShape(shape)}; all layers must match`);
    }
    data.set(layer.tensor.data, i * size);
  });
  return { shape: [layers.length, ...shape], data };
}
