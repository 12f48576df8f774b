import { GraphBuilder, type ModelProto } from '../../onnx/graphBuilder.ts';
import { headSize, kvDim, type Llama2cCheckpoint } from './checkpoint.ts';
import { rotaryTables } from './rotaryTables.ts';

export const OPSET = 17;
export const RMS_NORM_EPS = 1e-5;
export const ROPE_THETA = 10000;
/**
 * Added to the scores of keys a query must not see. Finite, so a row whose keys are all masked
 * (a padding query under left padding) still softmaxes to numbers rather than NaN.
 */
const MASKED_SCORE = -1e9;

export function hiddenStateOutputName(index: number): string {
  return `hidden_states.${index}`;
}

/** llama2.c stores projections (out, in); MatMul wants x @ W^T, so the weights are stored [in, out]. */
function transposed(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  }
  return out;
}

function layerSlice(stacked: Float32Array, layer: number, size: number): Float32Array {
  return stacked.subarray(layer * size, (layer + 1) * size);
}

/** Graph-wide constants, created once so initializer names stay unique. */
interface Constants {
  readonly eps: string;
  readonly zeroIndex: string;
  readonly oneIndex: string;
  readonly scale: string;
  readonly rotaryCos: string;
  readonly rotarySin: string;
}

class LlamaGraph {
  private readonly b = new GraphBuilder('llama2c');
  private readonly c: Constants;
  private readonly cfg: Llama2cCheckpoint['config'];
  private readonly hs: number;
  private readonly int64Consts = new Map<string, string>();

  constructor(private readonly ckpt: Llama2cCheckpoint) {
    this.cfg = ckpt.config;
    this.hs = headSize(this.cfg);
    const b = this.b;
    const tables = rotaryTables(this.cfg.seqLen, this.hs, ROPE_THETA);
    this.c = {
      eps: b.constFloat('const.rms_norm_eps', [RMS_NORM_EPS], []),
      zeroIndex: b.constInt64('const.index_0', [0], []),
      oneIndex: b.constInt64('const.index_1', [1], []),
      scale: b.constFloat('const.attention_scale', [1 / Math.sqrt(this.hs)], []),
      rotaryCos: b.initializer('model.rotary_emb.cos', 'float32', [this.cfg.seqLen, 1, this.hs / 2], tables.cos),
      rotarySin: b.initializer('model.rotary_emb.sin', 'float32', [this.cfg.seqLen, 1, this.hs / 2], tables.sin),
    };
  }

  build(checkpointName: string): ModelProto {
    const { b, cfg, ckpt } = this;
    const inputIds = b.input('input_ids', 'int64', ['batch', 'sequence']);
    const attentionMask = b.input('attention_mask', 'int64', ['batch', 'sequence']);
    for (let i = 0; i <= cfg.nLayers; i++) b.output(hiddenStateOutputName(i), 'float32', ['batch', 'sequence', cfg.dim]);
    b.output('logits', 'float32', ['batch', 'sequence', cfg.vocabSize]);

    const embedding = b.initializer('model.embed_tokens.weight', 'float32', [cfg.vocabSize, cfg.dim], ckpt.weights.tokenEmbedding);
    const { cos, sin, bias } = b.scope('model', () => this.positionsAndMask(inputIds, attentionMask));
    let x = b.scope('model/embed_tokens', () => b.node('Gather', [embedding, inputIds], [hiddenStateOutputName(0)])[0]);
    for (let l = 0; l < cfg.nLayers; l++) {
      x = b.scope(`model/layers.${l}`, () => this.block(l, x, cos, sin, bias));
    }
    const normed = b.scope('model/norm', () => this.rmsNorm(x, b.initializer('model.norm.weight', 'float32', [cfg.dim], ckpt.weights.rmsFinal)));
    b.scope('lm_head', () => {
      const classifier = ckpt.weights.wcls === null
        ? b.op('Transpose', [embedding], { perm: { ints: [1, 0] } })
        : b.initializer('lm_head.weight', 'float32', [cfg.dim, cfg.vocabSize], transposed(ckpt.weights.wcls, cfg.vocabSize, cfg.dim));
      b.node('MatMul', [normed, classifier], ['logits']);
    });
    return b.toModel({
      opset: OPSET,
      docString:
        `Llama from llama2.c checkpoint ${checkpointName}, imported by DONALD-D. Outputs hidden_states.0 (embeddings) ` +
        `to hidden_states.${cfg.nLayers} (residual stream after each block, before the final norm) and logits. ` +
        'Positions are 0..T-1 in every row, so batches must be right-padded. MatMul weights are stored [in, out].',
      metadata: { source: 'llama2c', checkpoint: checkpointName },
    });
  }

