import type { InferenceSession } from 'onnxruntime-node';
import { checkGraphInputs, type GraphInputCheck } from './graphInputs.ts';
import { findHiddenStateSource, type HiddenStateSearch } from './hiddenStateOutputs.ts';
import { openInferenceSession } from './inferenceSession.ts';
import { readModelConfig, type ModelConfig } from './modelConfig.ts';
import { locateModelFiles, type ModelFiles } from './modelDirectory.ts';
import type { SessionSettings } from './modelTypes.ts';
import { loadSentenceTokenizer, type SentenceTokenizer } from './sentenceTokenizer.ts';
import { tensorSlots, type TensorSlot } from './tensorSlot.ts';

/**
 * Everything read from a model folder, with what is wrong with it collected rather than thrown,
 * so inspect-model can show a broken folder and openModel can refuse it with the first problem.
 */
export interface LoadedModel {
  readonly files: ModelFiles;
  readonly config: ModelConfig;
  readonly tokenizer: SentenceTokenizer;
  readonly session: InferenceSession;
  readonly inputs: readonly TensorSlot[];
  readonly outputs: readonly TensorSlot[];
  readonly graphInputs: GraphInputCheck;
  readonly hiddenStates: HiddenStateSearch;
  /** The longest token sequence (special tokens included) the model accepts; null when unbounded. */
  readonly maxTokens: number | null;
  /** Inconsistencies, each one line naming the file and the fix; empty when the folder is usable. */
  readonly problems: readonly string[];
}

function vocabularyProblem(files: ModelFiles, config: ModelConfig, tokenizer: SentenceTokenizer): string | null {
  if (config.vocabSize === null || tokenizer.idLimit <= config.vocabSize) return null;
  return `${files.tokenizerPath}: produces token ids up to ${tokenizer.idLimit - 1} but ${config.file} gives the model only ${config.vocabSize} embedding rows (vocab_size); use the tokenizer saved with this model`;
}

function tokenLimit(config: ModelConfig, tokenizer: SentenceTokenizer): number | null {
  const bounds = [config.maxPositions, tokenizer.modelMaxLength].filter((n): n is number => n !== null);
  return bounds.length > 0 ? Math.min(...bounds) : null;
}

/** Reads the folder's files and opens the session; missing files throw UserErrors, mismatches become problems. */
export async function loadModel(dir: string, settings: SessionSettings): Promise<LoadedModel> {
  const files = locateModelFiles(dir);
  const config = readModelConfig(files.configPath);
  const tokenizer = loadSentenceTokenizer(files.tokenizerPath, files.tokenizerConfigPath);
  const session = await openInferenceSession(files.onnxPath, settings);
  const inputs = tensorSlots(session.inputMetadata);
  const outputs = tensorSlots(session.outputMetadata);
  const graphInputs = checkGraphInputs(inputs, files.onnxPath);
  const hiddenStates = findHiddenStateSource(outputs, {
    layers: config.layers,
    hiddenSize: config.hiddenSize,
    onnxPath: files.onnxPath,
    configPath: config.file,
    sidecar: files.sidecar,
  });
  const problems = [
    hiddenStates.ok ? null : hiddenStates.problem,
    graphInputs.ok ? null : graphInputs.problem,
    vocabularyProblem(files, config, tokenizer),
  ].filter((p): p is string => p !== null);
  return { files, config, tokenizer, session, inputs, outputs, graphInputs, hiddenStates, maxTokens: tokenLimit(config, tokenizer), problems };
}
