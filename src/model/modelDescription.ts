import type { LoadedModel } from './loadedModel.ts';
import type { SpecialToken } from './sentenceTokenizer.ts';
import type { TensorSlot } from './tensorSlot.ts';

/** What inspect-model reports about a model folder; plain data, printable as JSON. */
export interface ModelDescription {
  readonly dir: string;
  readonly files: {
    readonly onnx: string;
    readonly config: string;
    readonly tokenizer: string;
    readonly tokenizerConfig: string | null;
    readonly sidecar: string | null;
  };
  readonly architecture: string;
  readonly modelType: string;
  readonly layers: number;
  readonly hiddenSize: number;
  /** From the config (position table size). */
  readonly maxPositions: number | null;
  /** The limit sentences are held to: the smaller of maxPositions and the tokenizer's model_max_length. */
  readonly maxTokens: number | null;
  readonly vocabSize: number | null;
  readonly causal: boolean;
  readonly randomWeights: boolean;
  readonly inputs: readonly TensorSlot[];
  readonly outputs: readonly TensorSlot[];
  /** Per layer (0 = embedding output), where its hidden state is read; null when the graph has none. */
  readonly hiddenStates: { readonly from: string; readonly layers: readonly { readonly layer: number; readonly read: string }[] } | null;
  readonly tokenizer: {
    readonly kind: string;
    /** Markers the token labels are cleaned of. */
    readonly markers: readonly string[];
    readonly specialTokens: readonly SpecialToken[];
    readonly modelMaxLength: number | null;
  };
  readonly problems: readonly string[];
}

function markerNames(loaded: LoadedModel): string[] {
  const m = loaded.tokenizer.markers;
  return [
    m.continuingSubwordPrefix ? `continuing-subword prefix ${m.continuingSubwordPrefix}` : null,
    m.byteLevel ? 'byte-level (Ġ = space)' : null,
    m.metaspace ? `metaspace (${m.metaspace} = space)` : null,
    m.endOfWordSuffix ? `end-of-word suffix ${m.endOfWordSuffix}` : null,
  ].filter((s): s is string => s !== null);
}

function hiddenStateReads(loaded: LoadedModel): ModelDescription['hiddenStates'] {
  if (!loaded.hiddenStates.ok) return null;
  const source = loaded.hiddenStates.source;
  if (source.kind === 'per-layer') {
    return { from: source.from === 'sidecar' ? 'per-layer outputs named by the expose-layers sidecar' : 'per-layer outputs', layers: source.names.map((read, layer) => ({ layer, read })) };
  }
  const index = (layer: number): string => (source.layout === 'batch-first' ? `[:, ${layer}]` : `[${layer}]`);
  const layout = source.layout === 'undecided' ? 'layer axis decided from the sizes at the first run' : source.layout;
  return {
    from: `one stacked output (${layout})`,
    layers: Array.from({ length: loaded.config.layers + 1 }, (_, layer) => ({ layer, read: `${source.name}${index(layer)}` })),
  };
}

export function describeModel(loaded: LoadedModel): ModelDescription {
  const { files, config, tokenizer } = loaded;
  return {
    dir: files.dir,
    files: {
      onnx: files.onnxPath,
      config: files.configPath,
      tokenizer: files.tokenizerPath,
      tokenizerConfig: files.tokenizerConfigPath,
      sidecar: files.sidecar?.path ?? null,
    },
    architecture: config.architecture,
    modelType: config.modelType,
    layers: config.layers,
    hiddenSize: config.hiddenSize,
    maxPositions: config.maxPositions,
    maxTokens: loaded.maxTokens,
    vocabSize: config.vocabSize,
    causal: config.causal,
    randomWeights: config.randomWeights,
    inputs: loaded.inputs,
    outputs: loaded.outputs,
    hiddenStates: hiddenStateReads(loaded),
    tokenizer: { kind: tokenizer.kind, markers: markerNames(loaded), specialTokens: tokenizer.specialTokens, modelMaxLength: tokenizer.modelMaxLength },
    problems: loaded.problems,
  };
}
