import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeModel } from '../../onnx/graphBuilder.ts';
import { UserError } from '../../userError.ts';
import { readLlama2cCheckpoint, type Llama2cConfig } from './checkpoint.ts';
import { huggingFaceConfig } from './huggingFaceConfig.ts';
import { toHuggingFaceTokenizer } from './huggingFaceTokenizer.ts';
import { buildLlamaGraph } from './llamaGraph.ts';
import { readLlama2cTokenizer } from './tokenizerBin.ts';

export interface Llama2cImportRequest {
  readonly checkpointPath: string;
  readonly tokenizerPath: string;
  readonly outDir: string;
  /** Write into a non-empty directory, replacing the files this import writes. */
  readonly force?: boolean;
}

export interface Llama2cImportResult {
  readonly outDir: string;
  readonly config: Llama2cConfig;
  readonly files: readonly string[];
}

export const MODEL_FILES = ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json'] as const;

function prepareOutDir(outDir: string, force: boolean): void {
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new UserError(`${outDir}: --out exists and is not a directory; choose a new directory`);
    if (!force && readdirSync(outDir).length > 0) {
      throw new UserError(`${outDir}: --out is not empty; choose a new directory or pass --force to overwrite the model files in it`);
    }
  }
  mkdirSync(outDir, { recursive: true });
}

/**
 * Converts a llama2.c checkpoint + tokenizer.bin into a DONALD-D model directory: model.onnx with
 * every layer's hidden state as an output, Hugging Face tokenizer files and config.json.
 * Everything is validated before anything is written.
 */
export function importLlama2c(request: Llama2cImportRequest): Llama2cImportResult {
  const checkpointName = path.basename(request.checkpointPath);
  const tokenizerName = path.basename(request.tokenizerPath);
  const checkpoint = readLlama2cCheckpoint(request.checkpointPath);
  const tokenizer = readLlama2cTokenizer(request.tokenizerPath);
  if (tokenizer.pieces.length !== checkpoint.config.vocabSize) {
    throw new UserError(
      `${tokenizerName}: holds ${tokenizer.pieces.length} tokens but ${checkpointName} has vocab_size ${checkpoint.config.vocabSize}; give the tokenizer the model was trained with`,
    );
  }
  const { tokenizerJson, tokenizerConfigJson } = toHuggingFaceTokenizer(tokenizer, tokenizerName, checkpoint.config.seqLen);
  const model = encodeModel(buildLlamaGraph(checkpoint, checkpointName));

  prepareOutDir(request.outDir, request.force ?? false);
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  const contents: Record<(typeof MODEL_FILES)[number], Uint8Array | string> = {
    'model.onnx': model,
    'tokenizer.json': json(tokenizerJson),
    'tokenizer_config.json': json(tokenizerConfigJson),
    'config.json': json(huggingFaceConfig(checkpoint.config, checkpointName)),
  };
  for (const file of MODEL_FILES) writeFileSync(path.join(request.outDir, file), contents[file]);
  return { outDir: request.outDir, config: checkpoint.config, files: MODEL_FILES };
}
