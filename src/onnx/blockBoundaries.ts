import { UserError } from '../userError.ts';
import type { GraphIndex } from './graphIndex.ts';
import type { ResidualMerge, ResidualStream, StreamTensor } from './residualStream.ts';

/** Where each hidden state lives: index 0 the embedding output, k the output of block k. */
export interface BlockBoundaries {
  readonly embedding: StreamTensor;
  readonly blocks: readonly StreamTensor[];
  /**
   * 'pre': blocks normalise their input and the stream is the raw sum (GPT-2, Llama).
   * 'post': blocks normalise after each sum and the stream is the normalised value (BERT).
   */
  readonly normPlacement: 'pre' | 'post';
  /** How merges were grouped into blocks. */
  readonly layersFrom: 'names' | 'declared-count';
}

/**
 * Groups the residual merges into blocks and picks each block's output: the stream value that
 * enters the next block's first merge, or for the last block the value the earlier blocks'
 * pattern predicts (the raw sum for pre-norm models, the normalised sum for post-norm ones).
 */
export function findBlockBoundaries(stream: ResidualStream, index: GraphIndex, declaredLayers: number | null, modelPath: string): BlockBoundaries {
  const { merges } = stream;
  if (merges.length === 0) {
    throw new UserError(`${modelPath}: found no residual connections between the embedding and '${stream.mainOutput}'; expose-layers handles transformer exports only`);
  }
  const { layerOfMerge, layersFrom } = assignLayers(merges, declaredLayers, modelPath);
  const layerCount = layerOfMerge[layerOfMerge.length - 1] + 1;

  const normPlacement = merges.slice(0, -1).every((m, j) => m.sum.kind === 'tensor' && m.sum.name === merges[j + 1].skip) ? 'pre' : 'post';
  const blocks: StreamTensor[] = [];
  for (let layer = 0; layer < layerCount; layer += 1) {
    const lastMerge = layerOfMerge.lastIndexOf(layer);
    const next = merges[lastMerge + 1];
    if (next) blocks.push({ kind: 'tensor', name: next.skip });
    else blocks.push(normPlacement === 'pre' ? merges[lastMerge].sum : postNormOutput(stream, index, merges, modelPath));
  }
  return { embedding: { kind: 'tensor', name: merges[0].skip }, blocks, normPlacement, layersFrom };
}

function assignLayers(merges: readonly ResidualMerge[], declared: number | null, modelPath: string): { layerOfMerge: number[]; layersFrom: BlockBoundaries['layersFrom'] } {
  const hints = merges.map((m) => m.layerHint);
  let namedCount: number | null = null;
  if (hints.every((h, j) => h !== null && (j === 0 || h >= hints[j - 1]!))) {
    const distinct = [...new Set(hints as number[])];
    if (distinct.every((h, i) => h === i)) namedCount = distinct.length;
  }
  if (namedCount !== null && (declared === null || declared === namedCount)) {
    return { layerOfMerge: hints as number[], layersFrom: 'names' };
  }
  // Names can mislead where blocks share weights (ALBERT), so a declared count that splits the
  // merges evenly wins over them.
  if (declared !== null && merges.length % declared === 0) {
    const perBlock = merges.length / declared;
    return { layerOfMerge: merges.map((_, j) => Math.floor(j / perBlock)), layersFrom: 'declared-count' };
  }
  const why = namedCount !== null
    ? `node and weight names show ${namedCount} blocks but the config declares ${declared}`
    : declared === null
      ? 'names do not tell which block each residual connection belongs to and no config.json declares the layer count'
      : `${merges.length} residual connections do not split evenly into the ${declared} layers the config declares`;
  throw new UserError(`${modelPath}: cannot find block boundaries: ${why}; check that config.json belongs to this export, or export with module-scoped node names (torch.onnx.export's default)`);
}

/**
 * The last block of a post-norm model ends in a normalisation no later merge consumes. It has
 * the same shape as the one after the previous merge, so walk the same number of cut nodes with
 * the same ops and take the same output.
 */
function postNormOutput(stream: ResidualStream, index: GraphIndex, merges: readonly ResidualMerge[], modelPath: string): StreamTensor {
  const fail = (): never => {
    throw new UserError(`${modelPath}: the last block's normalisation does not match the earlier blocks'; cannot tell where its output is`);
  };
  if (merges.length < 2) fail();
  const before = merges[merges.length - 2];
  const last = merges[merges.length - 1];
  const producerPosition = stream.chain.indexOf(index.producerOf(last.skip) ?? -1);
  if (producerPosition < before.chainPosition) fail();
  const steps = producerPosition - before.chainPosition;
  const outputIndex = (index.nodes[stream.chain[producerPosition]].output ?? []).indexOf(last.skip);
  const end = last.chainPosition + steps;
  if (end >= stream.chain.length) fail();
  for (let s = 0; s <= steps; s += 1) {
    const expected = index.nodes[stream.chain[before.chainPosition + s]].opType;
    if (index.nodes[stream.chain[last.chainPosition + s]].opType !== expected) fail();
  }
  const node = stream.chain[end];
  const name = index.nodes[node].output?.[outputIndex];
  return name ? { kind: 'tensor', name } : { kind: 'missing-output', node, outputIndex };
}
