import type onnxProto from 'onnx-proto';
import { UserError } from '../userError.ts';
import type { GraphIndex } from './graphIndex.ts';
import { layerHintOfNode } from './layerHints.ts';
import { immediatePostDominators } from './postDominators.ts';

type GraphProto = onnxProto.onnx.IGraphProto;

/**
 * Fused contrib ops that add a skip connection before normalising; their optional output 3
 * (input_skip_bias_sum) is the residual stream, which exporters drop where nothing reads it.
 */
const SKIP_NORM_OPS = new Set(['SkipLayerNormalization', 'SkipSimplifiedLayerNormalization']);
const SKIP_NORM_SUM_OUTPUT = 3;
/** Fused embedding + LayerNorm; its output 2 (embedding_sum) is the pre-norm stream's start. */
const EMBED_LAYER_NORM = 'EmbedLayerNormalization';

/** A residual-stream value: a tensor the graph has, or a fused node's optional output it lacks. */
export type StreamTensor =
  | { readonly kind: 'tensor'; readonly name: string }
  | { readonly kind: 'missing-output'; readonly node: number; readonly outputIndex: number };

/** One place where a block's branch is added back onto the residual stream. */
export interface ResidualMerge {
  readonly node: number;
  /** Position of the merge node on the chain of cut nodes. */
  readonly chainPosition: number;
  /** The stream value entering the merge (the skip connection). */
  readonly skip: string;
  /** skip + branch. */
  readonly sum: StreamTensor;
  /** Block index from node/weight names inside the branch, or null where names say nothing. */
  readonly layerHint: number | null;
}

export interface ResidualStream {
  /** The graph input holding token ids. */
  readonly tokenInput: string;
  /** The token-embedding lookup node where the stream starts. */
  readonly embeddingNode: number;
  /**
   * Cut nodes from the embedding lookup to the main output: every path from the embedding to
   * the output passes through each of them, in this order.
   */
  readonly chain: readonly number[];
  readonly merges: readonly ResidualMerge[];
  /** The graph output the chain ends at (logits or last_hidden_state). */
  readonly mainOutput: string;
}

/**
 * Follows the residual stream of a transformer graph. Whatever the fusion, between two blocks
 * the stream is a cut (all paths from the embedding to the logits go through it), and a merge
 * is a cut node that adds the stream to something computed from the stream. So the chain of
 * immediate post-dominators from the embedding lookup, filtered to merges, is the stream,
 * regardless of naming.
 */
export function traceResidualStream(graph: GraphProto, index: GraphIndex, modelPath: string): ResidualStream {
  const tokenInput = findTokenInput(graph, modelPath);
  const embeddingNode = findEmbeddingLookup(index, tokenInput, modelPath);
  const { exit, mainOutput } = findMainExit(graph, index, embeddingNode, modelPath);
  const ipdom = immediatePostDominators(index.successors, index.topologicalOrder, exit);
  const chain: number[] = [embeddingNode];
  for (let v = ipdom[embeddingNode]; v !== -1; v = ipdom[v]) chain.push(v);

  const merges: ResidualMerge[] = [];
  for (let p = 1; p < chain.length; p += 1) {
    const merge = asMerge(index, ipdom, chain[p - 1], chain[p], p);
    if (merge) merges.push(merge);
  }
  return { tokenInput, embeddingNode, chain, merges, mainOutput };
}

function asMerge(index: GraphIndex, ipdom: Int32Array, previous: number, node: number, chainPosition: number): ResidualMerge | null {
  const proto = index.nodes[node];
  const op = proto.opType ?? '';
  const fused = SKIP_NORM_OPS.has(op) && (proto.domain ?? '') === 'com.microsoft';
  if (!fused && op !== 'Add' && op !== 'Sum') return null;
  const summed = (fused ? (proto.input ?? []).slice(0, 2) : proto.input ?? []).filter((t) => t);
  const fromPrevious = new Set((index.nodes[previous].output ?? []).filter((t) => t));
  const skips = summed.filter((t) => fromPrevious.has(t));
  if (skips.length !== 1) return null;
  const region = regionBetween(index, ipdom, previous, node);
  const branch = summed.find((t) => t !== skips[0] && isInRegion(index, t, region));
  if (!branch) return null;

  let layerHint: number | null = null;
  for (const v of region) {
    const k = layerHintOfNode(index.nodes[v], index.initializers);
    if (k !== null && (layerHint === null || k > layerHint)) layerHint = k;
  }
  const sumName = fused ? proto.output?.[SKIP_NORM_SUM_OUTPUT] : proto.output?.[0];
  const sum: StreamTensor = sumName
    ? { kind: 'tensor', name: sumName }
    : { kind: 'missing-output', node, outputIndex: SKIP_NORM_SUM_OUTPUT };
  return { node, chainPosition, skip: skips[0], sum, layerHint };
}

function isInRegion(index: GraphIndex, tensor: string, region: ReadonlySet<number>): boolean {
  const p = index.producerOf(tensor);
  return p !== undefined && region.has(p);
}

/**
 * Nodes on paths from `from` (excluded) to `to` (excluded) that go on to the main output: the
 * branch between two cuts. Side paths that only feed a KV-cache output are left out.
 */
function regionBetween(index: GraphIndex, ipdom: Int32Array, from: number, to: number): Set<number> {
  const seen = new Set<number>();
  const stack = [...index.successors[from]];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v === to || seen.has(v) || ipdom[v] === -1) continue;
    seen.add(v);
    for (const s of index.successors[v]) stack.push(s);
  }
  return seen;
}

/**
 * The token-embedding lookup: the first Gather reading a weight table with indices derived from
 * the token ids, or an EmbedLayerNormalization node (whose first input is the token ids).
 */
function findEmbeddingLookup(index: GraphIndex, tokenInput: string, modelPath: string): number {
  const starts = index.consumersOf(tokenInput);
  for (const v of [...index.reachableFrom(starts)].sort((a, b) => index.rank[a] - index.rank[b])) {
    const node = index.nodes[v];
    if (node.opType === EMBED_LAYER_NORM) return v;
    if (node.opType === 'Gather' && index.initializers.has(node.input?.[0] ?? '')) return v;
  }
  throw new UserError(`${modelPath}: found no embedding lookup (Gather of a weight table by '${tokenInput}'); the graph may take inputs_embeds, which expose-layers does not handle`);
}

function findTokenInput(graph: GraphProto, modelPath: string): string {
  const inputs = graph.input ?? [];
  const named = inputs.find((v) => v.name === 'input_ids');
  if (named?.name) return named.name;
  const integer = inputs.find((v) => {
    const t = v.type?.tensorType?.elemType;
    return t === 6 || t === 7; // INT32, INT64
  });
  if (integer?.name) return integer.name;
  throw new UserError(`${modelPath}: the graph has no 'input_ids' (or other integer) input; expose-layers needs a token-id input`);
}

/** The producer of the main output: the first graph output the embedding reaches that is not a KV cache. */
function findMainExit(graph: GraphProto, index: GraphIndex, embeddingNode: number, modelPath: string): { exit: number; mainOutput: string } {
  const reached = index.reachableFrom([embeddingNode]);
  for (const out of graph.output ?? []) {
    const name = out.name ?? '';
    if (/^present/.test(name)) continue;
    const producer = index.producerOf(name);
    if (producer !== undefined && reached.has(producer)) return { exit: producer, mainOutput: name };
  }
  throw new UserError(`${modelPath}: no graph output (logits or last_hidden_state) depends on the token embeddings; check that this is a transformer export`);
}
