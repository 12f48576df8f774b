import type { HiddenStates } from '../hidden/hiddenStates.ts';

/** What a model directory declares about itself (config.json + graph). */
export interface ModelInfo {
  readonly dir: string;
  readonly onnxPath: string;
  readonly architecture: string;
  readonly modelType: string;
  /** Transformer blocks, not counting the embedding output. */
  readonly layers: number;
  readonly hiddenSize: number;
  readonly maxPositions: number | null;
  /** True for causal decoders (GPT-2, Llama), false for bidirectional encoders. */
  readonly causal: boolean;
  /** Set when the weights are random (shipped fixtures); every output must say so. */
  readonly randomWeights: boolean;
}

export interface ModelRunOptions {
  /** Drop special tokens ([CLS], <s>, ...) from the matrix; kept by default as in the paper. */
  readonly dropSpecialTokens?: boolean;
  /** Cut sentences longer than the model limit instead of failing them. */
  readonly truncate?: boolean;
  readonly batchSize?: number;
  /** A study's own token limit, below the model's; longer sentences fail (or are cut with truncate). */
  readonly maxTokens?: number;
}

export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
export const EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;

export interface SessionSettings {
  readonly intraOpThreads?: number;
  readonly graphOptimizationLevel?: (typeof GRAPH_OPTIMIZATION_LEVELS)[number];
  readonly executionProvider?: (typeof EXECUTION_PROVIDERS)[number];
}

/** One sentence's result: hidden states with the embedding output at index 0. */
export interface SentenceHiddenStates {
  readonly ok: true;
  /** Token strings cleaned of tokenizer markers (##, Ġ, ▁) for tables and pictures. */
  readonly tokens: readonly string[];
  readonly tokenIds: readonly number[];
  readonly hidden: HiddenStates;
  readonly truncated: boolean;
}

export interface SentenceFailure {
  readonly ok: false;
  readonly reason: string;
}

export type SentenceResult = SentenceHiddenStates | SentenceFailure;

/** A loaded model that turns sentences into every layer's hidden states. */
export interface HiddenStateModel {
  readonly info: ModelInfo;
  /** Results in input order; one bad sentence yields a SentenceFailure, never a throw. */
  run(sentences: readonly string[], options?: ModelRunOptions): Promise<SentenceResult[]>;
  close(): Promise<void>;
}
