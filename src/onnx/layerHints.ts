import type onnxProto from 'onnx-proto';

type NodeProto = onnxProto.onnx.INodeProto;

/**
 * A block index inside a module path, as Hugging Face exporters write it in node names
 * (`/model/layers.3/mlp/...`, `/transformer/h.3/...`, `/encoder/layer.3/...`) and weight names
 * (`model.layers.3.mlp.down_proj.weight`, `distilbert.transformer.layer.3.ffn.lin2.bias`).
 * The first match wins so T5's `block.3/layer.1` reads as block 3.
 */
const BLOCK_INDEX = /(?:^|[/.])(?:layers?|h|blocks?)[._](\d+)(?=[/._]|$)/;

export function blockIndexInName(name: string): number | null {
  const m = BLOCK_INDEX.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * The block a node computes for, from its own name and the weights it reads; null when neither
 * says. Optimisers merge identical weights under the first copy's name (gpt2's fused export
 * reads `h.0` biases in every block next to `h.3` matrices), so the highest index is the honest one.
 */
export function layerHintOfNode(node: NodeProto, initializers: ReadonlySet<string>): number | null {
  let best: number | null = blockIndexInName(node.name ?? '');
  for (const input of node.input ?? []) {
    if (!input || !initializers.has(input)) continue;
    const k = blockIndexInName(input);
    if (k !== null && (best === null || k > best)) best = k;
  }
  return best;
}
