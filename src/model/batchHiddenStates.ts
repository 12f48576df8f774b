import type { HiddenStates } from '../hidden/hiddenStates.ts';
import type { FloatOutput } from './floatOutput.ts';
import type { HiddenStateSource } from './hiddenStateOutputs.ts';

export type StackedLayout = 'layers-first' | 'batch-first';

/** A batch's hidden states, still padded, ready to be cut into one matrix per sentence. */
export interface BatchHiddenStates {
  readonly layers: number;
  readonly batch: number;
  readonly tokens: number;
  readonly hidden: number;
  /** Row start of (layer, sentence, token 0) in `data` of the layer's array. */
  rowStart(layer: number, sentence: number): { readonly data: Float32Array | Float64Array; readonly offset: number };
  readonly float64: boolean;
}

/**
 * The stacked output's axis order from its actual sizes. Sizes decide unless the batch size
 * equals layers + 1; then the declared layout, or torch.stack's layers-first order, is taken.
 */
export function resolveStackedLayout(dims: readonly number[], layerArrays: number, batch: number, declared: StackedLayout | 'undecided'): StackedLayout {
  const layersFirst = dims[0] === layerArrays && dims[1] === batch;
  const batchFirst = dims[0] === batch && dims[1] === layerArrays;
  if (layersFirst && !batchFirst) return 'layers-first';
  if (batchFirst && !layersFirst) return 'batch-first';
  if (layersFirst && batchFirst) return declared === 'undecided' ? 'layers-first' : declared;
  throw new Error(`stacked hidden states have shape [${dims.join(', ')}], which holds neither [${layerArrays}, ${batch}, ...] nor [${batch}, ${layerArrays}, ...]`);
}

function checkSizes(what: string, dims: readonly number[], batch: number, tokens: number, hidden: number): void {
  if (dims[0] !== batch || dims[1] !== tokens || dims[2] !== hidden) {
    throw new Error(`${what} has shape [${dims.join(', ')}], expected [${batch}, ${tokens}, ${hidden}]`);
  }
}

/**
 * Wraps a run's hidden-state outputs (already widened to float) as one padded batch.
 * `layerArrays` is layers + 1 (the embedding output and every block).
 */
export function batchHiddenStates(
  source: HiddenStateSource,
  outputs: ReadonlyMap<string, FloatOutput>,
  shape: { readonly layerArrays: number; readonly batch: number; readonly tokens: number; readonly hidden: number },
  stackedLayout: StackedLayout,
): BatchHiddenStates {
  const { layerArrays, batch, tokens, hidden } = shape;
  const rowsPerSentence = tokens * hidden;
  if (source.kind === 'per-layer') {
    const arrays = source.names.map((name) => {
      const out = outputs.get(name);
      if (!out) throw new Error(`the run returned no output '${name}'`);
      if (out.dims.length !== 3) throw new Error(`output '${name}' has shape [${out.dims.join(', ')}], expected [batch, tokens, hidden]`);
      checkSizes(`output '${name}'`, out.dims, batch, tokens, hidden);
      return out.data;
    });
    return {
      layers: layerArrays,
      batch,
      tokens,
      hidden,
      float64: arrays.some((a) => a instanceof Float64Array),
      rowStart: (layer, sentence) => ({ data: arrays[layer], offset: sentence * rowsPerSentence }),
    };
  }
  const out = outputs.get(source.name);
  if (!out) throw new Error(`the run returned no output '${source.name}'`);
  if (out.dims.length !== 4) throw new Error(`output '${source.name}' has shape [${out.dims.join(', ')}], expected 4 axes`);
  if (out.dims[2] !== tokens || out.dims[3] !== hidden) {
    throw new Error(`output '${source.name}' has shape [${out.dims.join(', ')}], expected ${tokens} tokens of ${hidden} units`);
  }
  const data = out.data;
  return {
    layers: layerArrays,
    batch,
    tokens,
    hidden,
    float64: data instanceof Float64Array,
    rowStart: (layer, sentence) => ({
      data,
      offset: (stackedLayout === 'layers-first' ? layer * batch + sentence : sentence * layerArrays + layer) * rowsPerSentence,
    }),
  };
}

/** One sentence's [layers, columns, hidden] matrix, taking only the given token columns. */
export function sentenceHiddenStates(batch: BatchHiddenStates, sentence: number, columns: readonly number[]): HiddenStates {
  const { layers, hidden } = batch;
  const data = batch.float64 ? new Float64Array(layers * columns.length * hidden) : new Float32Array(layers * columns.length * hidden);
  for (let l = 0; l < layers; l++) {
    const { data: src, offset } = batch.rowStart(l, sentence);
    for (let c = 0; c < columns.length; c++) {
      const from = offset + columns[c] * hidden;
      data.set(src.subarray(from, from + hidden), (l * columns.length + c) * hidden);
    }
  }
  return { layers, tokens: columns.length, hidden, data, includesEmbedding: true };
}
