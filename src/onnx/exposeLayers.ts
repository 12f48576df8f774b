import path from 'node:path';
import type onnxProto from 'onnx-proto';
import { UserError } from '../userError.ts';
import { findBlockBoundaries, type BlockBoundaries } from './blockBoundaries.ts';
import { declaredLayerCount } from './declaredLayerCount.ts';
import { GraphIndex } from './graphIndex.ts';
import { hiddenStateSidecarPath, writeHiddenStateSidecar, type HiddenStateOutput, type HiddenStateSidecar } from './hiddenStateSidecar.ts';
import { loadModelProto, saveModelProto, type ExternalDataPlacement } from './onnxModelFile.ts';
import { traceResidualStream, type StreamTensor } from './residualStream.ts';
import { streamTensorType, type StreamTensorType } from './streamTensorType.ts';

export { readHiddenStateSidecar, hiddenStateSidecarPath } from './hiddenStateSidecar.ts';
export type { HiddenStateSidecar, HiddenStateOutput } from './hiddenStateSidecar.ts';

type GraphProto = onnxProto.onnx.IGraphProto;

/** Graph output name of layer k's hidden state (0 = embedding output). */
export function hiddenStateOutputName(layer: number): string {
  return `hidden_states.${layer}`;
}

export interface ExposedLayers {
  /** The rewritten model. */
  readonly modelPath: string;
  readonly sidecarPath: string;
  readonly sidecar: HiddenStateSidecar;
  readonly externalData: readonly ExternalDataPlacement[];
  /** Whether blocks were told apart by node/weight names or by the config's layer count. */
  readonly layersFrom: BlockBoundaries['layersFrom'];
}

/**
 * Writes a copy of the model at `modelPath` to `outPath` whose outputs also include the
 * embedding output and every block's output (`hidden_states.0` .. `hidden_states.N`, each
 * [batch, sequence, hidden] in the graph's own float type), plus the sidecar naming them
 * (`<out name>.json`). The original outputs and tensors keep their names and values: each
 * hidden state is an Identity copy, and where a fused SkipLayerNormalization computes the
 * residual sum without emitting it, its optional sum output is switched on.
 */
export async function exposeLayers(modelPath: string, outPath: string): Promise<ExposedLayers> {
  if (path.resolve(modelPath) === path.resolve(outPath)) {
    throw new UserError(`${outPath}: is the original model, which expose-layers never overwrites; choose another output path`);
  }
  const model = loadModelProto(modelPath);
  const graph = model.graph as onnxProto.onnx.GraphProto;
  const index = new GraphIndex(graph);
  if (index.allTensorNames().has(hiddenStateOutputName(0))) {
    throw new UserError(`${modelPath}: already has a '${hiddenStateOutputName(0)}' tensor (hidden states exposed before?); use it as is or give the original export`);
  }
  const stream = traceResidualStream(graph, index, modelPath);
  const boundaries = findBlockBoundaries(stream, index, declaredLayerCount(modelPath), modelPath);
  const type = streamTensorType(graph, index, stream.embeddingNode, stream.tokenInput, modelPath);

  const usedNames = index.allTensorNames();
  const layers = [boundaries.embedding, ...boundaries.blocks];
  const outputs: HiddenStateOutput[] = layers.map((where, layer) => {
    const tensor = where.kind === 'tensor' ? where.name : switchOnOutput(graph, where, usedNames);
    addHiddenStateOutput(graph, tensor, hiddenStateOutputName(layer), type);
    return {
      layer,
      name: hiddenStateOutputName(layer),
      tensor,
      source: layer === 0 ? 'embedding' : 'block',
      addedToFusedNode: where.kind === 'missing-output',
    };
  });

  const saved = saveModelProto(model, outPath, modelPath);
  const sidecarPath = hiddenStateSidecarPath(outPath);
  const outDir = path.dirname(path.resolve(outPath));
  const sidecar: HiddenStateSidecar = {
    format: 'donald-hidden-states/1',
    model: path.basename(outPath),
    original: path.relative(outDir, path.resolve(modelPath)),
    layers: boundaries.blocks.length,
    hiddenSize: type.hiddenSize,
    dtype: type.dtype,
    normPlacement: boundaries.normPlacement,
    stacked: false,
    outputs,
  };
  writeHiddenStateSidecar(sidecarPath, sidecar);
  return { modelPath: outPath, sidecarPath, sidecar, externalData: saved.externalData, layersFrom: boundaries.layersFrom };
}

/** Names a fused node's unused optional output (e.g. SkipLayerNormalization's sum) so it is computed. */
function switchOnOutput(graph: GraphProto, where: Extract<StreamTensor, { kind: 'missing-output' }>, usedNames: Set<string>): string {
  const node = graph.node![where.node];
  const base = node.name || `${node.opType}_${where.node}`;
  let name = `${base}/output_${where.outputIndex}`;
  for (let n = 1; usedNames.has(name); n += 1) name = `${base}/output_${where.outputIndex}_${n}`;
  usedNames.add(name);
  const outputs = [...(node.output ?? [])];
  while (outputs.length <= where.outputIndex) outputs.push('');
  outputs[where.outputIndex] = name;
  node.output = outputs;
  return name;
}

function addHiddenStateOutput(graph: GraphProto, tensor: string, outputName: string, type: StreamTensorType): void {
  graph.node!.push({ opType: 'Identity', name: `donald/${outputName}`, input: [tensor], output: [outputName] });
  graph.output!.push({
    name: outputName,
    type: { tensorType: { elemType: type.elemType, shape: { dim: type.dims.map((d) => ({ ...d })) } } },
  });
}
