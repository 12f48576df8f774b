import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../userError.ts';
import { readBinaryFile } from './inputFile.ts';

/** The 7-int32 header of a llama2.c (legacy, version 0) checkpoint. */
export interface Llama2cConfig {
  readonly dim: number;
  readonly hiddenDim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  /** Always positive here; the header's sign is `sharedClassifier`. */
  readonly vocabSize: number;
  readonly seqLen: number;
  /** Positive vocab_size in the header: the classifier reuses the token embedding. */
  readonly sharedClassifier: boolean;
}

/**
 * Weights exactly as llama2.c stores them: per-layer matrices are stacked over layers and each
 * projection is (out, in) row-major, i.e. y = W x.
 */
export interface Llama2cWeights {
  readonly tokenEmbedding: Float32Array; // [vocab, dim]
  readonly rmsAtt: Float32Array; // [L, dim]
  readonly wq: Float32Array; // [L, nHeads*headSize, dim]
  readonly wk: Float32Array; // [L, kvDim, dim]
  readonly wv: Float32Array; // [L, kvDim, dim]
  readonly wo: Float32Array; // [L, dim, nHeads*headSize]
  readonly rmsFfn: Float32Array; // [L, dim]
  readonly w1: Float32Array; // [L, hiddenDim, dim]
  readonly w2: Float32Array; // [L, dim, hiddenDim]
  readonly w3: Float32Array; // [L, hiddenDim, dim]
  readonly rmsFinal: Float32Array; // [dim]
  /** Null when the classifier is the token embedding. */
  readonly wcls: Float32Array | null; // [vocab, dim]
}

export interface Llama2cCheckpoint {
  readonly config: Llama2cConfig;
  readonly weights: Llama2cWeights;
}

export const HEADER_BYTES = 7 * 4;
/** llama2.c's export.py version 1/2 files start with this magic ("ak42"); they have another layout. */
const VERSIONED_EXPORT_MAGIC = 0x616b3432;
/** Guards the size arithmetic against headers that are really random bytes. */
const MAX_DIMENSION = 1 << 20;

export function headSize(config: Llama2cConfig): number {
  return config.dim / config.nHeads;
}

export function kvDim(config: Llama2cConfig): number {
  return headSize(config) * config.nKvHeads;
}

/** Float counts of each tensor in file order (freq_cis is the legacy RoPE table llama2.c skips). */
function tensorSizes(c: Llama2cConfig): Array<[keyof Llama2cWeights | 'freqCis', number]> {
  const hs = headSize(c);
  const L = c.nLayers;
  return [
    ['tokenEmbedding', c.vocabSize * c.dim],
    ['rmsAtt', L * c.dim],
    ['wq', L * c.dim * c.nHeads * hs],
    ['wk', L * c.dim * kvDim(c)],
    ['wv', L * c.dim * kvDim(c)],
    ['wo', L * c.nHeads * hs * c.dim],
    ['rmsFfn', L * c.dim],
    ['w1', L * c.hiddenDim * c.dim],
    ['w2', L * c.dim * c.hiddenDim],
    ['w3', L * c.hiddenDim * c.dim],
    ['rmsFinal', c.dim],
    ['freqCis', c.seqLen * hs], // real and imaginary halves, seq_len * head_size / 2 each
    ['wcls', c.sharedClassifier ? 0 : c.vocabSize * c.dim],
  ];
}

/** Size in bytes a checkpoint with this header must have. */
export function expectedCheckpointBytes(config: Llama2cConfig): number {
  return HEADER_BYTES + tensorSizes(config).reduce((sum, [, n]) => sum + n * 4, 0);
}

function describeHeader(c: Llama2cConfig): string {
  return `dim ${c.dim}, hidden_dim ${c.hiddenDim}, n_layers ${c.nLayers}, n_heads ${c.nHeads}, n_kv_heads ${c.nKvHeads}, vocab_size ${c.sharedClassifier ? '' : '-'}${c.vocabSize}, seq_len ${c.seqLen}`;
}

