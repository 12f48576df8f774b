import { headSize, type Llama2cConfig } from './checkpoint.ts';
import { RMS_NORM_EPS, ROPE_THETA } from './llamaGraph.ts';

/** config.json in transformers' Llama shape, plus DONALD-D's provenance block. */
export function huggingFaceConfig(config: Llama2cConfig, checkpointName: string): Record<string, unknown> {
  return {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    num_hidden_layers: config.nLayers,
    hidden_size: config.dim,
    intermediate_size: config.hiddenDim,
    num_attention_heads: config.nHeads,
    num_key_value_heads: config.nKvHeads,
    head_dim: headSize(config),
    vocab_size: config.vocabSize,
    max_position_embeddings: config.seqLen,
    rms_norm_eps: RMS_NORM_EPS,
    rope_theta: ROPE_THETA,
    hidden_act: 'silu',
    tie_word_embeddings: config.sharedClassifier,
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: 'float32',
    donald: { source: 'llama2c', checkpoint: checkpointName, randomWeights: false },
  };
}