  /** Rotary tables for positions 0..T-1 and the additive causal + padding bias [B, 1, T, T]. */
  private positionsAndMask(inputIds: string, attentionMask: string): { cos: string; sin: string; bias: string } {
    const b = this.b;
    const shape = b.op('Shape', [inputIds]);
    const length = b.op('Gather', [shape, this.c.oneIndex], { axis: { int: 0 } });
    const positions = b.op('Range', [this.c.zeroIndex, length, this.c.oneIndex]);
    const cos = b.op('Gather', [this.c.rotaryCos, positions], { axis: { int: 0 } });
    const sin = b.op('Gather', [this.c.rotarySin, positions], { axis: { int: 0 } });

    const masked = b.constFloat('const.masked_score', [MASKED_SCORE], []);
    const open = b.constFloat('const.open_score', [0], []);
    const queryPos = b.op('Unsqueeze', [positions, b.constInt64('const.axes_1', [1])]);
    const keyPos = b.op('Unsqueeze', [positions, b.constInt64('const.axes_0', [0])]);
    const causal = b.op('Where', [b.op('Greater', [keyPos, queryPos]), masked, open]); // [T, T]
    const isPadding = b.op('Equal', [attentionMask, b.constInt64('const.mask_padding', [0], [])]);
    const padding = b.op('Where', [isPadding, masked, open]); // [B, T] over keys
    const paddingPerKey = b.op('Unsqueeze', [padding, b.constInt64('const.axes_1_2', [1, 2])]); // [B, 1, 1, T]
    const bias = b.op('Add', [causal, paddingPerKey]);
    return { cos, sin, bias };
  }

