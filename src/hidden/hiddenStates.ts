/**
 * Hidden states of one sentence in the canonical layout [layers, tokens, hidden], row-major.
 * `includesEmbedding` says whether index 0 is the embedding output (Hugging Face's
 * output_hidden_states convention) or already the first transformer block.
 */
export interface HiddenStates {
  readonly layers: number;
  readonly tokens: number;
  readonly hidden: number;
  readonly data: Float32Array | Float64Array;
  readonly includesEmbedding: boolean;
}
