import type onnxProto from 'onnx-proto';
import { UserError } from '../userError.ts';
import type { GraphIndex } from './graphIndex.ts';

type GraphProto = onnxProto.onnx.IGraphProto;
type DimProto = onnxProto.onnx.TensorShapeProto.IDimension;

/** ONNX TensorProto.DataType codes of the float types a residual stream can have. */
const FLOAT_TYPES = { 1: 'float32', 10: 'float16', 16: 'bfloat16', 11: 'float64' } as const;
type FloatCode = keyof typeof FLOAT_TYPES;
export type StreamDtype = (typeof FLOAT_TYPES)[FloatCode];

/** Element type and declared dims of the residual stream, for the new outputs' value infos. */
export interface StreamTensorType {
  readonly elemType: number;
  readonly dtype: StreamDtype;
  readonly hiddenSize: number | null;
  /** [batch, sequence, hidden] as the graph's own inputs name them. */
  readonly dims: readonly DimProto[];
}

/**
 * Read from the embedding table the stream starts from (Gather's data, or
 * EmbedLayerNormalization's word_embedding), since unoptimised exports carry no value infos.
 * The new outputs keep that dtype: an fp16 graph gives fp16 hidden states.
 */
export function streamTensorType(graph: GraphProto, index: GraphIndex, embeddingNode: number, tokenInput: string, modelPath: string): StreamTensorType {
  const node = index.nodes[embeddingNode];
  const tableName = node.opType === 'Gather' ? node.input?.[0] : node.input?.[2];
  const table = (graph.initializer ?? []).find((t) => t.name === tableName);
  const code = table?.dataType ?? 0;
  if (!(code in FLOAT_TYPES)) {
    throw new UserError(`${modelPath}: embedding table '${tableName}' is not a float tensor (type ${code}); quantised embeddings are not supported`);
  }
  const tableDims = table?.dims ?? [];
  const hiddenSize = tableDims.length === 2 ? Number(tableDims[1]) : null;
  const tokenDims = (graph.input ?? []).find((v) => v.name === tokenInput)?.type?.tensorType?.shape?.dim ?? [];
  // dim_value and dim_param are a oneof: copy only the one that is set.
  const symbolic = (d: DimProto | undefined, fallback: string): DimProto => {
    if (d?.dimParam) return { dimParam: d.dimParam };
    if (d?.dimValue && Number(d.dimValue) > 0) return { dimValue: Number(d.dimValue) };
    return { dimParam: fallback };
  };
  const dims: DimProto[] = [
    symbolic(tokenDims[0], 'batch'),
    symbolic(tokenDims[1], 'sequence'),
    hiddenSize === null ? { dimParam: 'hidden' } : { dimValue: hiddenSize },
  ];
  return { elemType: code, dtype: FLOAT_TYPES[code as FloatCode], hiddenSize, dims };
}