  /** x * rsqrt(mean(x^2) + eps) * w over the last axis, in llama2.c's order of operations. */
  private rmsNorm(x: string, weight: string): string {
    const b = this.b;
    const meanSquare = b.op('ReduceMean', [b.op('Mul', [x, x])], { axes: { ints: [-1] }, keepdims: { int: 1 } });
    const inverseRms = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [meanSquare, this.c.eps])])]);
    return b.op('Mul', [weight, b.op('Mul', [inverseRms, x])]);
  }

  private linear(x: string, name: string, stacked: Float32Array, layer: number, outDim: number, inDim: number): string {
    const w = this.b.initializer(name, 'float32', [inDim, outDim], transposed(layerSlice(stacked, layer, outDim * inDim), outDim, inDim));
    return this.b.op('MatMul', [x, w]);
  }

  /** Rotates the interleaved pairs (2j, 2j+1) of every head: x is [B, T, heads, headSize]. */
  private rotate(x: string, heads: number, cos: string, sin: string): string {
    const b = this.b;
    const half = this.hs / 2;
    const pairs = b.op('Reshape', [x, this.int64Const([0, 0, heads, half, 2])]);
    const even = b.op('Gather', [pairs, this.c.zeroIndex], { axis: { int: -1 } });
    const odd = b.op('Gather', [pairs, this.c.oneIndex], { axis: { int: -1 } });
    const rotatedEven = b.op('Sub', [b.op('Mul', [even, cos]), b.op('Mul', [odd, sin])]);
    const rotatedOdd = b.op('Add', [b.op('Mul', [even, sin]), b.op('Mul', [odd, cos])]);
    const stacked = b.op('Concat', [b.op('Unsqueeze', [rotatedEven, this.int64Const([-1])]), b.op('Unsqueeze', [rotatedOdd, this.int64Const([-1])])], { axis: { int: -1 } });
    return b.op('Reshape', [stacked, this.int64Const([0, 0, heads, this.hs])]);
  }

  /** Shapes and axes lists, shared between layers by value so initializer names stay unique. */
  private int64Const(values: readonly number[]): string {
    const key = values.join('_');
    let name = this.int64Consts.get(key);
    if (name === undefined) {
      name = this.b.constInt64(`const.int64_${key.replaceAll('-', 'm')}`, values);
      this.int64Consts.set(key, name);
    }
    return name;
  }

  /** Query head h reads kv head floor(h / groupSize): each kv head is repeated groupSize times in a row. */
  private repeatKv(x: string): string {
    const groupSize = this.cfg.nHeads / this.cfg.nKvHeads;
    if (groupSize === 1) return x;
    const b = this.b;
    const expanded = b.op('Expand', [b.op('Unsqueeze', [x, this.int64Const([3])]), this.int64Const([1, 1, 1, groupSize, 1])]);
    return b.op('Reshape', [expanded, this.int64Const([0, 0, this.cfg.nHeads, this.hs])]);
  }

  private block(l: number, x: string, cos: string, sin: string, bias: string): string {
    const { b, cfg, hs } = this;
    const w = this.ckpt.weights;
    const prefix = `model.layers.${l}`;
    const attended = b.scope('self_attn', () => {
      const h = b.scope('input_layernorm', () => this.rmsNorm(x, b.initializer(`${prefix}.input_layernorm.weight`, 'float32', [cfg.dim], layerSlice(w.rmsAtt, l, cfg.dim))));
      const q = this.linear(h, `${prefix}.self_attn.q_proj.weight`, w.wq, l, cfg.nHeads * hs, cfg.dim);
      const k = this.linear(h, `${prefix}.self_attn.k_proj.weight`, w.wk, l, kvDim(cfg), cfg.dim);
      const v = this.linear(h, `${prefix}.self_attn.v_proj.weight`, w.wv, l, kvDim(cfg), cfg.dim);
      const qHeads = this.rotate(b.op('Reshape', [q, this.int64Const([0, 0, cfg.nHeads, hs])]), cfg.nHeads, cos, sin);
      const kHeads = this.repeatKv(this.rotate(b.op('Reshape', [k, this.int64Const([0, 0, cfg.nKvHeads, hs])]), cfg.nKvHeads, cos, sin));
      const vHeads = this.repeatKv(b.op('Reshape', [v, this.int64Const([0, 0, cfg.nKvHeads, hs])]));
      const query = b.op('Transpose', [qHeads], { perm: { ints: [0, 2, 1, 3] } }); // [B, H, T, hs]
      const keyT = b.op('Transpose', [kHeads], { perm: { ints: [0, 2, 3, 1] } }); // [B, H, hs, T]
      const value = b.op('Transpose', [vHeads], { perm: { ints: [0, 2, 1, 3] } });
      const scores = b.op('Add', [b.op('Mul', [b.op('MatMul', [query, keyT]), this.c.scale]), bias]);
      const weights = b.op('Softmax', [scores], { axis: { int: -1 } });
      const context = b.op('Transpose', [b.op('MatMul', [weights, value])], { perm: { ints: [0, 2, 1, 3] } });
      const merged = b.op('Reshape', [context, this.int64Const([0, 0, cfg.nHeads * hs])]);
      return this.linear(merged, `${prefix}.self_attn.o_proj.weight`, w.wo, l, cfg.dim, cfg.nHeads * hs);
    });
    const residual = b.op('Add', [x, attended]);
    const ffn = b.scope('mlp', () => {
      const h = b.scope('post_attention_layernorm', () => this.rmsNorm(residual, b.initializer(`${prefix}.post_attention_layernorm.weight`, 'float32', [cfg.dim], layerSlice(w.rmsFfn, l, cfg.dim))));
      const gate = this.linear(h, `${prefix}.mlp.gate_proj.weight`, w.w1, l, cfg.hiddenDim, cfg.dim);
      const up = this.linear(h, `${prefix}.mlp.up_proj.weight`, w.w3, l, cfg.hiddenDim, cfg.dim);
      const silu = b.op('Mul', [gate, b.op('Sigmoid', [gate])]);
      return this.linear(b.op('Mul', [silu, up]), `${prefix}.mlp.down_proj.weight`, w.w2, l, cfg.dim, cfg.hiddenDim);
    });
    return b.node('Add', [residual, ffn], [hiddenStateOutputName(l + 1)])[0];
  }
}

/** The ONNX graph of a llama2.c model, exposing every layer's hidden state as an output. */
export function buildLlamaGraph(checkpoint: Llama2cCheckpoint, checkpointName: string): ModelProto {
  return new LlamaGraph(checkpoint).build(checkpointName);
}