/** Reads and validates the header; throws UserError for anything llama2.c could not run. */
export function parseLlama2cHeader(bytes: Uint8Array, fileName: string): Llama2cConfig {
  const where = `${fileName}: not a llama2.c checkpoint`;
  if (bytes.byteLength < HEADER_BYTES) {
    throw new UserError(`${where}: the header needs ${HEADER_BYTES} bytes but the file has ${bytes.byteLength}; give the .bin written by llama2.c's export.py`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const ints = Array.from({ length: 7 }, (_, i) => view.getInt32(i * 4, true));
  if (ints[0] === VERSIONED_EXPORT_MAGIC) {
    throw new UserError(`${fileName}: this is a versioned llama2.c export (magic "ak42"), which DONALD-D does not read; re-export with export.py --version 0 (legacy float32)`);
  }
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, signedVocab, seqLen] = ints;
  const config: Llama2cConfig = {
    dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: Math.abs(signedVocab), seqLen, sharedClassifier: signedVocab > 0,
  };
  const problem =
    [dim, hiddenDim, nLayers, nHeads, nKvHeads, seqLen, Math.abs(signedVocab)].some((v) => v <= 0 || v > MAX_DIMENSION) ? 'a size is zero, negative or absurdly large'
    : dim % nHeads !== 0 ? 'dim is not a multiple of n_heads'
    : (dim / nHeads) % 2 !== 0 ? 'the head size is odd (rotary embeddings need pairs)'
    : nHeads % nKvHeads !== 0 ? 'n_heads is not a multiple of n_kv_heads'
    : null;
  if (problem !== null) {
    throw new UserError(`${where}: header (${describeHeader(config)}) is invalid: ${problem}; give the .bin written by llama2.c's export.py --version 0`);
  }
  return config;
}

/** Splits a whole checkpoint file into its tensors; the file size must match the header exactly. */
export function parseLlama2cCheckpoint(bytes: Uint8Array, fileName: string): Llama2cCheckpoint {
  const config = parseLlama2cHeader(bytes, fileName);
  const expected = expectedCheckpointBytes(config);
  if (bytes.byteLength !== expected) {
    const what = bytes.byteLength < expected ? 'truncated' : 'longer than its header says';
    throw new UserError(`${fileName}: llama2.c checkpoint is ${what}: header (${describeHeader(config)}) needs ${expected} bytes but the file has ${bytes.byteLength}; re-download or re-export it`);
  }
  if (os.endianness() !== 'LE') throw new Error('llama2.c checkpoints are little-endian float32; this host is big-endian');
  // Copy into a fresh buffer so every Float32Array view is 4-byte aligned whatever Node handed us.
  const aligned = new Uint8Array(bytes.byteLength - HEADER_BYTES);
  aligned.set(bytes.subarray(HEADER_BYTES));
  const floats = new Float32Array(aligned.buffer);
  const tensors = new Map<string, Float32Array>();
  let offset = 0;
  for (const [name, size] of tensorSizes(config)) {
    tensors.set(name, floats.subarray(offset, offset + size));
    offset += size;
  }
  const get = (name: keyof Llama2cWeights): Float32Array => tensors.get(name) as Float32Array;
  return {
    config,
    weights: {
      tokenEmbedding: get('tokenEmbedding'),
      rmsAtt: get('rmsAtt'),
      wq: get('wq'),
      wk: get('wk'),
      wv: get('wv'),
      wo: get('wo'),
      rmsFfn: get('rmsFfn'),
      w1: get('w1'),
      w2: get('w2'),
      w3: get('w3'),
      rmsFinal: get('rmsFinal'),
      wcls: config.sharedClassifier ? null : get('wcls'),
    },
  };
}

/** One ONNX protobuf file cannot exceed 2 GiB, and DONALD-D writes weights inline. */
const MAX_CHECKPOINT_BYTES = 2 ** 31 - 2 ** 24;

export function readLlama2cCheckpoint(filePath: string): Llama2cCheckpoint {
  const bytes = readBinaryFile(filePath, 'llama2.c checkpoint', MAX_CHECKPOINT_BYTES);
  return parseLlama2cCheckpoint(bytes, path.basename(filePath));
}
